// swift-tools-version: 6.1
// Benchmarks live in their own package so that users of Comity never pull
// package-benchmark. Run them with `make bench` from the repository root.
import PackageDescription

let package = Package(
    name: "ComityBenchmarks",
    platforms: [.macOS(.v15)],
    dependencies: [
        .package(name: "Comity", path: ".."),
        .package(url: "https://github.com/ordo-one/benchmark", from: "1.38.1", traits: ["MallocInterposer"]),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // Plain Lua for the baselines: what the bridge is compared with.
        .systemLibrary(name: "BenchLua", pkgConfig: "lua5.4", providers: [.apt(["liblua5.4-dev"])]),
        .target(name: "BaselineC", dependencies: ["BenchLua"]),
        .executableTarget(
            name: "CallProbe",
            dependencies: [.product(name: "LuaBridge", package: "Comity"), "BaselineC"]
        ),
        // What the create figures are ratios to, shared by the benchmark and the probe.
        .target(name: "CreateBaseline", dependencies: [.product(name: "GRDB", package: "GRDB.swift")]),
        .executableTarget(
            name: "CreateProbe",
            dependencies: [.product(name: "Comity", package: "Comity"), "CreateBaseline"]
        ),
        .executableTarget(
            name: "CoreAPIBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Comity", package: "Comity"),
                .product(name: "GRDB", package: "GRDB.swift"),
                "CreateBaseline",
            ],
            path: "Benchmarks/CoreAPIBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        // Commit-to-start latency of `comity worker`, with and without LISTEN/NOTIFY.
        .executableTarget(
            name: "WakeupProbe",
            dependencies: [.product(name: "Comity", package: "Comity"), .product(name: "PostgresNIO", package: "postgres-nio")]
        ),
        // The PostgreSQL store against postgres-nio directly, on Tests/with-postgres's server.
        .executableTarget(
            name: "PostgresBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Comity", package: "Comity"),
                .product(name: "PostgresNIO", package: "postgres-nio"),
            ],
            path: "Benchmarks/PostgresBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "ImportBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Comity", package: "Comity"),
            ],
            path: "Benchmarks/ImportBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "SchedulerBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Comity", package: "Comity"),
                .product(name: "GRDB", package: "GRDB.swift"),
            ],
            path: "Benchmarks/SchedulerBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "WorkflowBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "Comity", package: "Comity"),
            ],
            path: "Benchmarks/WorkflowBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
        .executableTarget(
            name: "LuaBridgeBenchmarks",
            dependencies: [
                .product(name: "Benchmark", package: "benchmark"),
                .product(name: "LuaBridge", package: "Comity"),
                "BaselineC",
            ],
            path: "Benchmarks/LuaBridgeBenchmarks",
            plugins: [.plugin(name: "BenchmarkPlugin", package: "benchmark")]
        ),
    ],
    swiftLanguageModes: [.v6]
)

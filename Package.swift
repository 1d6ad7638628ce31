// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Comity",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LuaBridge", targets: ["LuaBridge"]),
        .library(name: "Comity", targets: ["Comity"]),
        .executable(name: "comity", targets: ["comity"]),
        .executable(name: "comity-network", targets: ["comity-network"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        // Text as people write and read it: name suggestions, byte counts, durations.
        // Below the bridge and the domain, so that neither imports the other for them.
        .target(name: "HumanReadable"),
        .target(name: "LuaBridge", dependencies: ["CLuaShim", "HumanReadable"]),
        .target(name: "ComityCore", dependencies: ["HumanReadable"], exclude: ["ReferenceData/generate.py"]),
        // Cron expressions and their next times: below the engine, so that it can check a schedule.
        .target(name: "ComityCron", dependencies: ["ComityCore", "HumanReadable"]),
        // What both SQL stores share: a query's filters, order and groups as SQL, with the
        // checks made on the way (a derived field needs a clock, only Money sums).
        .target(name: "ComitySQL", dependencies: ["ComityCore", "HumanReadable"]),
        .target(name: "ComitySQLite", dependencies: [
            "ComityCore", "ComitySQL", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // The store over PostgreSQL, for networks with several workers on one database.
        .target(name: "ComityPostgres", dependencies: [
            "ComityCore", "ComitySQL", .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "NIOCore", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The store conformance suite: cases every store's tests run (see StoreConformance).
        .target(name: "ComityStoreConformance", dependencies: ["ComityCore"]),
        // CSV and JSON import and export over the Store protocols (and 360Giving).
        .target(name: "ComityExchange", dependencies: [
            "ComityCore", "HumanReadable", .product(name: "CSV", package: "CSV.swift"),
        ]),
        // Reports: the document a report script returns and its renderers.
        .target(name: "ComityReports", dependencies: [
            "ComityCore", "LuaBridge", .product(name: "CSV", package: "CSV.swift"),
        ]),
        // The outbox's delivery through sendmail, MIME, and the local processes it runs.
        .target(name: "ComityMessages", dependencies: ["ComityCore", "HumanReadable"]),
        .target(
            name: "ComityEngine",
            dependencies: [
                "CLuaShim", "LuaBridge", "HumanReadable", "ComityCore", "ComityCron", "ComityExchange", "ComityReports",
                "ComityMessages",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        // `comity check`: a script read against the API registry without running it.
        .target(name: "ComityCheck", dependencies: ["ComityEngine", "ComityReports", "ComityCore", "LuaBridge", "HumanReadable"]),
        .target(
            name: "ComityScheduler",
            dependencies: [
                "ComityEngine", "ComityCore", "ComityCron", "LuaBridge",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The engine service every front end calls: opens a workspace's store and owns running.
        .target(
            name: "ComityService",
            dependencies: [
                "ComityEngine", "ComityExchange", "ComityReports", "ComityScheduler", "ComitySQLite", "ComitySQL", "ComityCore",
                "ComityCron", "LuaBridge", "HumanReadable",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        // `comity serve`: the HTTP API and signed webhook intake over the engine service.
        .target(
            name: "ComityServer",
            dependencies: [
                "ComityService", "ComityEngine", "ComityCore", "ComityReports", "HumanReadable",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "Comity", dependencies: [
            "ComityService", "ComityEngine", "ComityExchange", "ComityReports", "ComityMessages", "ComityCheck",
            "ComityScheduler", "ComityCron", "ComityCore", "ComitySQLite", "ComityPostgres", "LuaBridge", "HumanReadable",
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The command line: every command's parsing and printing, over the engine service.
        // Linked into both executables; links neither PostgreSQL nor the HTTP server.
        .target(
            name: "ComityCommandLine",
            dependencies: [
                "ComityService", "ComitySQL", "ComityEngine", "ComityExchange", "ComityReports", "ComityMessages", "ComityCheck",
                "ComityCron", "ComityCore", "ComityScheduler", "LuaBridge", "HumanReadable",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // What cron and an editing loop start: SQLite only, so that it starts in milliseconds.
        .executableTarget(name: "comity", dependencies: ["ComityCommandLine"]),
        // The same command line with PostgreSQL and the HTTP server, which `comity` hands
        // `serve` and PostgreSQL workspaces to (installed in PREFIX/libexec/comity/).
        .executableTarget(
            name: "comity-network",
            dependencies: [
                "ComityCommandLine", "Comity", "ComityServer", "ComityService", "ComityEngine",
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "HumanReadableTests", dependencies: ["HumanReadable"]),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge"]),
        .testTarget(name: "ComityCoreTests", dependencies: ["ComityCore"]),
        .testTarget(name: "ComityCronTests", dependencies: ["ComityCron", "ComityCore"]),
        .testTarget(name: "ComitySQLiteTests", dependencies: [
            "ComitySQLite", "ComityStoreConformance", "ComityCore", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ComitySQLTests", dependencies: ["ComitySQL", "ComityCore"]),
        .testTarget(name: "ComityPostgresTests", dependencies: [
            "ComityPostgres", "ComityStoreConformance", "ComityCore"]),
        .testTarget(name: "ComityEngineTests", dependencies: [
            "ComityEngine", "Comity", "ComitySQLite", "ComityCore", "ComityCheck", "LuaBridge",
            .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ComityExchangeTests", dependencies: ["ComityExchange", "ComityCore", "ComitySQLite"]),
        .testTarget(name: "ComityReportsTests", dependencies: ["ComityReports", "LuaBridge"]),
        .testTarget(name: "ComityMessagesTests", dependencies: ["ComityMessages", "ComityCore", "ComitySQLite"]),
        .testTarget(name: "ComityCheckTests", dependencies: ["ComityCheck", "ComityEngine"]),
        .testTarget(name: "ComitySchedulerTests", dependencies: [
            "ComityScheduler", "ComityEngine", "ComityCore", "ComitySQLite", "LuaBridge",
            .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "ComityServiceTests", dependencies: [
            "ComityService", "ComityEngine", "ComitySQLite", "ComityCore", .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "ComityServerTests", dependencies: [
            "ComityServer", "ComityService", "ComityEngine", "ComityCore", "ComityExchange", "ComityPostgres", "ComityStoreConformance", "Comity",
            .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"), .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "comityTests", dependencies: [
            "comity", "comity-network", .product(name: "Hummingbird", package: "hummingbird"), .product(name: "HummingbirdTesting", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"), .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "NIOCore", package: "swift-nio")]),
    ],
    swiftLanguageModes: [.v6]
)

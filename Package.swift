// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "Comity",
    platforms: [.macOS(.v15)],
    products: [
        .library(name: "LuaBridge", targets: ["LuaBridge"]),
        .library(name: "Comity", targets: ["Comity"]),
        .executable(name: "comity", targets: ["comity"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/yaslab/CSV.swift", from: "2.5.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
    ],
    targets: [
        .systemLibrary(
            name: "CLua",
            pkgConfig: "lua5.4",
            providers: [.apt(["liblua5.4-dev"])]
        ),
        .target(name: "CLuaShim", dependencies: ["CLua"]),
        .target(name: "LuaBridge", dependencies: ["CLuaShim"]),
        .target(name: "ComityCore", exclude: ["ReferenceData/generate.py"]),
        // Cron expressions and their next times: below the engine, so that it can check a schedule.
        .target(name: "ComityCron", dependencies: ["ComityCore"]),
        .target(name: "ComitySQLite", dependencies: [
            "ComityCore", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
        ]),
        // The store conformance suite: cases every store's tests run (see StoreConformance).
        .target(name: "ComityStoreConformance", dependencies: ["ComityCore"]),
        .target(
            name: "ComityEngine",
            dependencies: [
                "LuaBridge", "ComityCore", "ComityCron", .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CSV", package: "CSV.swift"),
            ]
        ),
        .target(
            name: "ComityScheduler",
            dependencies: [
                "ComityEngine", "ComityCore", "ComityCron", .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        // The engine service every front end calls: opens a workspace's store and owns running.
        .target(
            name: "ComityService",
            dependencies: [
                "ComityEngine", "ComityScheduler", "ComitySQLite", "ComityCore", "ComityCron", "LuaBridge",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ]
        ),
        .target(name: "Comity", dependencies: [
            "ComityService", "ComityEngine", "ComityScheduler", "ComityCron", "ComityCore", "ComitySQLite", "LuaBridge",
            .product(name: "Logging", package: "swift-log"),
        ]),
        .executableTarget(
            name: "comity",
            dependencies: [
                "ComityService",
                "ComityEngine",
                "ComityCron",
                "ComityCore",
                "ComityScheduler",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(name: "LuaBridgeTests", dependencies: ["LuaBridge"]),
        .testTarget(name: "ComityCoreTests", dependencies: ["ComityCore"]),
        .testTarget(name: "ComityCronTests", dependencies: ["ComityCron", "ComityCore"]),
        .testTarget(name: "ComitySQLiteTests", dependencies: [
            "ComitySQLite", "ComityStoreConformance", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ComityEngineTests", dependencies: [
            "ComityEngine", "Comity", "ComitySQLite", .product(name: "GRDB", package: "GRDB.swift")]),
        .testTarget(name: "ComitySchedulerTests", dependencies: [
            "ComityScheduler", "ComitySQLite", "LuaBridge", .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "ComityServiceTests", dependencies: [
            "ComityService", "ComityEngine", "ComitySQLite", "ComityCore", .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle")]),
        .testTarget(name: "comityTests", dependencies: ["comity"]),
    ],
    swiftLanguageModes: [.v6]
)

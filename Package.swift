// swift-tools-version: 6.1
import PackageDescription

let package = Package(
    name: "bindwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bindwatchd", targets: ["bindwatchd"]),
        .executable(name: "bindwatchctl", targets: ["bindwatchctl"]),
        .library(name: "BindwatchCore", targets: ["BindwatchCore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        // No traits: the default JSON trait brings in Foundation (JSONSerialization) and with it ICU.
        .package(url: "https://github.com/apple/swift-configuration", from: "1.4.0", traits: []),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
    ],
    targets: [
        // libmnl as installed by Debian's libmnl-dev.
        .systemLibrary(
            name: "CLibmnl",
            pkgConfig: "libmnl",
            providers: [.apt(["libmnl-dev"])]
        ),
        // libyaml as installed by Debian's libyaml-dev, for the config file.
        .systemLibrary(
            name: "CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),
        // Reads a YAML file into a flat list of events.
        .target(
            name: "CBindwatchYAML",
            dependencies: ["CYAML"]
        ),
        // Parses rtnetlink messages the libmnl way and hands Swift flat, fixed-size structs.
        .target(
            name: "CBindwatchNetlink",
            dependencies: ["CLibmnl"]
        ),
        // What kind of address it is: IANA registries, RFC 4291/6724, the kernel's view. No I/O.
        .target(name: "AddressClassification"),
        .target(
            name: "BindwatchCore",
            dependencies: [
                "AddressClassification",
                "CBindwatchNetlink",
                "CBindwatchYAML",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ],
            exclude: ["Varlink/io.bindwatch.varlink"]
        ),
        .executableTarget(
            name: "bindwatchd",
            dependencies: [
                "BindwatchCore",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        .executableTarget(
            name: "bindwatchctl",
            dependencies: [
                "BindwatchCore",
                "CBindwatchNetlink",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
        // Measures the table's costs; `swift run -c release bindwatch-benchmark`.
        .executableTarget(
            name: "bindwatch-benchmark",
            dependencies: [
                "BindwatchCore",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/bindwatch-benchmark"
        ),
        // libFuzzer target for varlink framing and request parsing; scripts/fuzz builds it with
        // -sanitize=fuzzer in .build-fuzz. A plain build makes a replayer of inputs (FILE|DIR...).
        .executableTarget(
            name: "bindwatch-fuzz-varlink",
            dependencies: [
                "AddressClassification",
                "BindwatchCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BindwatchCoreTests",
            dependencies: [
                "BindwatchCore",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
            ],
            resources: [.copy("Fixtures")]
        ),
        .testTarget(
            name: "AddressClassificationTests",
            dependencies: ["AddressClassification"]
        ),
        .testTarget(
            name: "BindwatchIntegrationTests",
            dependencies: [
                "BindwatchCore",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

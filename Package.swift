// swift-tools-version: 6.1
import PackageDescription

// Release links (make install, bench/run) use the toolchain's lld: identical code folding,
// and relative relocations packed as DT_RELR (glibc 2.36, Debian 12): 11 KB where gold wrote
// 1.2–1.3 MB of .rela.dyn, which the loader read at every start. The static Swift runtime's
// link flags export every symbol (`-export-dynamic`): 1.5 MB of dynamic symbols that the loader
// searches first for every symbol the shared libraries need, and keeps resident (1.2–1.6 MiB
// of an idle daemon, measured by hand). Nothing loads plugins into these binaries, so they
// export none.
let releaseLinking: [LinkerSetting] = [
    .unsafeFlags(
        [
            "-use-ld=lld", "-Xlinker", "--icf=all", "-Xlinker", "-z", "-Xlinker", "pack-relative-relocs",
            "-Xlinker", "--no-export-dynamic",
        ],
        .when(platforms: [.linux], configuration: .release))
]

let package = Package(
    name: "bindwatch",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "bindwatchd", targets: ["bindwatchd"]),
        .executable(name: "bindwatchctl", targets: ["bindwatchctl"]),
        .executable(name: "bindwatch-dispatch", targets: ["bindwatch-dispatch"]),
        .executable(name: "bindwatch-metrics", targets: ["bindwatch-metrics"]),
        // For Swift programs that follow the bindable set: the wire types and an async client.
        .library(name: "BindwatchClient", targets: ["BindwatchClient"]),
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
        // The settings file (/etc/bindwatch/bindwatch.yaml) as YAML nodes: bindwatchd reads all
        // of it, bindwatch-dispatch and bindwatch-metrics their own sections.
        .target(
            name: "BindwatchSettingsFile",
            dependencies: ["CBindwatchYAML"]
        ),
        // System calls the daemon and the client make (sockets, signals, memory); no libmnl.
        .target(name: "CBindwatchSystem"),
        // Parses rtnetlink messages the libmnl way and hands Swift flat, fixed-size structs.
        .target(
            name: "CBindwatchNetlink",
            dependencies: ["CLibmnl"]
        ),
        // What kind of address it is: IANA registries, RFC 4291/6724, the kernel's view. No I/O.
        .target(name: "AddressClassification"),
        // Addresses, links, flags, reasons and the policy, as plain values. No I/O.
        .target(
            name: "BindwatchModel",
            dependencies: ["AddressClassification"]
        ),
        // Swift concurrency on NIO event loops rather than libdispatch: the task executor, a
        // sleep on the loop's timer, a one-shot signal. The daemon and the client both use it.
        .target(
            name: "EventLoopConcurrency",
            dependencies: [
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The wire: JSON, varlink framing, requests, replies and errors, the Address type, the IDL.
        .target(
            name: "BindwatchVarlink",
            dependencies: [
                "AddressClassification",
                "BindwatchModel",
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            exclude: ["Protocol/io.bindwatch.varlink"]
        ),
        // The client library: calls, Watch streams and the event log, for bindwatchctl and others.
        .target(
            name: "BindwatchClient",
            dependencies: [
                "BindwatchModel",
                "BindwatchVarlink",
                "CBindwatchSystem",
                "EventLoopConcurrency",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The command-line options, failures and exit statuses that bindwatchctl,
        // bindwatch-dispatch and bindwatch-metrics share: the client library and ArgumentParser.
        .target(
            name: "BindwatchCommandLine",
            dependencies: [
                "BindwatchClient",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),
        // Log lines for stderr that journald reads with their priority; the daemon,
        // bindwatch-dispatch and bindwatch-metrics use it.
        .target(
            name: "JournalLogging",
            dependencies: [
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // Runs programs when the bindable set changes (bindwatch-dispatch): a client of Watch.
        .target(
            name: "BindwatchDispatch",
            dependencies: [
                "BindwatchClient",
                "BindwatchSettingsFile",
                "CBindwatchSystem",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The daemon's state for Prometheus (bindwatch-metrics): text exposition, textfile.
        .target(
            name: "BindwatchMetrics",
            dependencies: [
                "BindwatchClient",
                "CBindwatchSystem",
                "BindwatchSettingsFile",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The rtnetlink socket, its messages as model values, and the dump scheduler.
        .target(
            name: "BindwatchNetlink",
            dependencies: [
                "BindwatchModel",
                "CBindwatchNetlink",
                "CBindwatchSystem",
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        // The daemon: the live table, the netlink pump, the varlink server, the event log,
        // settings and systemd.
        .target(
            name: "BindwatchDaemon",
            dependencies: [
                "AddressClassification",
                "BindwatchModel",
                "BindwatchNetlink",
                "BindwatchVarlink",
                "BindwatchSettingsFile",
                "CBindwatchSystem",
                "EventLoopConcurrency",
                "JournalLogging",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .executableTarget(
            name: "bindwatchd",
            dependencies: [
                "BindwatchDaemon",
                "EventLoopConcurrency",
                "JournalLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ],
            linkerSettings: releaseLinking
        ),
        // The client library and ArgumentParser only: no libmnl, no libyaml, no swift-log.
        .executableTarget(
            name: "bindwatchctl",
            dependencies: [
                "BindwatchClient",
                "BindwatchCommandLine",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: releaseLinking
        ),
        // Long-running clients of Watch, each run by a unit of its own name.
        .executableTarget(
            name: "bindwatch-dispatch",
            dependencies: [
                "BindwatchCommandLine",
                "BindwatchDispatch",
                "JournalLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: releaseLinking
        ),
        .executableTarget(
            name: "bindwatch-metrics",
            dependencies: [
                "BindwatchClient",
                "BindwatchCommandLine",
                "BindwatchMetrics",
                "JournalLogging",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            linkerSettings: releaseLinking
        ),
        // Measures the table's costs; `swift run -c release bindwatch-benchmark`.
        .executableTarget(
            name: "bindwatch-benchmark",
            dependencies: [
                "BindwatchDaemon",
                "BindwatchModel",
                "BindwatchNetlink",
                "BindwatchVarlink",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
            ],
            path: "Benchmarks/bindwatch-benchmark"
        ),
        // libFuzzer target for varlink framing and request parsing; scripts/fuzz builds it with
        // -sanitize=fuzzer in .build-fuzz. A plain build makes a replayer of inputs (FILE|DIR...).
        .executableTarget(
            name: "bindwatch-fuzz-varlink",
            // Not the daemon: the fuzzer's sanitized release build then compiles none of NIOPosix,
            // ServiceLifecycle or swift-configuration.
            dependencies: [
                "AddressClassification",
                "BindwatchModel",
                "BindwatchVarlink",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ]
        ),
        .testTarget(
            name: "BindwatchDaemonTests",
            dependencies: [
                "AddressClassification",
                "BindwatchClient",
                "BindwatchDaemon",
                "BindwatchModel",
                "BindwatchNetlink",
                "BindwatchVarlink",
                "BindwatchDispatch",
                "BindwatchMetrics",
                "JournalLogging",
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
                "BindwatchClient",
                "BindwatchDaemon",
                "BindwatchModel",
                "BindwatchVarlink",
                .product(name: "NIOCore", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// swift-tools-version:6.2
import PackageDescription

/// ferry's package reads as its architecture (docs/ARCHITECTURE.md): the domain in
/// FerryCore, one client library per system it talks to, the simulated homelab in
/// FerryLab (the other side of every wire), and a thin CLI.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
]

let package = Package(
    name: "ferry",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "ferry", targets: ["ferry"]),
        .library(name: "FerryCore", targets: ["FerryCore"]),
        .library(name: "FerryJSON", targets: ["FerryJSON"]),
        .library(name: "FerryKube", targets: ["FerryKube"]),
        .library(name: "FerryProxmox", targets: ["FerryProxmox"]),
        .library(name: "FerryRemote", targets: ["FerryRemote"]),
        .library(name: "FerryGitOps", targets: ["FerryGitOps"]),
        .library(name: "FerryLab", targets: ["FerryLab"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl.git", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-nio-ssh.git", from: "0.15.1"),
        .package(url: "https://github.com/apple/swift-crypto.git", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/apple/swift-certificates.git", from: "1.21.1"),
        .package(url: "https://github.com/apple/swift-asn1.git", from: "1.7.4"),
        .package(url: "https://github.com/swift-server/async-http-client.git", from: "1.37.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird.git", from: "2.28.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(
            name: "FerryCore",
            dependencies: [
                "FerryKube", "FerryProxmox", "FerryRemote", "FerryGitOps",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict,
            // The helper pods' shell (Volumes/Scripts/*.sh), compiled in as strings.
            plugins: ["EmbedScripts"]
        ),
        .executableTarget(name: "EmbedScriptsTool", swiftSettings: strict),
        .plugin(name: "EmbedScripts", capability: .buildTool(), dependencies: ["EmbedScriptsTool"]),
        .target(
            name: "FerryKube",
            dependencies: [
                "FerryJSON", "FerryRemote",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOFoundationCompat", package: "swift-nio"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "FerryProxmox",
            dependencies: [
                "FerryJSON", "FerryRemote",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(name: "FerryRemote", swiftSettings: strict),
        .target(name: "FerryGitOps", dependencies: ["FerryJSON", "FerryRemote"], swiftSettings: strict),
        .target(
            name: "FerryLab",
            dependencies: [
                "FerryJSON",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdTLS", package: "hummingbird"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "NIOSSH", package: "swift-nio-ssh"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "X509", package: "swift-certificates"),
                .product(name: "SwiftASN1", package: "swift-asn1"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "ferry",
            dependencies: [
                "FerryCore", "FerryLab", "FerryJSON", "FerryGitOps", "FerryKube", "FerryRemote",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ],
            swiftSettings: strict,
            // `ferry version`'s commit.
            plugins: ["BuildInfo"]
        ),
        .executableTarget(name: "BuildInfoTool", swiftSettings: strict),
        .plugin(name: "BuildInfo", capability: .buildTool(), dependencies: ["BuildInfoTool"]),
        .target(
            name: "FerryJSON",
            dependencies: [.product(name: "Yams", package: "Yams")],
            swiftSettings: strict
        ),
        // Starting programs from tests (kubectl, ssh, git, the built ferry): see TestProcess.
        .target(name: "FerryTestSupport", path: "Tests/Support", swiftSettings: strict),
        .testTarget(name: "FerryJSONTests", dependencies: ["FerryJSON"], swiftSettings: strict),
        .testTarget(name: "FerryCoreTests", dependencies: ["FerryCore", "FerryJSON", "FerryLab", "FerryTestSupport"], swiftSettings: strict),
        .testTarget(name: "FerryKubeTests", dependencies: ["FerryKube", "FerryLab"], swiftSettings: strict),
        .testTarget(name: "FerryRemoteTests", dependencies: ["FerryRemote"], swiftSettings: strict),
        .testTarget(name: "FerryGitOpsTests", dependencies: ["FerryGitOps", "FerryRemote"], swiftSettings: strict),
        .testTarget(name: "FerryProxmoxTests", dependencies: ["FerryProxmox", "FerryLab", "FerryJSON"], swiftSettings: strict),
        .testTarget(
            name: "FerryLabTests",
            dependencies: [
                "FerryLab", "FerryJSON", "FerryTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
            ],
            swiftSettings: strict
        ),
        .testTarget(name: "EndToEndTests", dependencies: ["FerryCore", "FerryLab", "FerryJSON", "FerryTestSupport"], swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)

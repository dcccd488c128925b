// swift-tools-version:5.7
// The Swift benchmark row (bench/PROTOCOL.md): swift.sdk, the generated Client's
// blocking getConversation through the uniffi C ABI into the Rust core.
// Built by bench/swift/build.sh inside the Swift toolchain root. (In its own folder:
// SwiftPM names a path package after its folder, and two packages named "swift" would clash.)
import PackageDescription

let package = Package(
    name: "SwiftBench",
    dependencies: [
        .package(name: "MoveworksSDK", path: "../../../bindings/swift"),
    ],
    targets: [
        .executableTarget(
            name: "SwiftBench",
            dependencies: [.product(name: "MoveworksSDK", package: "MoveworksSDK")],
            path: "Sources/SwiftBench"
        ),
    ]
)

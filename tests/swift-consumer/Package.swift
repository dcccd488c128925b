// swift-tools-version:5.7
// A consumer app that depends on the Swift package by path, the way an app
// adds MoveworksSDK with SwiftPM. bindings/swift/test.sh builds and runs it
// against the simulator.
import PackageDescription

let package = Package(
    name: "Consumer",
    dependencies: [
        .package(name: "MoveworksSDK", path: "../../bindings/swift"),
    ],
    targets: [
        .executableTarget(
            name: "Consumer",
            dependencies: [.product(name: "MoveworksSDK", package: "MoveworksSDK")],
            path: "Sources/Consumer"
        ),
    ]
)

// The workspace's simulator, one process shared by every test class of a run.
// It is found via MOVEWORKS_SIMULATOR or ../../target/debug (build it first:
// `cargo build -p moveworks-uniffi -p moveworks-simulator`).
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking // URLSession lives here on Linux
#endif

final class Simulator {
    /// Started on first use, stopped when the test process exits (its stdin closes).
    static let shared: Simulator = try! Simulator()

    let process = Process()
    let stdin = Pipe()
    let info: JSON

    static var repoRoot: URL {
        URL(fileURLWithPath: #filePath).appendingPathComponent("../../../../..").standardized
    }

    init(arguments: [String] = []) throws {
        let binary = ProcessInfo.processInfo.environment["MOVEWORKS_SIMULATOR"]
            ?? Simulator.repoRoot.appendingPathComponent("target/debug/moveworks-simulator").path
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0a]) { break }
            line.append(byte)
        }
        info = try JSON.parse(String(decoding: line, as: UTF8.self))
    }

    func string(_ key: String) -> String { info[key]!.string! }

    /// Calls a `/_sim/` route; fails on a non-2xx answer; returns the parsed body.
    @discardableResult
    func control(_ method: String, _ route: String, _ body: JSON = .object([:])) throws -> JSON {
        var request = URLRequest(url: URL(string: "\(string("origin"))/_sim/\(route)")!)
        request.httpMethod = method
        if method != "GET" {
            request.httpBody = Data(body.description.utf8)
            request.setValue("application/json", forHTTPHeaderField: "content-type")
        }
        var result: (Data?, URLResponse?, Error?)
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, response, error in
            result = (data, response, error)
            done.signal()
        }.resume()
        done.wait()
        if let error = result.2 { throw error }
        let status = (result.1 as? HTTPURLResponse)?.statusCode ?? 0
        let text = String(decoding: result.0 ?? Data(), as: UTF8.self)
        guard status / 100 == 2 else { throw JSON.ParseError(description: "sim \(method) \(route) -> \(status) \(text)") }
        return text.isEmpty ? .null : try JSON.parse(text)
    }

    func reset() throws { try control("POST", "reset") }
    func config(_ patch: JSON) throws { try control("POST", "config", patch) }
    func fault(_ fault: JSON) throws { try control("POST", "faults", .object(["faults": .array([fault])])) }
    func requests() throws -> [JSON] { try control("GET", "requests").array ?? [] }
    /// Injects a system-initiated message into the events feed; returns the created event (wire JSON).
    @discardableResult
    func injectEvent(_ args: JSON) throws -> JSON { try control("POST", "events", args) }
    /// The feedback the simulator accepted (`GET /_sim/feedback`), oldest first.
    func feedback() throws -> [JSON] { try control("GET", "feedback").array ?? [] }
    /// The root uuid logged for the newest request with this method and a path containing `path`.
    func rootUuid(_ method: String, _ path: String) throws -> String? {
        try requests().last { $0["method"]?.string == method && ($0["path"]?.string ?? "").contains(path) }?["root_uuid"]?.string
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

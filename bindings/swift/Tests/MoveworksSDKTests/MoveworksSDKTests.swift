// XCTest suite of the Swift package, run against the workspace's simulator.
// Needs `cargo build -p moveworks-uniffi -p moveworks-simulator` first; the
// simulator binary is found via MOVEWORKS_SIMULATOR or ../../target/debug.
// NOT run on this project's Linux CI (no Swift toolchain there): see README.md.
import Foundation
import XCTest
@testable import MoveworksSDK

final class Simulator {
    let process = Process()
    let stdin = Pipe()
    let info: [String: Any]

    init() throws {
        let here = URL(fileURLWithPath: #filePath)
        let binary = ProcessInfo.processInfo.environment["MOVEWORKS_SIMULATOR"]
            ?? here.appendingPathComponent("../../../../../target/debug/moveworks-simulator").standardized.path
        let stdout = Pipe()
        process.executableURL = URL(fileURLWithPath: binary)
        process.standardInput = stdin
        process.standardOutput = stdout
        try process.run()
        var line = Data()
        while true {
            let byte = stdout.fileHandleForReading.readData(ofLength: 1)
            if byte.isEmpty || byte == Data([0x0a]) { break }
            line.append(byte)
        }
        info = try JSONSerialization.jsonObject(with: line) as! [String: Any]
    }

    func string(_ key: String) -> String { info[key] as! String }

    @discardableResult
    func control(_ method: String, _ route: String, _ body: [String: Any] = [:]) throws -> Any? {
        var request = URLRequest(url: URL(string: "\(string("origin"))/_sim/\(route)")!)
        request.httpMethod = method
        if method != "GET" {
            request.httpBody = try JSONSerialization.data(withJSONObject: body)
            request.setValue("application/json", forHTTPHeaderField: "content-type")
        }
        var result: Data?
        let done = DispatchSemaphore(value: 0)
        URLSession.shared.dataTask(with: request) { data, _, _ in result = data; done.signal() }.resume()
        done.wait()
        guard let data = result, !data.isEmpty else { return nil }
        return try JSONSerialization.jsonObject(with: data)
    }

    deinit {
        try? stdin.fileHandleForWriting.close()
        process.waitUntilExit()
    }
}

final class MoveworksSDKTests: XCTestCase {
    static var sim: Simulator!
    var sim: Simulator { Self.sim }

    override class func setUp() {
        super.setUp()
        sim = try! Simulator()
    }

    override func setUpWithError() throws {
        try sim.control("POST", "reset")
    }

    func client(maxRetries: UInt32 = 2) throws -> Client {
        try Client(config: ClientConfig(
            assistantName: sim.string("assistant_name"), baseUrl: sim.string("base_url"),
            bearerToken: sim.string("token"), maxRetries: maxRetries))
    }

    func fast(_ deadline: TimeInterval = 10) -> WaitOptions {
        WaitOptions(initialInterval: 0.02, maxInterval: 0.06, deadline: deadline)
    }

    func expectError(_ block: () throws -> Void) -> MoveworksError? {
        do { try block() } catch let e as MoveworksError { return e } catch { XCTFail("unexpected \(error)") }
        XCTFail("expected a MoveworksError")
        return nil
    }

    func testConversationCrud() throws {
        let c = try client()
        let conv = try c.createConversation(title: "Swift")
        XCTAssertTrue(conv.conversationId.hasPrefix("conv_"))
        XCTAssertEqual(conv.title, "Swift")
        XCTAssertEqual(try c.getConversation(conversationId: conv.conversationId), conv)
        let archived = try c.updateConversation(conversationId: conv.conversationId,
                                                update: ConversationUpdate(title: "Renamed ☕", archived: true))
        XCTAssertEqual(archived.title, "Renamed ☕")
        XCTAssertTrue(archived.archived)
        XCTAssertGreaterThan(archived.updatedAt, conv.updatedAt)
        let page = try c.listConversations(params: ListConversationsParams(archived: true))
        XCTAssertEqual(page.conversations.map(\.conversationId), [conv.conversationId])
        XCTAssertNil(page.nextCursor)
    }

    func testPagination() throws {
        let c = try client()
        for t in ["one", "two", "three"] { _ = try c.createConversation(title: t) }
        let first = try c.listConversations(params: ListConversationsParams(limit: 2))
        XCTAssertEqual(first.conversations.map(\.title), ["three", "two"])
        XCTAssertNotNil(first.nextCursor)
        let all = Array(c.iterConversations(params: ListConversationsParams(limit: 2))).map(\.title)
        XCTAssertEqual(all, ["three", "two", "one"])
    }

    func testErrors() throws {
        let c = try client()
        let missing = expectError { _ = try c.getConversation(conversationId: "conv_missing") }
        guard case .NotFound(let d)? = missing else { return XCTFail("\(String(describing: missing))") }
        XCTAssertEqual(d.status, 404)
        XCTAssertEqual(d.code, "NOT_FOUND")
        XCTAssertNotNil(d.requestId)
        let invalid = expectError { _ = try c.getConversation(conversationId: "a/b") }
        XCTAssertEqual(invalid?.kind, "invalid_argument")
        XCTAssertEqual(invalid?.details.argument, "conversation_id")
        try sim.control("POST", "faults", ["faults": [["kind": "status", "status": 429, "count": 5, "method": "GET", "retry_after_ms": "1500"]]])
        let limited = expectError { _ = try c.withOptions(options: RequestOptions(maxRetries: 0)).listConversations(params: ListConversationsParams()) }
        XCTAssertEqual(limited?.kind, "rate_limit")
        XCTAssertEqual(limited?.details.retryAfter, 1.5)
    }

    /// Printing a config (or the client, or a refusal) never shows the token or client secret.
    /// (Compiled and run only where a Swift toolchain exists; the Kotlin suite runs the same checks on CI.)
    func testSecretsAreNeverPrinted() throws {
        let token = "sw-st4t1c-T0KEN-must-never-print"
        let secret = "sw-cl13nt-S3CRET-must-never-print"
        let configs = [
            ClientConfig(assistantName: "sandbox", baseUrl: sim.string("base_url"), bearerToken: token),
            ClientConfig(assistantName: "sandbox", baseUrl: sim.string("base_url"), clientId: "id", clientSecret: secret),
        ]
        var texts = configs.flatMap { [String(describing: $0), String(reflecting: $0), "\($0)"] }
        texts.append(String(describing: try Client(config: configs[0])))
        let refused = expectError { _ = try Client(config: ClientConfig(assistantName: "sandbox", bearerToken: token + "\r\n")) }
        XCTAssertEqual(refused?.kind, "invalid_argument")
        texts.append(String(describing: refused))
        let insecure = expectError { _ = try Client(config: ClientConfig(assistantName: "sandbox", baseUrl: "http://0.0.0.0:1/rest", bearerToken: token)) }
        XCTAssertEqual(insecure?.details.argument, "base_url")
        for text in texts {
            XCTAssertFalse(text.contains(token) || text.contains(secret), text)
        }
    }

    func testWaitWithListenerAndCancel() throws {
        let c = try client()
        try sim.control("POST", "config", ["response_duration_ms": 1500])
        let conv = try c.createConversation(title: "poll")
        var seen: [ResponseStatus] = []
        let done = try c.createResponseAndWait(conversationId: conv.conversationId, text: "Who does John Doe report to?",
                                               options: fast(), cancel: nil,
                                               listener: ClosureUpdateListener { seen.append($0.status); return true })
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(seen.last, .completed)
        XCTAssertTrue(responseAssistantText(response: done)?.contains("John Doe") ?? false)

        try sim.control("POST", "config", ["response_duration_ms": 30000])
        let cancel = CancelHandle()
        let cancelled = expectError {
            _ = try c.createResponseAndWait(conversationId: conv.conversationId, text: "slow", options: fast(20), cancel: cancel,
                                            listener: ClosureUpdateListener { _ in cancel.cancel(); return true })
        }
        XCTAssertEqual(cancelled?.kind, "cancelled")
        let failed = expectError {
            try self.sim.control("POST", "config", ["response_duration_ms": 120])
            _ = try c.createResponseAndWait(conversationId: conv.conversationId, text: "[fail] x", options: self.fast(), cancel: nil, listener: nil)
        }
        XCTAssertEqual(failed?.details.response?.status, .failed)
    }

    func testUnknownValues() throws {
        let c = try client()
        try sim.control("POST", "config", ["response_duration_ms": 3000])
        let conv = try c.createConversation(title: "new")
        var statuses: [ResponseStatus] = []
        let done = try c.createResponseAndWait(conversationId: conv.conversationId, text: "[unknown] what is new?",
                                               options: fast(), cancel: nil,
                                               listener: ClosureUpdateListener { statuses.append($0.status); return true })
        XCTAssertTrue(statuses.contains(.unknown(raw: "THINKING")))
        XCTAssertTrue(done.outputs.contains { if case .unknown(let t, _) = $0 { return t == "TOOL_CALL" }; return false })
        let events = Array(c.iterEvents(params: ListEventsParams()))
        XCTAssertTrue(events.contains { if case .unknown(let t, _) = $0.payload { return t == "NOTIFICATION_EVENT" }; return false })
    }

    func testAsync() async throws {
        let c = try client()
        try sim.control("POST", "config", ["response_duration_ms": 300])
        let conv = try await c.createConversationAsync(title: "async")
        let got = try await c.getConversationAsync(conversationId: conv.conversationId)
        XCTAssertEqual(got, conv)
        let done = try await c.createResponseAndWaitAsync(conversationId: conv.conversationId, text: "hi",
                                                          options: fast(), cancel: nil, listener: nil)
        XCTAssertEqual(done.status, .completed)
        do {
            _ = try await c.getConversationAsync(conversationId: "conv_nope")
            XCTFail("expected not found")
        } catch let e as MoveworksError {
            XCTAssertEqual(e.kind, "not_found")
        }
    }
}

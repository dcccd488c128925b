// XCTest suite of the Swift package, run against the workspace's simulator
// (Simulator.swift). On Linux, bindings/swift/test.sh runs it inside a Debian
// trixie root with Swift 6; on macOS `swift test` runs it directly.
import Foundation
import XCTest
@testable import MoveworksSDK

final class MoveworksSDKTests: XCTestCase {
    var sim: Simulator { Simulator.shared }

    override func setUpWithError() throws {
        try sim.reset()
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
        // Generated structs compare every field, requestId included: clear it to compare two fetches.
        let fetched = try c.getConversation(conversationId: conv.conversationId)
        XCTAssertEqual(fetched.clearingRequestId(), conv.clearingRequestId())
        XCTAssertEqual(fetched.requestId, try sim.rootUuid("GET", "/conversations/"))
        XCTAssertNotEqual(fetched.requestId, conv.requestId)
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
        try sim.fault(.object(["kind": .string("status"), "status": .number(429), "count": .number(5), "method": .string("GET"),
                               "retry_after_ms": .string("1500")]))
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
        try sim.config(.object(["response_duration_ms": .number(1500)]))
        let conv = try c.createConversation(title: "poll")
        var seen: [ResponseStatus] = []
        let done = try c.createResponseAndWait(conversationId: conv.conversationId, text: "Who does John Doe report to?",
                                               options: fast(), cancel: nil,
                                               listener: ClosureUpdateListener { seen.append($0.status); return true })
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(seen.last, .completed)
        XCTAssertTrue(done.assistantText()?.contains("John Doe") ?? false)

        try sim.config(.object(["response_duration_ms": .number(30000)]))
        let cancel = CancelHandle()
        let cancelled = expectError {
            _ = try c.createResponseAndWait(conversationId: conv.conversationId, text: "slow", options: fast(20), cancel: cancel,
                                            listener: ClosureUpdateListener { _ in cancel.cancel(); return true })
        }
        XCTAssertEqual(cancelled?.kind, "cancelled")
        let failed = expectError {
            try self.sim.config(.object(["response_duration_ms": .number(120)]))
            _ = try c.createResponseAndWait(conversationId: conv.conversationId, text: "[fail] x", options: self.fast(), cancel: nil, listener: nil)
        }
        XCTAssertEqual(failed?.details.response?.status, .failed)
    }

    func testUnknownValues() throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(3000)]))
        let conv = try c.createConversation(title: "new")
        var statuses: [ResponseStatus] = []
        let done = try c.createResponseAndWait(conversationId: conv.conversationId, text: "[unknown] what is new?",
                                               options: fast(), cancel: nil,
                                               listener: ClosureUpdateListener { statuses.append($0.status); return true })
        XCTAssertTrue(statuses.contains(.unknown(raw: "THINKING")))
        XCTAssertTrue(done.outputs.contains { if case .unknown(let t, _) = $0 { return t == "TOOL_CALL" }; return false })
        // The events feed holds system-initiated messages only: inject one of a type this SDK does not know.
        try sim.injectEvent(.object(["conversation_id": .string(conv.conversationId), "text": .string("Maintenance tonight."),
                                     "event_type": .string("NOTIFICATION_EVENT")]))
        let events = Array(c.iterEvents(params: ListEventsParams()))
        XCTAssertEqual(events.count, 1)
        guard case .unknown(let typeName, _)? = events.first?.payload else { return XCTFail("\(events)") }
        XCTAssertEqual(typeName, "NOTIFICATION_EVENT")
        XCTAssertTrue(events[0].toJson().contains("Maintenance tonight."))
    }

    func testAsync() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(300)]))
        let conv = try await c.createConversationAsync(title: "async")
        let got = try await c.getConversationAsync(conversationId: conv.conversationId)
        XCTAssertEqual(got.clearingRequestId(), conv.clearingRequestId())
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

    /// A cancel from another task ends an async wait promptly, long before the response would complete.
    func testAsyncWaitIsCancelledFromAnotherTask() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(30000)]))
        let conv = try await c.createConversationAsync(title: "cancel")
        let cancel = CancelHandle()
        let started = Date()
        Task {
            try await Task.sleep(nanoseconds: 200_000_000)
            cancel.cancel()
        }
        do {
            _ = try await c.createResponseAndWaitAsync(conversationId: conv.conversationId, text: "slow",
                                                       options: fast(20), cancel: cancel, listener: nil)
            XCTFail("expected the wait to be cancelled")
        } catch let e as MoveworksError {
            XCTAssertEqual(e.kind, "cancelled")
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }
}

// Test helpers: uniffi's structs compare every field, `requestId` included, so two
// fetches of the same object are compared with it cleared (see the README).
extension Conversation {
    func clearingRequestId() -> Conversation {
        Conversation(conversationId: conversationId, title: title, archived: archived, createdAt: createdAt, updatedAt: updatedAt)
    }
}

extension Response {
    func clearingRequestId() -> Response {
        Response(responseId: responseId, conversationId: conversationId, status: status, createdAt: createdAt,
                 completedAt: completedAt, updatedAt: updatedAt, outputs: outputs, error: error)
    }
}

extension MessagePage {
    func clearingRequestId() -> MessagePage { MessagePage(messages: messages, nextCursor: nextCursor) }
}

// rest/v1 beyond the conformance scenarios, through the Swift shapes: token-provider
// closures (cached, throwing), explicit inputs, webhook deliveries from Data with the
// verifier hook, and the events follower with an app's store and as an AsyncSequence.
import Foundation
import XCTest
import MoveworksSDK

final class RestV1Tests: XCTestCase {
    var sim: Simulator { Simulator.shared }

    override func setUpWithError() throws { try sim.reset() }

    func client() throws -> Client {
        try Client(config: ClientConfig(assistantName: sim.string("assistant_name"), baseUrl: sim.string("origin"),
                                        bearerToken: sim.string("token"), apiVersion: "v1"))
    }

    func mint(_ user: String) throws -> String {
        try XCTUnwrap(sim.control("POST", "script", .object(["action": .string("user_token"),
                                                            "args": .object(["user_id": .string(user)])]))["token"]?.string)
    }

    func expectError(_ block: () throws -> Void) -> MoveworksError? {
        do { try block() } catch let e as MoveworksError { return e } catch { XCTFail("unexpected \(error)") }
        XCTFail("expected a MoveworksError")
        return nil
    }

    func testAClosureProviderIsAskedOnceAndUsersAreIsolated() throws {
        let c = try client()
        let token = try mint("u_alice")
        let asked = Counter()
        let alice = c.forUser { asked.increment(); return UserToken(token: token, expiresIn: 1800) }
        let conv = try alice.createConversation(title: "mine")
        XCTAssertEqual(try alice.getConversation(conversationId: conv.conversationId).title, "mine")
        XCTAssertEqual(asked.value, 1)
        let bob = try c.forUserToken(token: try mint("u_bob"))
        XCTAssertEqual(expectError { _ = try bob.getConversation(conversationId: conv.conversationId) }?.kind, "not_found")
        XCTAssertFalse("\(UserToken(token: token))".contains(token), "a UserToken prints its token")
    }

    func testAThrowingProviderFailsTheCallAsOAuthAndSendsNothing() throws {
        struct IdpDown: Error {}
        let c = try client()
        let before = try sim.requests().count
        let e = expectError { _ = try c.forUser { throw IdpDown() }.createConversation(title: nil) }
        XCTAssertEqual(e?.kind, "oauth")
        XCTAssertTrue(e?.details.message.contains("IdpDown") ?? false, e?.details.message ?? "")
        XCTAssertEqual(try sim.requests().count, before)
        XCTAssertEqual(expectError { _ = try c.forUserToken(token: "") }?.details.argument, "token")
    }

    func testExplicitInputsAndARawInputMustBeAnObject() async throws {
        let c = try client()
        let conv = try c.createConversation(title: nil).conversationId
        let r = try c.createResponseAndWait(conversationId: conv, input: .text(text: "hi as text"))
        XCTAssertEqual(r.status, .completed)
        XCTAssertEqual(expectError { _ = try c.createResponse(conversationId: conv, input: .raw(json: "[1]")) }?.details.argument,
                       "input")
        var last: StreamEvent?
        for try await event in c.streamResponse(conversationId: conv, input: .chat(text: "hi by stream")) { last = event }
        guard case .responseCompleted? = last else { return XCTFail("the stream ended with \(String(describing: last))") }
    }

    func testAWebhookDeliveryFromDataAndTheVerifierHook() throws {
        let body = Data(#"{"id":"evt_1","type":"CONVERSATION_RESPONSE_RECEIVED","data":{"conversation_id":"c_1","user_id":"u_1"}}"#.utf8)
        let d = try WebhookDelivery.parse(body)
        XCTAssertEqual([d.id(), d.conversationId(), d.userId(), d.eventType()], ["evt_1", "c_1", "u_1", "CONVERSATION_RESPONSE_RECEIVED"])
        XCTAssertEqual(expectError { _ = try WebhookDelivery.parse(#"{"id":"e","data":{"conversation_id":"c"}}"#) }?.details.argument,
                       "data.user_id")
        final class Refuses: WebhookVerifier, @unchecked Sendable {
            struct BadSignature: Error {}
            func verify(headers: [String: String], body: Data) throws {
                if headers["x-sig"] != "good" { throw BadSignature() }
            }
        }
        XCTAssertEqual(expectError { _ = try WebhookDelivery.parseVerified(headers: ["x-sig": "bad"], body: body, verifier: Refuses()) }?
            .details.argument, "signature")
        XCTAssertEqual(try WebhookDelivery.parseVerified(headers: ["x-sig": "good"], body: body, verifier: Refuses()).id(), "evt_1")
    }

    func testAFollowerWithAnAppStoreAsAnAsyncSequence() async throws {
        let c = try client()
        let conv = try c.createConversation(title: nil).conversationId
        try sim.injectEvent(.object(["conversation_id": .string(conv), "text": .string("one")]))
        let store = Store()
        let follower = try c.followEventsWithStore(store: store, options: FollowOptions(interval: 0.05, replay: true))
        var first: Event?
        for try await event in follower.events() {
            first = event
            break
        }
        try follower.commit()
        XCTAssertEqual(store.saved, first?.eventId)
        XCTAssertEqual(follower.checkpoint(), first?.eventId)
        follower.cancel()
        // A store that throws fails the follower's call as invalid_argument `checkpoint`.
        let broken = try c.followEventsWithStore(store: Store(failing: true), options: FollowOptions())
        XCTAssertEqual(expectError { try broken.pollOnce { _ in true } }?.details.argument, "checkpoint")
    }
}

/// A checkpoint store of the app's, in memory.
private final class Store: CheckpointStore, @unchecked Sendable {
    struct DiskGone: Error {}
    private let lock = NSLock()
    private var value: String?
    private let failing: Bool

    init(failing: Bool = false) { self.failing = failing }

    var saved: String? { lock.withLock { value } }

    func load() throws -> String? {
        if failing { throw DiskGone() }
        return saved
    }

    func save(checkpoint: String) throws { lock.withLock { value = checkpoint } }
}

private final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var n = 0
    var value: Int { lock.withLock { n } }
    func increment() { lock.withLock { n += 1 } }
}

// Messages, feedback and request ids against the simulator: list newest first with
// paging, one response's messages, rating a listed message, the server refusing a
// foreign callback id, too-long feedback refused before sending, the events feed
// holding only system-initiated messages, and the README example run verbatim.
import Foundation
import XCTest
import MoveworksSDK

final class MessagesTests: XCTestCase {
    var sim: Simulator { Simulator.shared }

    override func setUpWithError() throws {
        try sim.reset()
        try sim.config(.object(["response_duration_ms": .number(120)]))
    }

    func client() throws -> Client {
        try Client(config: ClientConfig(
            assistantName: sim.string("assistant_name"), baseUrl: sim.string("base_url"), bearerToken: sim.string("token")))
    }

    func ask(_ c: Client, _ conversationId: String, _ text: String) throws -> Response {
        try c.createResponseAndWait(conversationId: conversationId, text: text,
                                    options: WaitOptions(initialInterval: 0.02, maxInterval: 0.06, deadline: 10),
                                    cancel: nil, listener: nil)
    }

    func expectError(_ block: () throws -> Void) -> MoveworksError? {
        do { try block() } catch let e as MoveworksError { return e } catch { XCTFail("unexpected \(error)") }
        XCTFail("expected a MoveworksError")
        return nil
    }

    func feedbackPosts() throws -> Int {
        try sim.requests().filter { $0["method"]?.string == "POST" && ($0["path"]?.string ?? "").contains("/feedback") }.count
    }

    func testMessagesNewestFirstWithPagingAndRequestIds() async throws {
        let c = try client()
        let conv = try c.createConversation(title: "messages")
        let r1 = try ask(c, conv.conversationId, "first question")
        let r2 = try ask(c, conv.conversationId, "second question")
        let all = try c.listMessages(params: ListMessagesParams(conversationId: conv.conversationId))
        XCTAssertEqual(all.requestId, try sim.rootUuid("GET", "/messages"))
        XCTAssertEqual(all.messages.map(\.actor), [.assistant, .user, .assistant, .user])
        XCTAssertEqual(all.messages.map(\.responseId), [r2.responseId, r2.responseId, r1.responseId, r1.responseId])
        XCTAssertEqual(all.messages[3].text, "first question")
        XCTAssertEqual(all.messages[0].messageId, r2.assistantMessages().first?.messageId)
        // Only the assistant's messages can be rated; one callback id per rating.
        let feedback = try XCTUnwrap(all.messages[0].feedback)
        let helpful = try XCTUnwrap(feedback.helpful?.callbackId)
        XCTAssertFalse(helpful.isEmpty)
        XCTAssertNotEqual(feedback.unhelpful?.callbackId, helpful)
        XCTAssertNil(all.messages[1].feedback)
        XCTAssertNil(all.nextCursor)
        XCTAssertTrue(all.toJson().contains("\"callback_id\""))

        let p1 = try c.listMessages(params: ListMessagesParams(conversationId: conv.conversationId, limit: 3))
        XCTAssertEqual(p1.messages.map(\.messageId), all.messages.prefix(3).map(\.messageId))
        let p2 = try c.listMessages(params: ListMessagesParams(conversationId: conv.conversationId, cursor: p1.nextCursor, limit: 3))
        XCTAssertEqual(p2.messages.map(\.messageId), [all.messages[3].messageId])
        XCTAssertNil(p2.nextCursor)

        let it = c.iterMessages(params: ListMessagesParams(conversationId: conv.conversationId, limit: 1))
        let first = try XCTUnwrap(try it.nextPage())
        XCTAssertEqual(first.requestId, try sim.rootUuid("GET", "/messages"))
        XCTAssertEqual(first.messages.map(\.messageId), [all.messages[0].messageId])
        XCTAssertEqual(Array(it).map(\.messageId), all.messages.dropFirst().map(\.messageId))
        XCTAssertTrue(it.isExhausted())
        // Messages carry no request id: two fetches compare equal as they are.
        XCTAssertEqual(Array(c.iterMessages(params: ListMessagesParams(conversationId: conv.conversationId, limit: 2))), all.messages)

        let viaAsync = try await c.listMessagesAsync(params: ListMessagesParams(conversationId: conv.conversationId, limit: 2))
        XCTAssertEqual(viaAsync.messages, Array(all.messages.prefix(2)))
        XCTAssertEqual(viaAsync.requestId, try sim.rootUuid("GET", "/messages"))

        let bad = expectError { _ = try c.listMessages(params: ListMessagesParams(conversationId: conv.conversationId, limit: 101)) }
        XCTAssertEqual(bad?.details.argument, "limit")
        let missing = expectError { _ = try c.iterMessages(params: ListMessagesParams(conversationId: "conv_nope")).next() }
        guard case .NotFound? = missing else { return XCTFail("\(String(describing: missing))") }
    }

    func testResponseMessages() async throws {
        let c = try client()
        let conv = try c.createConversation(title: "response messages")
        let r1 = try ask(c, conv.conversationId, "first question")
        _ = try ask(c, conv.conversationId, "second question")
        let params = ListResponseMessagesParams(conversationId: conv.conversationId, responseId: r1.responseId)
        let page = try c.listResponseMessages(params: params)
        XCTAssertEqual(page.requestId, try sim.rootUuid("GET", "/messages"))
        XCTAssertEqual(page.messages.map(\.actor), [.assistant, .user])
        XCTAssertTrue(page.messages.allSatisfy { $0.responseId == r1.responseId })
        XCTAssertEqual(page.messages[0], r1.assistantMessages().first)
        XCTAssertEqual(page.messages[1].text, "first question")
        XCTAssertEqual(Array(c.iterResponseMessages(params: params)), page.messages)
        let viaAsync = try await c.listResponseMessagesAsync(params: params)
        XCTAssertEqual(viaAsync.clearingRequestId(), page.clearingRequestId())
        let missing = expectError {
            _ = try c.listResponseMessages(params: ListResponseMessagesParams(conversationId: conv.conversationId, responseId: "resp_nope"))
        }
        XCTAssertEqual(missing?.kind, "not_found")
    }

    func testSubmitFeedbackWithAListedCallbackId() async throws {
        let c = try client()
        let conv = try c.createConversation(title: "feedback")
        _ = try ask(c, conv.conversationId, "How do I reset my password?")
        let answer = try XCTUnwrap(try c.listMessages(params: ListMessagesParams(conversationId: conv.conversationId))
            .messages.first { $0.actor == .assistant })
        let helpful = try XCTUnwrap(answer.feedback?.helpful?.callbackId)
        let unhelpful = try XCTUnwrap(answer.feedback?.unhelpful?.callbackId)
        let result = try c.submitFeedback(conversationId: conv.conversationId, responseId: answer.responseId,
                                          messageId: answer.messageId, callbackId: helpful, additionalFeedback: "Clear — merci ✓")
        XCTAssertEqual(result.status, .submitted)
        XCTAssertEqual(result.status.wireName, "SUBMITTED")
        XCTAssertEqual(result.requestId, try sim.rootUuid("POST", "/feedback"))
        XCTAssertEqual(result.toJson(), "{\"status\":\"SUBMITTED\"}")
        // additionalFeedback defaults to absent; the async form rates it unhelpful.
        _ = try c.submitFeedback(conversationId: conv.conversationId, responseId: answer.responseId,
                                 messageId: answer.messageId, callbackId: helpful)
        let again = try await c.submitFeedbackAsync(conversationId: conv.conversationId, responseId: answer.responseId,
                                                    messageId: answer.messageId, callbackId: unhelpful)
        XCTAssertEqual(again.status, .submitted)
        let accepted = try sim.feedback()
        XCTAssertEqual(accepted.map { $0["rating"]?.string }, ["helpful", "helpful", "unhelpful"])
        XCTAssertEqual(accepted.map { $0["callback_id"]?.string }, [helpful, helpful, unhelpful])
        XCTAssertEqual(accepted.map { $0["additional_feedback"]?.string }, ["Clear — merci ✓", nil, nil])
        XCTAssertTrue(accepted.allSatisfy { $0["message_id"]?.string == answer.messageId })
    }

    func testForeignCallbackIdIsABadRequest() throws {
        let c = try client()
        let conv = try c.createConversation(title: "foreign")
        let a = try XCTUnwrap(try ask(c, conv.conversationId, "first").assistantMessages().first)
        let b = try XCTUnwrap(try ask(c, conv.conversationId, "second").assistantMessages().first)
        let error = expectError {
            _ = try c.submitFeedback(conversationId: conv.conversationId, responseId: a.responseId, messageId: a.messageId,
                                     callbackId: b.feedback?.helpful?.callbackId ?? "")
        }
        guard case .BadRequest(let d)? = error else { return XCTFail("\(String(describing: error))") }
        XCTAssertTrue(error!.isApiStatusError)
        XCTAssertEqual(d.status, 400)
        XCTAssertEqual(d.code, "INVALID_REQUEST")
        XCTAssertEqual(d.requestId, try sim.rootUuid("POST", "/feedback"))
        XCTAssertEqual(try feedbackPosts(), 1, "never retried")
        XCTAssertEqual(try sim.feedback().count, 0)
    }

    func testTooLongFeedbackOrEmptyCallbackIdSendsNothing() async throws {
        let c = try client()
        let tooLong = String(repeating: "é", count: 1001)
        let e = expectError {
            _ = try c.submitFeedback(conversationId: "conv_x", responseId: "resp_x", messageId: "msg_x", callbackId: "cb",
                                     additionalFeedback: tooLong)
        }
        guard case .InvalidArgument(let d)? = e else { return XCTFail("\(String(describing: e))") }
        XCTAssertEqual(d.argument, "additional_feedback")
        let empty = expectError {
            _ = try c.submitFeedback(conversationId: "conv_x", responseId: "resp_x", messageId: "msg_x", callbackId: "")
        }
        XCTAssertEqual(empty?.details.argument, "callback_id")
        do {
            _ = try await c.submitFeedbackAsync(conversationId: "conv_x", responseId: "resp_x", messageId: "msg_x",
                                                callbackId: "cb", additionalFeedback: tooLong)
            XCTFail("expected invalid_argument")
        } catch let e as MoveworksError {
            XCTAssertEqual(e.details.argument, "additional_feedback")
        }
        XCTAssertEqual(try sim.requests().count, 0)
        // 1,000 characters (2,000 bytes) is allowed: the request goes out (unknown ids: 404).
        let atLimit = expectError {
            _ = try c.submitFeedback(conversationId: "conv_x", responseId: "resp_x", messageId: "msg_x", callbackId: "cb",
                                     additionalFeedback: String(repeating: "é", count: 1000))
        }
        XCTAssertEqual(atLimit?.kind, "not_found")
    }

    func testEventsAreSystemInitiatedMessages() throws {
        let c = try client()
        let conv = try c.createConversation(title: "events")
        _ = try ask(c, conv.conversationId, "an ordinary question")
        XCTAssertEqual(Array(c.iterEvents(params: ListEventsParams())).count, 0, "answers are not events")
        let injected = try sim.injectEvent(.object(["conversation_id": .string(conv.conversationId),
                                                    "text": .string("Your laptop shipped."), "kind": .string("async_response")]))
        let page = try c.listEvents(params: ListEventsParams(conversationId: conv.conversationId))
        XCTAssertEqual(page.events.map(\.eventId), [injected["event_id"]?.string])
        XCTAssertEqual(page.requestId, try sim.rootUuid("GET", "/events"))
        guard case .message(let message)? = page.events.first?.payload else { return XCTFail("\(page.events)") }
        XCTAssertEqual(message.text, "Your laptop shipped.")
        // An asynchronous answer is a response of its own: listable and rateable.
        let listed = try c.listResponseMessages(params: ListResponseMessagesParams(conversationId: conv.conversationId,
                                                                                   responseId: message.responseId))
        XCTAssertEqual(listed.messages.first?.messageId, message.messageId)
        let callback = try XCTUnwrap(listed.messages.first?.feedback?.helpful?.callbackId)
        let result = try c.submitFeedback(conversationId: conv.conversationId, responseId: message.responseId,
                                          messageId: message.messageId, callbackId: callback)
        XCTAssertEqual(result.status, .submitted)
    }

    // README messages example begin
    func readmeMessagesExample(client: Client, conversationId: String) throws {
        // Newest first; the iterator fetches pages lazily (blocking, like every call without Async).
        let messages = client.iterMessages(params: ListMessagesParams(conversationId: conversationId, limit: 20))
        guard let answer = messages.first(where: { $0.actor == .assistant }) else { return }
        print(answer.text)
        // Rate it: the chosen option's callback id, passed back exactly as received.
        guard let helpful = answer.feedback?.helpful else { return }
        let result = try client.submitFeedback(conversationId: conversationId, responseId: answer.responseId,
                                               messageId: answer.messageId, callbackId: helpful.callbackId,
                                               additionalFeedback: "Exactly what I needed")
        print("\(result.status.wireName) (request \(result.requestId ?? "?"))")
        // One response's messages: the user's input and the assistant's answer.
        let turn = try client.listResponseMessages(params: ListResponseMessagesParams(
            conversationId: conversationId, responseId: answer.responseId))
        print(turn.messages.map { "\($0.actor): \($0.text)" })
    }
    // README messages example end

    /// The README's example is this file's function, verbatim, and it runs.
    func testReadmeMessagesExample() throws {
        let c = try client()
        let conv = try c.createConversation(title: "readme")
        _ = try ask(c, conv.conversationId, "Who does John Doe report to?")
        try readmeMessagesExample(client: c, conversationId: conv.conversationId)
        let accepted = try sim.feedback()
        XCTAssertEqual(accepted.map { $0["rating"]?.string }, ["helpful"])
        XCTAssertEqual(accepted.first?["additional_feedback"]?.string, "Exactly what I needed")
        func lines(_ text: String) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let begin = try XCTUnwrap(source.range(of: "// README messages example begin\n"))
        let end = try XCTUnwrap(source.range(of: "    // README messages example end"))
        let example = lines(String(source[begin.upperBound..<end.lowerBound]))
        let readme = try String(contentsOfFile: Simulator.repoRoot.appendingPathComponent("bindings/swift/README.md").path,
                                encoding: .utf8)
        XCTAssertTrue(lines(readme).joined(separator: "\n").contains(example.joined(separator: "\n")),
                      "bindings/swift/README.md must show readmeMessagesExample verbatim")
    }
}

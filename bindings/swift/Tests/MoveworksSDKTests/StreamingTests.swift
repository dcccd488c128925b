// Streamed answers in Swift against the simulator: `for try await` over
// client.streamResponse(...), Task cancellation, the blocking ResponseStream object,
// errors before the stream, and that abandoned streams release their connections.
import Foundation
import XCTest
@testable import MoveworksSDK

final class StreamingTests: XCTestCase {
    var sim: Simulator { Simulator.shared }

    override func setUpWithError() throws {
        try sim.reset()
    }

    func client() throws -> Client {
        try Client(config: ClientConfig(
            assistantName: sim.string("assistant_name"), baseUrl: sim.string("base_url"),
            bearerToken: sim.string("token")))
    }

    func fast(idle: TimeInterval = 30) -> StreamOptions {
        StreamOptions(idleTimeout: idle, initialInterval: 0.02, maxInterval: 0.06, deadline: 10)
    }

    func posts() throws -> Int {
        try sim.requests().filter { $0["method"]?.string == "POST" && ($0["path"]?.string ?? "").contains("/responses") }.count
    }

    func collect(_ c: Client, _ conversationId: String, _ text: String) async throws -> [StreamEvent] {
        var events: [StreamEvent] = []
        for try await event in c.streamResponse(conversationId: conversationId, text: text, options: fast()) {
            events.append(event)
        }
        return events
    }

    func stall() throws {
        try sim.fault(.object(["kind": .string("stream_stall"), "after_events": .number(1), "ms": .number(20000)]))
    }

    func testEventsInOrderEndWithThePolledResponse() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "stream")
        let events = try await collect(c, conv.conversationId, "Who does John Doe report to?")
        guard case .responseCreated(_, let id, _, _, _)? = events.first else { return XCTFail("first \(events)") }
        XCTAssertTrue(events.contains { if case .responseOutputDelta = $0 { return true }; return false })
        XCTAssertTrue(events.map(\.eventName).contains("RESPONSE_OUTPUT_DELTA"))
        guard case .responseCompleted(_, _, .completed, let response?)? = events.last else { return XCTFail("last \(events)") }
        XCTAssertEqual(response.responseId, id)
        // Generated structs compare every field: clear the request ids (each fetch has its own).
        XCTAssertEqual(try c.getResponse(conversationId: conv.conversationId, responseId: id).clearingRequestId(),
                       response.clearingRequestId())
        XCTAssertEqual(response.requestId, try sim.rootUuid("POST", "/responses/stream"), "the stream's request id")
        XCTAssertEqual(try posts(), 1)
        XCTAssertTrue(events.last!.toJson().hasPrefix("{\"event\":\"RESPONSE_COMPLETED\""))
    }

    func testDropMidStreamIsFinishedByPollingWithOnePost() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(300)]))
        let conv = try c.createConversation(title: "drop")
        try sim.fault(.object(["kind": .string("stream_drop"), "after_events": .number(2)]))
        let events = try await collect(c, conv.conversationId, "Who does John Doe report to?")
        guard case .responseCompleted(_, _, _, let response?)? = events.last else { return XCTFail("last \(events)") }
        XCTAssertEqual(try c.getResponse(conversationId: conv.conversationId, responseId: response.responseId).clearingRequestId(),
                       response.clearingRequestId())
        XCTAssertEqual(try posts(), 1)
    }

    func testPublishedNamesWithIncreasingSequenceNumbers() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "published")
        let events = try await collect(c, conv.conversationId, "Who does John Doe report to?")
        XCTAssertEqual(StreamEvent.knownNames, ["RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "RESPONSE_OUTPUT_DELTA",
                                                "RESPONSE_COMPLETED", "RESPONSE_FAILED", "ERROR"])
        let names = events.map(\.eventName)
        XCTAssertTrue(names.allSatisfy(StreamEvent.knownNames.contains), "\(names)")
        XCTAssertEqual(names.first, "RESPONSE_CREATED")
        XCTAssertEqual(names.last, "RESPONSE_COMPLETED")
        XCTAssertTrue(names.contains("RESPONSE_OUTPUT_DELTA"), "\(names)")
        // Every event of an unbroken stream is numbered, strictly increasing.
        let numbers = events.map(\.sequenceNumber)
        XCTAssertFalse(numbers.contains(nil), "\(numbers)")
        let known = numbers.compactMap { $0 }
        XCTAssertEqual(known, known.sorted())
        XCTAssertEqual(Set(known).count, known.count, "repeated numbers: \(known)")
        guard case .responseCreated(let seq, let id, _, _, let created)? = events.first else { return XCTFail("first \(events)") }
        XCTAssertEqual(seq, events.first?.sequenceNumber)
        XCTAssertTrue(events.first!.toJson().contains("\"sequence_number\":\(seq ?? 0)"), events.first!.toJson())
        if let created { XCTAssertEqual(created.responseId, id) }
        guard case .responseCompleted(_, _, _, let response?)? = events.last else { return XCTFail("last \(events)") }
        XCTAssertEqual(events.last?.response, response)
        XCTAssertNil(events.first { if case .responseOutputDelta = $0 { return true }; return false }?.response)
        XCTAssertTrue((response.assistantText() ?? "").contains("John Doe"))
        XCTAssertEqual(try posts(), 1)
    }

    func testResponseFailedEventThenTheResponseFailedError() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "failed")
        try sim.fault(.object(["kind": .string("response_failed")]))
        var events: [StreamEvent] = []
        do {
            for try await event in c.streamResponse(conversationId: conv.conversationId, text: "hi", options: fast()) {
                events.append(event)
            }
            XCTFail("expected a response_failed error after \(events.map(\.eventName))")
        } catch let e as MoveworksError {
            guard case .ResponseFailed(let d) = e else { return XCTFail("\(e)") }
            XCTAssertEqual(e.kind, "response_failed")
            guard case .responseFailed(_, let id, let failed)? = events.last else {
                return XCTFail("last \(events.map(\.eventName))")
            }
            XCTAssertEqual(events.last?.eventName, "RESPONSE_FAILED")
            XCTAssertEqual(d.responseId, id ?? failed?.responseId)
            XCTAssertEqual(failed?.status, .failed)
        }
        XCTAssertEqual(try posts(), 1)
    }

    func testErrorEventMidStreamThenCompletedByPolling() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(300)]))
        let conv = try c.createConversation(title: "error")
        try sim.fault(.object(["kind": .string("stream_error"), "after_events": .number(2),
                               "code": .string("INTERNAL_ERROR"), "message": .string("upstream model unavailable")]))
        let events = try await collect(c, conv.conversationId, "Who does John Doe report to?")
        let errors = events.compactMap { e -> (String, String)? in
            if case .error(_, let code, let message) = e { return (code, message) }
            return nil
        }
        XCTAssertEqual(errors.map(\.0), ["INTERNAL_ERROR"], "\(events.map(\.eventName))")
        XCTAssertEqual(errors.first?.1, "upstream model unavailable")
        XCTAssertTrue(events.map(\.eventName).contains("ERROR"))
        guard case .responseCompleted(_, _, .completed, let response?)? = events.last else { return XCTFail("last \(events)") }
        XCTAssertEqual(try c.getResponse(conversationId: conv.conversationId, responseId: response.responseId).clearingRequestId(),
                       response.clearingRequestId())
        // Deltas made from polling carry no sequence number.
        let afterError = events.drop { if case .error = $0 { return false }; return true }
        for case .responseOutputDelta(let seq, _, _, _) in afterError { XCTAssertNil(seq) }
        XCTAssertEqual(try posts(), 1)
    }

    func testHandoffCompletesWithoutOutputs() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(100)]))
        let conv = try c.createConversation(title: "handoff")
        try sim.fault(.object(["kind": .string("handoff")]))
        let events = try await collect(c, conv.conversationId, "I need a human")
        XCTAssertEqual(events.map(\.eventName), ["RESPONSE_CREATED", "RESPONSE_COMPLETED"])
        guard case .responseCompleted(_, _, .completed, let response?)? = events.last else { return XCTFail("last \(events)") }
        XCTAssertTrue(response.outputs.isEmpty)
        XCTAssertNil(response.assistantText())
    }

    func testCitationMarkersFromContentReferencesSharingAnOffset() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(100)]))
        let conv = try c.createConversation(title: "citations")
        let fault = try JSON.parse(rawCitedMessageFault)
        try sim.fault(fault)
        let polled = try c.createResponseAndWait(conversationId: conv.conversationId, text: "Who does John Doe report to?",
                                                 options: WaitOptions(initialInterval: 0.02, maxInterval: 0.06, deadline: 10),
                                                 cancel: nil, listener: nil)
        try sim.fault(fault)
        let events = try await collect(c, conv.conversationId, "Who does John Doe report to?")
        guard case .responseCompleted(_, _, _, let streamed?)? = events.last else { return XCTFail("last \(events)") }
        for (how, response) in [("polled", polled), ("streamed", streamed)] {
            let msg = try XCTUnwrap(response.assistantMessages().first, how)
            XCTAssertEqual(msg.text, "John Doe 📘 reports to Jane Roe.", how)
            XCTAssertEqual(msg.textWithCitationMarkers(), "John Doe[1][2] 📘 reports to Jane Roe.[3]", how)
            XCTAssertEqual(msg.citations.map(\.citationId), ["cite_3kTq9", "cite_8Hh2p", "cite_Z1m0w"], how)
            XCTAssertTrue(msg.citations.allSatisfy { $0.offset == nil }, "\(how): no deprecated offsets")
            XCTAssertEqual(msg.contentReferences.map(\.offset), [8, 8, 8, 31], how)
            XCTAssertEqual(msg.citations.first?.display?.attributes,
                           [CitationAttribute(key: "source", value: "Workday"), CitationAttribute(key: "icon", value: "person")], how)
            XCTAssertEqual(msg.citations.last?.display?.attributes, [], how)
        }
    }

    func testUnknownEventsArriveAsUnknown() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "unknown")
        try sim.fault(.object(["kind": .string("stream_unknown_event"), "after_events": .number(2),
                               "event": .string("RESPONSE_AUDIT"), "data": .string("{\"x\":1}")]))
        let events = try await collect(c, conv.conversationId, "hi")
        let unknown = events.compactMap { e -> (String, String)? in
            if case .unknown(_, let name, let data) = e { return (name, data) }
            return nil
        }
        XCTAssertEqual(unknown.map(\.0), ["RESPONSE_AUDIT"])
        XCTAssertEqual(unknown.first?.1, "{\"x\":1}")
        guard case .responseCompleted? = events.last else { return XCTFail("last \(events)") }
    }

    /// Cancelling the iterating Task during a stalled stream ends the loop promptly with
    /// `.Cancelled` naming the response.
    func testTaskCancellationDuringAStallIsPrompt() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "stall")
        try stall()
        let started = Date()
        let task = Task { () -> [String] in
            var names: [String] = []
            for try await event in c.streamResponse(conversationId: conv.conversationId, text: "hi", options: fast()) {
                names.append(event.eventName)
            }
            return names
        }
        try await Task.sleep(nanoseconds: 300_000_000)
        task.cancel()
        do {
            let names = try await task.value
            XCTFail("expected a cancelled error, the loop ended with \(names)")
        } catch let e as MoveworksError {
            guard case .Cancelled(let d) = e else { return XCTFail("\(e)") }
            XCTAssertNotNil(d.responseId)
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertEqual(try posts(), 1)
    }

    /// The blocking object: cancel() from another thread ends a blocked next().
    func testBlockingStreamCancelFromAnotherThread() throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "stall")
        try stall()
        let stream = try c.streamResponse(conversationId: conv.conversationId, text: "hi", options: fast(), cancel: nil)
        guard case .responseCreated? = try stream.next() else { return XCTFail("first event") }
        XCTAssertNotNil(stream.requestId())
        DispatchQueue.global().asyncAfter(deadline: .now() + 0.2) { stream.cancel() }
        let started = Date()
        do {
            _ = try stream.next()
            XCTFail("expected a cancelled error")
        } catch MoveworksError.Cancelled(let d) {
            XCTAssertEqual(d.responseId, stream.responseId())
        }
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
        XCTAssertTrue(stream.isCancelled())
        XCTAssertNil(try stream.next())
    }

    func testFinishAndResponse() throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(100)]))
        let conv = try c.createConversation(title: "finish")
        let stream = try c.streamResponse(conversationId: conv.conversationId, text: "hi", options: fast(), cancel: nil)
        XCTAssertNil(stream.response())
        let done = try stream.finish()
        XCTAssertEqual(done.status, .completed)
        XCTAssertEqual(stream.response(), done)
        XCTAssertTrue(stream.isFinished())
        var names: [String] = []
        _ = try c.streamResponseAndWait(conversationId: conv.conversationId, text: "again", options: fast(), cancel: nil,
                                        listener: ClosureStreamListener { names.append($0.eventName); return true },
                                        updateListener: nil)
        XCTAssertEqual(names.first, "RESPONSE_CREATED")
        XCTAssertEqual(names.last, "RESPONSE_COMPLETED")
    }

    func testErrorsBeforeTheStreamStartAreTyped() async throws {
        let c = try client()
        do {
            _ = try await collect(c, "conv_00000000000000000000000000", "hi")
            XCTFail("expected not found")
        } catch MoveworksError.NotFound(let d) {
            XCTAssertEqual(d.status, 404)
        }
        let conv = try c.createConversation(title: "errors")
        try sim.fault(.object(["kind": .string("status"), "status": .number(500), "path_contains": .string("/responses/stream")]))
        do {
            _ = try await collect(c, conv.conversationId, "hi")
            XCTFail("expected a 500")
        } catch let e as MoveworksError {
            XCTAssertEqual(e.kind, "internal_server")
            XCTAssertTrue(e.isApiStatusError)
        }
        do {
            _ = try await collect(c, conv.conversationId, "[fail] please")
            XCTFail("expected response_failed")
        } catch MoveworksError.ResponseFailed(let d) {
            XCTAssertNotNil(d.responseId)
        }
    }

    /// Opening and abandoning 200 streams (break after the first event, Task
    /// cancellation, the blocking object released) leaves the open fd count flat.
    func testAbandonedStreamsReleaseTheirConnections() async throws {
        guard FileManager.default.fileExists(atPath: "/proc/self/fd") else { throw XCTSkip("no /proc") }
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(5000)]))
        let conv = try c.createConversation(title: "leak")
        func abandon(_ i: Int) async throws {
            switch i % 3 {
            case 0:
                for try await _ in c.streamResponse(conversationId: conv.conversationId, text: "q\(i)", options: fast()) { break }
            case 1:
                let stream = try c.streamResponse(conversationId: conv.conversationId, text: "q\(i)", options: fast(), cancel: nil)
                _ = try stream.next()
            default:
                let task = Task {
                    for try await _ in c.streamResponse(conversationId: conv.conversationId, text: "q\(i)", options: self.fast()) {}
                }
                try await Task.sleep(nanoseconds: 20_000_000)
                task.cancel()
                _ = await task.result
            }
        }
        func fds() throws -> Int { try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count }
        for i in 0..<20 { try await abandon(i) }
        let before = try fds()
        for i in 0..<200 { try await abandon(i) }
        // A read on the background queue may still be finishing its cancelled read.
        try await Task.sleep(nanoseconds: 200_000_000)
        let after = try fds()
        XCTAssertLessThanOrEqual(after, before + 10, "open fds grew from \(before) to \(after) over 200 abandoned streams")
    }

    // README streaming example begin
    func readmeStreamingExample(client: Client, conversationId: String) async throws {
        for try await event in client.streamResponse(conversationId: conversationId, text: "Who does John Doe report to?") {
            switch event {
            case .responseOutputDelta(let sequenceNumber, _, let outputType, _):
                print("delta \(sequenceNumber.map(String.init) ?? "-") of \(outputType)")
            case .error(_, let code, let message):
                print("server error \(code): \(message)") // the turn goes on by polling
            case .responseCompleted(_, _, _, let response?):
                print(response.assistantText() ?? "")
            default:
                break
            }
        }
    }
    // README streaming example end

    /// The README's example is this file's function, verbatim, and it runs.
    func testReadmeStreamingExample() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(100)]))
        let conv = try c.createConversation(title: "readme")
        try await readmeStreamingExample(client: c, conversationId: conv.conversationId)
        XCTAssertEqual(try posts(), 1)
        func lines(_ text: String) -> [String] {
            text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }
        }
        let source = try String(contentsOfFile: #filePath, encoding: .utf8)
        let begin = try XCTUnwrap(source.range(of: "// README streaming example begin\n"))
        let end = try XCTUnwrap(source.range(of: "    // README streaming example end"))
        let example = lines(String(source[begin.upperBound..<end.lowerBound]))
        let readme = try String(contentsOfFile: Simulator.repoRoot.appendingPathComponent("bindings/swift/README.md").path,
                                encoding: .utf8)
        XCTAssertTrue(lines(readme).joined(separator: "\n").contains(example.joined(separator: "\n")),
                      "bindings/swift/README.md must show readmeStreamingExample verbatim")
    }
}

/// A stream listener from a closure.
final class ClosureStreamListener: StreamEventListener, @unchecked Sendable {
    let block: (StreamEvent) -> Bool
    init(_ block: @escaping (StreamEvent) -> Bool) { self.block = block }
    func onEvent(event: StreamEvent) -> Bool { block(event) }
}

/// A `raw_message` fault: the live shape, three citations, four content references (three at offset 8).
let rawCitedMessageFault = #"""
{"kind": "raw_message", "message": {
  "message_id": "msg_7Qz2LiveShape", "conversation_id": "conv_captured", "response_id": "resp_captured", "actor": "ASSISTANT",
  "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "John Doe 📘 reports to Jane Roe."}},
  "citations": [
    {"citation_id": "cite_3kTq9", "url": "https://acme.example/people/john-doe",
     "display": {"title": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "John Doe"}},
                 "attributes": [{"key": "source", "value": "Workday"}, {"key": "icon", "value": "person"}]}},
    {"citation_id": "cite_8Hh2p", "url": "https://acme.example/kb/org-chart",
     "display": {"title": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Org chart (KB0012)"}}, "attributes": []}},
    {"citation_id": "cite_Z1m0w", "url": "https://acme.example/people/jane-roe",
     "display": {"title": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Jane Roe"}}}}
  ],
  "content_references": [
    {"citation_id": "cite_3kTq9", "offset": 8}, {"citation_id": "cite_8Hh2p", "offset": 8},
    {"citation_id": "cite_3kTq9", "offset": 8}, {"citation_id": "cite_Z1m0w", "offset": 31}
  ],
  "created_at": "2026-09-14T16:02:11.482Z"
}}
"""#

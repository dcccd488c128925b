// Streams for Swift concurrency (Client.startStreamResponse, AsyncResponseStream.nextBatch
// and the sequences over it) against the simulator: the same events and final response as
// the blocking path, errors thrown once after their events, cancellation, and a hundred
// streams iterated at once in a TaskGroup.
import Foundation
import XCTest
@testable import MoveworksSDK

// An extension of StreamingTests: the same simulator set-up and helpers.
extension StreamingTests {
    /// The next `count` streams stall after their first event, for longer than any test takes.
    func stallLong(count: Int = 1) throws {
        try sim.fault(.object(["kind": .string("stream_stall"), "after_events": .number(1), "ms": .number(120_000),
                               "count": .number(Double(count))]))
    }

    /// What two turns of one question share: names, sequence numbers, the outputs' text (not their ids or times).
    func shape(_ e: StreamEvent) -> String {
        var s = "\(e.eventName) #\(e.sequenceNumber.map(String.init) ?? "-")"
        switch e {
        case .responseOutputDelta(_, _, _, .message(let message)): s += " \(message.text)"
        case .responseOutputDelta(_, _, _, .reasoningMessage(let reasoning)): s += " \(reasoning.content)"
        case .responseCompleted(_, _, _, let response?): s += " \(response.assistantText() ?? "")"
        default: break
        }
        return s
    }

    func batches(_ stream: AsyncResponseStream) async throws -> [StreamBatch] {
        var out: [StreamBatch] = []
        repeat { out.append(try await stream.nextBatch()) } while !out.last!.last
        return out
    }

    func testBatchesHoldTheBlockingPathsEventsAndFinalResponse() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "batches")
        let question = "Who does John Doe report to?"
        let blockingStream = try c.streamResponse(conversationId: conv.conversationId, text: question, options: fast(), cancel: nil)
        var blocking: [StreamEvent] = []
        while let event = try blockingStream.next() { blocking.append(event) }
        let stream = try c.startStreamResponse(conversationId: conv.conversationId, text: question, options: fast(), cancel: nil)
        let got = try await batches(stream)
        XCTAssertTrue(got.dropLast().allSatisfy { !$0.events.isEmpty && !$0.last }, "an empty batch before the last: \(got)")
        let events = got.flatMap(\.events)
        XCTAssertEqual(events.map(shape), blocking.map(shape))
        guard case .responseCompleted(_, _, .completed, let response?)? = events.last else { return XCTFail("last \(events)") }
        XCTAssertEqual(stream.response(), response)
        XCTAssertEqual(stream.responseId(), response.responseId)
        XCTAssertNotNil(stream.requestId())
        XCTAssertEqual(stream.requestId(), response.requestId, "the final response carries the stream's request id")
        XCTAssertEqual(try c.getResponse(conversationId: conv.conversationId, responseId: response.responseId).clearingRequestId(),
                       response.clearingRequestId())
        let after = try await stream.nextBatch()
        XCTAssertEqual(after, StreamBatch(events: [], last: true), "after the end")
        XCTAssertFalse(stream.isCancelled())
        // The sequence over a started stream yields the same events.
        let again = try c.startStreamResponse(conversationId: conv.conversationId, text: question, options: fast(), cancel: nil)
        var sequenced: [StreamEvent] = []
        for try await event in again.events() { sequenced.append(event) }
        XCTAssertEqual(sequenced.map(shape), blocking.map(shape))
        XCTAssertEqual(try posts(), 3)
    }

    func testAsyncStreamFailedTurnThrowsOnceAfterItsEvents() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "failed")
        try sim.fault(.object(["kind": .string("response_failed")]))
        let stream = try c.startStreamResponse(conversationId: conv.conversationId, text: "hi", options: fast(), cancel: nil)
        var events: [StreamEvent] = []
        do {
            while true { events += try await stream.nextBatch().events }
        } catch MoveworksError.ResponseFailed(let d) {
            XCTAssertEqual(d.responseId, stream.responseId())
        }
        XCTAssertEqual(events.last?.eventName, "RESPONSE_FAILED")
        let after = try await stream.nextBatch()
        XCTAssertEqual(after, StreamBatch(events: [], last: true), "after the error")
        XCTAssertNil(stream.response())
        // Errors before the stream starts come from the first batch.
        let missing = try c.startStreamResponse(conversationId: "conv_00000000000000000000000000", text: "hi", options: fast(), cancel: nil)
        do {
            _ = try await missing.nextBatch()
            XCTFail("expected not found")
        } catch MoveworksError.NotFound(let d) {
            XCTAssertEqual(d.status, 404)
        }
    }

    func testAsyncStreamCancelMidStreamEndsAsCancelled() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(150)]))
        let conv = try c.createConversation(title: "cancel")
        // The stream's own cancel(), racing a pending nextBatch (either order ends the same way).
        try stallLong()
        let stream = try c.startStreamResponse(conversationId: conv.conversationId, text: "hi", options: fast(), cancel: nil)
        let first = try await stream.nextBatch()
        guard case .responseCreated? = first.events.first else { return XCTFail("\(first)") }
        Task { stream.cancel() }
        do {
            _ = try await stream.nextBatch()
            XCTFail("expected a cancelled error")
        } catch MoveworksError.Cancelled(let d) {
            XCTAssertNotNil(d.responseId)
            XCTAssertEqual(d.responseId, stream.responseId())
        }
        XCTAssertTrue(stream.isCancelled())
        let after = try await stream.nextBatch()
        XCTAssertEqual(after, StreamBatch(events: [], last: true), "after the error")
        // A CancelHandle fired mid-stream.
        try stallLong()
        let handle = CancelHandle()
        let viaHandle = try c.startStreamResponse(conversationId: conv.conversationId, text: "hi", options: fast(), cancel: handle)
        _ = try await viaHandle.nextBatch()
        handle.cancel()
        do {
            _ = try await viaHandle.nextBatch()
            XCTFail("expected a cancelled error")
        } catch MoveworksError.Cancelled(let d) {
            XCTAssertNotNil(d.responseId)
        }
        // Cancelling the task iterating the sequence, once it has seen the first event.
        try stallLong()
        let (seen, signal) = AsyncStream.makeStream(of: Void.self)
        let task = Task { () -> [String] in
            var names: [String] = []
            for try await event in c.streamResponse(conversationId: conv.conversationId, text: "hi", options: fast()) {
                names.append(event.eventName)
                signal.yield()
            }
            return names
        }
        for await _ in seen { break }
        task.cancel()
        // A read in flight throws Cancelled; a cancel that lands between two reads ends the
        // loop (AsyncThrowingStream's rule; the turn is cancelled when the sequence goes away).
        // Which one happens is up to the scheduler; never a second event.
        do {
            let names = try await task.value
            XCTAssertEqual(names, ["RESPONSE_CREATED"])
        } catch MoveworksError.Cancelled(let d) {
            XCTAssertNotNil(d.responseId)
        }
        XCTAssertEqual(try posts(), 3)
    }

    /// Fails (instead of hanging) when `body` does not finish within `seconds`; never
    /// reached when it works, so it asserts no speed.
    func withHangGuard<T: Sendable>(_ seconds: Double, _ body: @escaping @Sendable () async throws -> T) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await body() }
            group.addTask {
                try await Task.sleep(nanoseconds: UInt64(seconds * 1e9))
                return nil
            }
            let first = try await group.next()!
            group.cancelAll()
            guard let result = first else { throw Hung(seconds: seconds) }
            return result
        }
    }

    func testAHundredAsyncStreamsAtOnceInATaskGroup() async throws {
        let c = try client()
        try sim.config(.object(["response_duration_ms": .number(300)]))
        let conv = try c.createConversation(title: "hundred")
        let n = 100
        let id = conv.conversationId
        let stalled = StreamOptions(idleTimeout: 120, initialInterval: 0.02, maxInterval: 0.06, deadline: 120)
        // Phase 1: every stream stalls after RESPONSE_CREATED (for longer than the guard). They
        // start one after another, each once the previous one has its first event, so all the
        // earlier ones are waiting; a stream that held a thread while waiting would run the
        // pool dry. Then cancelling the group's tasks ends every turn as cancelled.
        try stallLong(count: n)
        let kinds = try await withHangGuard(30) { () -> [String] in
            await withTaskGroup(of: String.self) { group in
                let (firsts, signal) = AsyncStream.makeStream(of: Void.self)
                var waiting = firsts.makeAsyncIterator()
                for i in 0..<n {
                    group.addTask {
                        var names: [String] = []
                        do {
                            for try await event in c.streamResponse(conversationId: id, text: "stall \(i)", options: stalled) {
                                names.append(event.eventName)
                                signal.yield()
                            }
                            // Cancelled between two reads: the sequence just ends (AsyncThrowingStream's
                            // rule) and releasing it cancelled the turn.
                            return "ended after \(names)"
                        } catch let e as MoveworksError {
                            return e.kind
                        } catch {
                            return "\(error)"
                        }
                    }
                    _ = await waiting.next()
                }
                group.cancelAll()
                var kinds: [String] = []
                for await kind in group { kinds.append(kind) }
                return kinds
            }
        }
        XCTAssertEqual(kinds.count, n)
        XCTAssertTrue(kinds.allSatisfy { $0 == "cancelled" || $0 == "ended after [\"RESPONSE_CREATED\"]" },
                      "\(Dictionary(grouping: kinds, by: { $0 }).mapValues(\.count))")
        // Phase 2: a hundred whole turns at once, all completed.
        let options = fast()
        let done = try await withHangGuard(60) { () -> [[StreamEvent]] in
            try await withThrowingTaskGroup(of: [StreamEvent].self) { group in
                for i in 0..<n {
                    group.addTask {
                        var events: [StreamEvent] = []
                        for try await event in c.streamResponse(conversationId: id, text: "q\(i)", options: options) {
                            events.append(event)
                        }
                        return events
                    }
                }
                var all: [[StreamEvent]] = []
                for try await events in group { all.append(events) }
                return all
            }
        }
        let completed = done.filter { if case .responseCompleted(_, _, .completed, _)? = $0.last { return true }; return false }
        XCTAssertEqual(completed.count, n)
        XCTAssertTrue(done.allSatisfy { $0.first?.eventName == "RESPONSE_CREATED" })
        XCTAssertEqual(try posts(), 2 * n)
    }
}

/// What `withHangGuard` throws when its body did not finish.
struct Hung: Error, CustomStringConvertible {
    let seconds: Double
    var description: String { "did not finish within \(seconds) s" }
}

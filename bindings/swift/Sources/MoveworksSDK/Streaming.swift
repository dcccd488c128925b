// Hand-written: streamed answers as Swift concurrency, over the generated
// `AsyncResponseStream` (MoveworksSDK.swift), whose `nextBatch()` awaits the events
// read on the stream's own Rust thread without holding a thread of the caller's.
// Everything a stream decides (parsing, the fallback to polling, the final
// RESPONSE_COMPLETED) is the Rust core's; this file only hands the batches out one
// event at a time and maps Task cancellation to `AsyncResponseStream.cancel()`.
import Foundation

extension Client {
    /// Sends a user message and streams the answer:
    ///
    /// ```swift
    /// for try await event in client.streamResponse(conversationId: id, text: "Who does John Doe report to?") {
    ///     switch event {
    ///     case .responseOutputDelta(_, _, _, let output): render(output)
    ///     case .responseCompleted(_, _, _, let response?): print(response.assistantText() ?? "")
    ///     case .error(_, let code, let message): log("server error \(code): \(message)") // the turn goes on
    ///     default: break
    ///     }
    /// }
    /// ```
    ///
    /// The message is sent (`POST /conversations/{id}/responses/stream`) when iteration
    /// starts, once per returned sequence. A successful turn always ends with
    /// `.responseCompleted` carrying the final response, also when the stream broke (or
    /// the server sent `.error` after naming the response) and the core finished the turn
    /// by polling (the message is never sent twice); a handoff to a live agent completes
    /// with no outputs. Errors are thrown as `MoveworksError`: the typed API error when
    /// the stream could not start (`.NotFound`, `.RateLimit`, …), then `.ResponseFailed`
    /// (after a `.responseFailed` event, carrying the failed response), `.PollTimeout`, ….
    ///
    /// Nothing blocks and no thread waits for the stream: the request and the reads run
    /// on a thread of the stream's own (`startStreamResponse`), and the loop awaits
    /// `AsyncResponseStream.nextBatch()` until events arrive, so thousands of streams can
    /// be iterated at once from any number of tasks. Cancelling the iterating task ends
    /// the turn within about 20 ms: the loop throws `MoveworksError.Cancelled` naming the
    /// response (or, when no read was in flight, simply ends) and the connection is
    /// closed. Leaving the loop early (`break`, `return`, a thrown error) releases the
    /// stream and closes its connection.
    public func streamResponse(conversationId: String, text: String,
                               options: StreamOptions = StreamOptions()) -> AsyncThrowingStream<StreamEvent, Error> {
        streamEvents {
            try self.startStreamResponse(conversationId: conversationId, text: text, options: options, cancel: nil)
        }
    }
}

/// The events of the stream `open` starts when iteration begins (see `Client.streamResponse`).
func streamEvents(_ open: @escaping () throws -> AsyncResponseStream) -> AsyncThrowingStream<StreamEvent, Error> {
    let reader = BatchReader(open: open)
    return AsyncThrowingStream(unfolding: { try await reader.next() })
}

extension StreamEvent {
    /// The wire name of the event, e.g. `"RESPONSE_OUTPUT_DELTA"` (an unknown event's name as sent).
    public var eventName: String { streamEventName(event: self) }

    /// The server's event counter (1, 2, … over the stream), whichever the case; nil when
    /// the event carried none, and on the deltas of a turn finished by polling.
    public var sequenceNumber: UInt64? { streamEventSequenceNumber(event: self) }

    /// The response the event carries (`.responseCreated`, `.responseInProgress`,
    /// `.responseCompleted`, `.responseFailed`), or nil.
    public var response: Response? { streamEventResponse(event: self) }

    /// The event names this SDK version decodes into a known case
    /// (`RESPONSE_CREATED`, `RESPONSE_IN_PROGRESS`, `RESPONSE_OUTPUT_DELTA`,
    /// `RESPONSE_COMPLETED`, `RESPONSE_FAILED`, `ERROR`).
    public static var knownNames: [String] { streamEventKnownNames() }

    /// The event as JSON: `{"event": <wire name>, "sequence_number": n|null, <its fields>…}`
    /// (`ERROR`: `"error": {"code", "message"}`); unknown: `{"event": name, "sequence_number": …, "data": raw}`.
    public func toJson() -> String { streamEventToJson(event: self) }
}

extension AsyncResponseStream {
    /// The events one at a time, for one iteration (`for try await event in stream.events()`):
    /// each batch of `nextBatch()` handed out in order; a failed turn throws its
    /// `MoveworksError` after the events that preceded it. Cancelling the iterating task
    /// calls `cancel()`; leaving the loop early does not (call `cancel()`, or release the
    /// stream, to end the turn).
    public func events() -> AsyncThrowingStream<StreamEvent, Error> {
        let reader = BatchReader(owned: false) { self }
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }

    /// `nextBatch()`, ending the turn (`cancel()`) when the awaiting task is cancelled:
    /// the call then throws `MoveworksError.Cancelled` naming the response.
    public func nextBatchOrCancel() async throws -> StreamBatch {
        try await withTaskCancellationHandler {
            try await nextBatch()
        } onCancel: {
            self.cancel()
        }
    }
}

extension ResponseStream {
    /// The next event without blocking the calling task: `next()` on a background
    /// queue, which holds one of its threads until the event arrives (prefer
    /// `Client.startStreamResponse`, whose `nextBatch()` holds none); cancelling the
    /// task calls `cancel()`, so the read ends within about 20 ms with `MoveworksError.Cancelled`.
    public func nextEvent() async throws -> StreamEvent? {
        try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<StreamEvent?, Error>) in
                streamReadQueue.async {
                    do {
                        continuation.resume(returning: try self.next())
                    } catch {
                        continuation.resume(throwing: error)
                    }
                }
            }
        } onCancel: {
            self.cancel()
        }
    }

    /// Ends the turn at once and closes the connection (the same as `cancel()`).
    public func close() { cancel() }
}

/// Where `ResponseStream.nextEvent()`'s blocking reads wait (each holds a thread until its event arrives).
private let streamReadQueue = DispatchQueue(label: "ai.moveworks.sdk.stream-reads", attributes: .concurrent)

/// Hands out an `AsyncResponseStream`'s batches one event at a time. It gets the stream
/// on first use (so a sequence sends its message when iteration starts) and, when it
/// `owned` it, ends the turn when released: that is how leaving a loop early closes
/// the connection. The `AsyncThrowingStream` that owns it never calls `next()`
/// concurrently; the lock only makes the state safe to reach from any executor.
private final class BatchReader: @unchecked Sendable {
    private let open: () throws -> AsyncResponseStream
    private let owned: Bool
    private let lock = NSLock()
    private var stream: AsyncResponseStream?
    private var events: [StreamEvent] = []
    private var index = 0
    private var over = false

    init(owned: Bool = true, open: @escaping () throws -> AsyncResponseStream) {
        self.owned = owned
        self.open = open
    }

    deinit {
        if owned { stream?.cancel() }
    }

    func next() async throws -> StreamEvent? {
        while true {
            let stream: AsyncResponseStream
            switch try step() {
            case .event(let event): return event
            case .end: return nil
            case .read(let s): stream = s
            }
            do {
                store(try await stream.nextBatchOrCancel())
            } catch {
                store(nil)
                throw error
            }
        }
    }

    private enum Step {
        case event(StreamEvent)
        case end
        case read(AsyncResponseStream)
    }

    /// The next buffered event, the end, or the stream to take the next batch from
    /// (opened on first use). Synchronous: the lock is never held across an await.
    private func step() throws -> Step {
        lock.lock()
        defer { lock.unlock() }
        if index < events.count {
            index += 1
            return .event(events[index - 1])
        }
        if over { return .end }
        if stream == nil { stream = try open() }
        return .read(stream!)
    }

    /// Keeps a batch's events to hand out; `nil`: the batch failed, the sequence is over.
    private func store(_ batch: StreamBatch?) {
        lock.lock()
        defer { lock.unlock() }
        events = batch?.events ?? []
        index = 0
        over = batch?.last ?? true
    }
}

// Hand-written: streamed answers as Swift concurrency, over the generated blocking
// `ResponseStream` (MoveworksSDK.swift). Everything a stream decides (parsing, the
// fallback to polling, the final RESPONSE_COMPLETED) is the Rust core's; this file
// only moves the blocking reads off the caller's task and maps Task cancellation
// to `ResponseStream.cancel()`.
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
    /// Nothing blocks the calling task: reads run on a background queue. Cancelling the
    /// iterating task interrupts a blocked read within about 20 ms: the loop throws
    /// `MoveworksError.Cancelled` naming the response (or, when no read was in flight,
    /// simply ends) and the connection is closed. Leaving the loop early (`break`,
    /// `return`, a thrown error) releases the stream and closes its connection.
    public func streamResponse(conversationId: String, text: String,
                               options: StreamOptions = StreamOptions()) -> AsyncThrowingStream<StreamEvent, Error> {
        let reader = ResponseEventReader(client: self, conversationId: conversationId, text: text, options: options)
        return AsyncThrowingStream(unfolding: { try await reader.next() })
    }
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

extension ResponseStream {
    /// The next event without blocking the calling task: `next()` on a background
    /// queue; cancelling the task calls `cancel()`, so the read ends within about
    /// 20 ms with `MoveworksError.Cancelled`.
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

/// Where blocking reads wait (each holds a thread until its event arrives).
private let streamReadQueue = DispatchQueue(label: "ai.moveworks.sdk.stream-reads", attributes: .concurrent)

/// Opens the stream on first use, then reads it; released (closing the connection)
/// when the `AsyncThrowingStream` that owns it goes away.
private final class ResponseEventReader: @unchecked Sendable {
    private let client: Client
    private let conversationId: String
    private let text: String
    private let options: StreamOptions
    private let lock = NSLock()
    private var stream: ResponseStream?

    init(client: Client, conversationId: String, text: String, options: StreamOptions) {
        self.client = client
        self.conversationId = conversationId
        self.text = text
        self.options = options
    }

    func next() async throws -> StreamEvent? {
        lock.lock()
        let opened = stream
        lock.unlock()
        if let opened { return try await opened.nextEvent() }
        let fresh = try await client.streamResponseAsync(conversationId: conversationId, text: text,
                                                         options: options, cancel: nil)
        lock.lock()
        stream = fresh
        lock.unlock()
        return try await fresh.nextEvent()
    }
}

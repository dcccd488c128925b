// Hand-written: webhook deliveries and the events follower in Swift shapes (a String
// body, closures, an AsyncSequence) over the generated WebhookDelivery and EventsFollower.
import Foundation

extension WebhookDelivery {
    /// `parse(body:)` of a body received as text.
    public static func parse(_ body: String) throws -> WebhookDelivery { try parseText(body: body) }

    /// `parse(body:)` of the raw body bytes.
    public static func parse(_ body: Data) throws -> WebhookDelivery { try parse(body: body) }
}

extension EventsFollower {
    /// `pollOnce(handler:)` with a closure (return true when handled). BLOCKING.
    @discardableResult
    public func pollOnce(_ handler: @escaping @Sendable (Event) -> Bool) throws -> UInt64 {
        try pollOnce(handler: ClosureEventHandler(handler))
    }

    /// `run(handler:)` with a closure (return true when handled); `cancel()` from elsewhere to
    /// return. BLOCKS the calling thread: never call it from a Swift concurrency task.
    public func run(_ handler: @escaping @Sendable (Event) -> Bool) throws {
        try run(handler: ClosureEventHandler(handler))
    }

    /// The followed feed as an async sequence (`for try await event in follower.events()`).
    /// Each event counts as handled (its id is saved as the checkpoint) when the loop asks
    /// for the next one; call `commit()` after leaving the loop early to save the last.
    /// The sequence ends when the follower is cancelled; a permanent failure is thrown.
    ///
    /// No thread of the cooperative pool waits: each event is awaited with
    /// `nextEventAsync()` (the wait between polls runs on a thread of the SDK's).
    /// Cancelling the iterating task cancels the follower (final), which ends that wait.
    public func events() -> AsyncThrowingStream<Event, Error> {
        AsyncThrowingStream(unfolding: {
            try await withTaskCancellationHandler {
                try await self.nextEventAsync()
            } onCancel: {
                self.cancel()
            }
        })
    }
}

/// A closure as an `EventHandler`.
private final class ClosureEventHandler: EventHandler, @unchecked Sendable {
    private let body: @Sendable (Event) -> Bool

    init(_ body: @escaping @Sendable (Event) -> Bool) { self.body = body }

    func onEvent(event: Event) -> Bool { body(event) }
}

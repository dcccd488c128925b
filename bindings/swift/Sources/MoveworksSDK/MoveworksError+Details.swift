// Hand-written conveniences over the uniffi-generated API (MoveworksSDK.swift).
// They only reshape what the generated code offers: no client logic here.

extension MoveworksError {
    /// The details every case carries: kind, status, code, message, request id, retry-after, …
    public var details: ErrorDetails {
        switch self {
        case .InvalidArgument(let d), .Connection(let d), .Timeout(let d), .Decode(let d), .OAuth(let d),
             .BadRequest(let d), .Authentication(let d), .PermissionDenied(let d), .NotFound(let d),
             .RateLimit(let d), .InternalServer(let d), .ApiStatus(let d), .ResponseFailed(let d),
             .PollTimeout(let d), .Cancelled(let d):
            return d
        }
    }

    /// The stable kind name, e.g. `"not_found"` (the same string in every language of the SDK).
    public var kind: String { details.kind }

    // uniffi generates MoveworksError as a flat enum, which cannot nest cases, so the
    // parents that Python and Node express as classes (APIConnectionError, APIStatusError)
    // are these two properties, computed from the core's hierarchy (details.parentKind).

    /// True for `.Connection` and `.Timeout`: Swift's `APIConnectionError` (a timeout is a
    /// kind of connection error in every language).
    public var isConnectionError: Bool { kind == "connection" || details.parentKind == "connection" }

    /// True for `.ApiStatus` and every per-status case (`.BadRequest`, `.Authentication`,
    /// `.PermissionDenied`, `.NotFound`, `.RateLimit`, `.InternalServer`): Swift's `APIStatusError`.
    public var isApiStatusError: Bool { kind == "api_status" || details.parentKind == "api_status" }
}

extension ConversationIterator: Sequence {
    /// Iterates lazily; each page fetch BLOCKS the calling thread. An error ends the
    /// sequence (call `next()` directly to see it).
    public func makeIterator() -> AnyIterator<Conversation> {
        AnyIterator { (try? self.next()) ?? nil }
    }
}

extension EventIterator: Sequence {
    /// Iterates lazily; each page fetch BLOCKS the calling thread. An error ends the
    /// sequence (call `next()` directly to see it).
    public func makeIterator() -> AnyIterator<Event> {
        AnyIterator { (try? self.next()) ?? nil }
    }
}

extension MessageIterator: Sequence {
    /// Iterates lazily, newest first; each page fetch BLOCKS the calling thread. An
    /// error ends the sequence (call `next()` directly to see it).
    public func makeIterator() -> AnyIterator<Message> {
        AnyIterator { (try? self.next()) ?? nil }
    }
}

extension ResponseMessageIterator: Sequence {
    /// Iterates lazily; each page fetch BLOCKS the calling thread. An error ends the
    /// sequence (call `next()` directly to see it).
    public func makeIterator() -> AnyIterator<Message> {
        AnyIterator { (try? self.next()) ?? nil }
    }
}

/// Adapts a closure to the update listener: return true to keep waiting.
public final class ClosureUpdateListener: ResponseUpdateListener, @unchecked Sendable {
    private let block: (Response) -> Bool
    /// Wraps `block`; it is called on the polling thread.
    public init(_ block: @escaping (Response) -> Bool) { self.block = block }
    public func onUpdate(response: Response) -> Bool { block(response) }
}

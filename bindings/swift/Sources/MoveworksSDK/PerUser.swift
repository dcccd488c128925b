// Hand-written: a closure as the token provider of `Client.forUser(provider:)`.

extension Client {
    /// A per-user view of this client whose bearer comes from `token` (see `forUser(provider:)`):
    ///
    /// ```swift
    /// let alice = client.forUser { UserToken(token: try idp.exchange("alice@example.com"), expiresIn: 3300) }
    /// ```
    ///
    /// The closure may block (an HTTP exchange; it runs on the thread making the call, a
    /// thread of the SDK's for the async methods) or throw: the call then fails with
    /// `MoveworksError.OAuth` (a `MoveworksError` thrown keeps its kind).
    public func forUser(_ token: @escaping @Sendable () throws -> UserToken) -> Client {
        forUser(provider: ClosureTokenProvider(token))
    }
}

/// A closure as a `TokenProvider`.
private final class ClosureTokenProvider: TokenProvider, @unchecked Sendable {
    private let body: @Sendable () throws -> UserToken

    init(_ body: @escaping @Sendable () throws -> UserToken) { self.body = body }

    // Any other error than a MoveworksError reaches the SDK as the callback's failure: OAuth.
    func token() throws -> UserToken { try body() }
}

// Per-user views: a Kotlin lambda as the token provider of Client.forUser.
package ai.moveworks.sdk

/**
 * Adapts a Kotlin lambda to a [TokenProvider]: it returns the user's bearer ([UserToken],
 * with its lifetime when known) and may block (an HTTP exchange) or throw (the call then
 * fails with [MoveworksException.OAuth]; a [MoveworksException] keeps its kind).
 */
fun tokenProvider(block: () -> UserToken): TokenProvider =
    object : TokenProvider {
        override fun token(): UserToken = block()
    }

/**
 * A per-user view of this client whose bearer comes from [provider] (see [Client.forUser]):
 * ```
 * val alice = client.forUser { UserToken(idp.exchange("alice@example.com"), Duration.ofMinutes(55)) }
 * ```
 */
fun Client.forUser(provider: () -> UserToken): Client = forUser(tokenProvider(provider))

// Kotlin conveniences over the generated Sandbox (moveworks_uniffi.kt): each helper
// is one forward to Sandbox.run(action, argsJson), the core's scripting vocabulary
// (fault, fail_next_response, configure, inject_event, revoke_tokens, requests,
// clear_requests, feedback, reset), with Kotlin values converted to and from JSON.
// Keys are the vocabulary's snake_case spelling, as the simulator docs give them.
package ai.moveworks.sdk

/**
 * Runs one scripting action of the sandbox with Kotlin arguments (maps, lists,
 * strings, numbers, booleans, null) and returns its parsed answer (`Map`, `List`,
 * `String`, `Long`, `Double`, `Boolean` or null). A new action of the core needs no
 * new helper: `sandbox.run("clear_requests", emptyMap())`. Throws
 * [MoveworksException.InvalidArgument] naming the action for an unknown action or
 * bad arguments, and naming `sandbox` once the sandbox is stopped.
 */
fun Sandbox.run(action: String, args: Map<String, Any?>): Any? = Json.parse(run(action, Json.write(args)))

/**
 * Queues one fault of the simulator for the next matching request: its [kind]
 * (`"status"`, `"drop"`, `"reset"`, `"delay"`, `"malformed_json"`, `"stream_drop"`,
 * `"stream_stall"`, …) and its fields, e.g.
 * `sandbox.fault("status", "status" to 429, "retry_after" to "1", "path_contains" to "/responses")`
 * (also `"method"`, `"count"`, …; see the simulator's "Faults"). Returns `{"queued": n}`.
 */
fun Sandbox.fault(kind: String, vararg fields: Pair<String, Any?>): Map<String, Any?> =
    answerObject(run("fault", mapOf("kind" to kind) + fields))

/** The next [count] responses created (polled or streamed) end FAILED. Returns `{"queued": n}`. */
fun Sandbox.failNextResponse(count: Int = 1): Map<String, Any?> =
    answerObject(run("fail_next_response", mapOf("count" to count)))

/**
 * Changes the sandbox's settings, e.g. `sandbox.configure("response_duration_ms" to 50)`
 * (also `unknown_values`, `rate_limit`, `token_ttl_secs`, …). Returns the settings after the change.
 */
fun Sandbox.configure(vararg settings: Pair<String, Any?>): Map<String, Any?> =
    answerObject(run("configure", mapOf(*settings)))

/**
 * Adds a system-initiated assistant message with [text] to conversation
 * [conversationId] and the events feed: [kind] `"notification"` (default) or
 * `"async_response"`. Returns the event as list events renders it (wire JSON as a map).
 */
fun Sandbox.injectEvent(conversationId: String, text: String, kind: String? = null): Map<String, Any?> =
    answerObject(run("inject_event", present("conversation_id" to conversationId, "text" to text, "kind" to kind)))

/** Every OAuth token issued so far stops working (the static token stays valid). Returns `{"revoked": n}`. */
fun Sandbox.revokeTokens(): Map<String, Any?> = answerObject(run("revoke_tokens", emptyMap()))

/**
 * The request log, oldest first, optionally only [method] requests whose path
 * contains [pathContains]: entries `method`, `path`, `query`, `status` (a `Long`, null
 * while in flight), `assistant_name`, `user_agent`, `authorized`, `content_type`,
 * `fault` and `root_uuid`. Never a token or secret.
 */
fun Sandbox.requests(method: String? = null, pathContains: String? = null): List<Map<String, Any?>> =
    answerList(run("requests", present("method" to method, "path_contains" to pathContains)))

/** Empties the request log. */
fun Sandbox.clearRequests() {
    run("clear_requests", emptyMap())
}

/** Every feedback submission the API accepted, oldest first. */
fun Sandbox.feedback(): List<Map<String, Any?>> = answerList(run("feedback", emptyMap()))

/** Forgets all state (conversations, tokens, faults, request log) and returns to the start-up settings. */
fun Sandbox.reset() {
    run("reset", emptyMap())
}

/** The arguments that are set: an unset optional argument is left out, not sent as null. */
private fun present(vararg pairs: Pair<String, Any?>): Map<String, Any?> = pairs.filter { it.second != null }.toMap()

@Suppress("UNCHECKED_CAST")
private fun answerObject(answer: Any?): Map<String, Any?> = answer as Map<String, Any?>

@Suppress("UNCHECKED_CAST")
private fun answerList(answer: Any?): List<Map<String, Any?>> = answer as List<Map<String, Any?>>

// Runs tests/conformance/scenarios.json and v1-scenarios.json through the Kotlin API:
// each call goes through the generated bindings, and results are compared as wire JSON
// produced by the core's serializer (the toJson() extensions). The rest/v1 calls are in
// ConformanceV1.kt.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*
import ai.moveworks.sdk.model.*
import kotlinx.coroutines.cancelChildren
import kotlinx.coroutines.delay
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import java.io.File
import java.time.Duration

@Suppress("UNCHECKED_CAST")
class Conformance(private val sim: Simulator) {
    private val saved = HashMap<String, Any?>()
    /** The scenario's per-user views (`users`), by user id; a step's `as` picks one. */
    private val users = HashMap<String, Client>()
    /** Where `follow_events` keeps its checkpoint files: a scratch directory per scenario. */
    private var checkpoints = File(".")

    fun runAll(file: File, tests: Tests) {
        val doc = Json.parse(file.readText(Charsets.UTF_8)) as Map<String, Any?>
        val scenarios = doc["scenarios"] as List<Map<String, Any?>>
        check(scenarios.isNotEmpty()) { "no scenarios in $file" }
        for (s in scenarios) {
            tests.run("conformance/${s["name"]}") { runScenario(s) }
        }
    }

    private fun runScenario(s: Map<String, Any?>) {
        saved.clear()
        sim.reset()
        val spec = (s["client"] as Map<String, Any?>?) ?: emptyMap()
        val expectClientError = s["expect_client_error"] as Map<String, Any?>?
        // With expect_client_error the build must fail that way, and the steps run without a client.
        val client: Client? = if (expectClientError != null) {
            checkError(expectClientError, expectError { buildClient(spec).close() })
            null
        } else {
            buildClient(spec)
        }
        checkpoints = kotlin.io.path.createTempDirectory("mw-conformance").toFile()
        try {
            client.use {
                for (user in (s["users"] as List<String>?).orEmpty()) users[user] = userView(client, user)
                (s["steps"] as List<Map<String, Any?>>).forEachIndexed { i, step ->
                    try {
                        runStep(client, step)
                    } catch (e: Throwable) {
                        throw AssertionFailed("step $i ${Json.write(step).take(160)}: $e")
                    }
                }
            }
        } finally {
            users.values.forEach { it.close() }
            users.clear()
            checkpoints.deleteRecursively()
        }
    }

    /**
     * A per-user view of the scenario's client whose token provider returns the bearer the
     * simulator's `user_token` action minted for [user].
     */
    @Suppress("UNCHECKED_CAST")
    private fun userView(client: Client?, user: String): Client {
        checkNotNull(client) { "`users` in a scenario whose client failed to build" }
        val minted = sim.control("POST", "script", mapOf("action" to "user_token", "args" to mapOf("user_id" to user)))
        val token = (minted as Map<String, Any?>)["token"] as String
        return client.forUser { UserToken(token) }
    }

    private fun buildClient(spec: Map<String, Any?>): Client {
        val oauth = when (val auth = spec["auth"] ?: "token") {
            "token" -> false
            "oauth" -> true
            else -> error("unknown client auth $auth")
        }
        val apiVersion = spec["api_version"] as String?
        // Which of the simulator's URLs: the beta's unless the scenario names a generation,
        // then the bare origin (the client appends the generation's path).
        val baseUrl = when (val b = spec["base_url"] as String?) {
            "beta" -> sim.baseUrl
            "v1" -> sim.v1BaseUrl
            "origin" -> sim.origin
            null -> if (apiVersion == null) sim.baseUrl else sim.origin
            else -> if (b.startsWith("/")) sim.origin + b else error("unknown base_url $b")
        }
        return Client(
            ClientConfig(
                assistantName = (spec["assistant_name"] as String?) ?: sim.assistantName,
                baseUrl = baseUrl,
                apiVersion = apiVersion,
                bearerToken = if (oauth) null else (spec["token"] as String?) ?: sim.token,
                clientId = if (oauth || spec["client_credentials_too"] == true) sim.clientId else null,
                clientSecret = if (oauth) (spec["client_secret"] as String?) ?: sim.clientSecret
                else if (spec["client_credentials_too"] == true) sim.clientSecret else null,
                tokenUrl = sim.tokenUrl,
                timeout = (spec["timeout_ms"] as Long?)?.let { Duration.ofMillis(it) },
                deadline = (spec["deadline_ms"] as Long?)?.let { Duration.ofMillis(it) },
                maxRetries = ((spec["max_retries"] as Long?) ?: 2L).toUInt(),
                userAgentSuffix = spec["user_agent_suffix"] as String?,
            ),
        )
    }

    private fun checkError(expected: Map<String, Any?>, e: MoveworksException) {
        val d = e.details
        val actual = mapOf("kind" to d.kind, "status" to d.status?.toLong(), "code" to d.code, "argument" to d.argument)
        check(variantClass(d.kind).isInstance(e)) { "${d.kind} raised as ${e::class.simpleName}" }
        for ((k, v) in substitute(expected) as Map<String, Any?>) {
            when (k) {
                "response_id" -> {
                    if (v is String) {
                        assertEq(v, d.responseId, "error response_id (error: ${d.kind}: ${d.message})")
                    } else {
                        check(v == mapOf("\$ne" to null)) { "response_id must be a string or {\"\$ne\": null}" }
                        check(!d.responseId.isNullOrEmpty()) { "the error names no response (${d.kind}: ${d.message})" }
                    }
                    // The last response seen, when there is one, is the response named.
                    d.response?.let { assertEq(d.responseId, it.responseId, "error response's id") }
                }
                "is_a", "not_a" -> for (kind in v as List<String>) {
                    check(caughtAs(e, kind) == (k == "is_a")) { "${e::class.simpleName}: expected $k $kind" }
                }
                else -> {
                    check(k in actual) { "unknown expect_error key $k" }
                    assertEq(v, actual[k], "error $k (error: ${d.kind}: ${d.message})")
                }
            }
        }
    }

    private fun runStep(scenarioClient: Client?, rawStep: Map<String, Any?>) {
        val maybeClient = when (val user = rawStep["as"] as String?) {
            null -> scenarioClient
            else -> users[user] ?: error("no client for user $user (see `users`)")
        }
        val args = substitute(rawStep["args"] ?: emptyMap<String, Any?>()) as Map<String, Any?>
        val sim = rawStep["sim"]
        if (sim != null) {
            val result = simStep(sim as String, args)
            (rawStep["save_as"] as String?)?.let { saved[it] = result }
            return
        }
        val call = rawStep["call"] as String? ?: error("step has neither call nor sim")
        val client = maybeClient ?: error("a call step, but the client failed to build")
        val expectError = rawStep["expect_error"] as Map<String, Any?>?
        if (expectError != null) {
            checkError(expectError, expectError { call(client, call, args) })
            return
        }
        val result = call(client, call, args)
        rawStep["expect"]?.let { match(substitute(it), result, "$") }
        (rawStep["save_as"] as String?)?.let { saved[it] = result }
    }

    /** The generated sealed subclass for a kind. */
    private fun variantClass(kind: String): Class<out MoveworksException> = when (kind) {
        "invalid_argument" -> MoveworksException.InvalidArgument::class.java
        "connection" -> MoveworksException.Connection::class.java
        "timeout" -> MoveworksException.Timeout::class.java
        "decode" -> MoveworksException.Decode::class.java
        "oauth" -> MoveworksException.OAuth::class.java
        "bad_request" -> MoveworksException.BadRequest::class.java
        "authentication" -> MoveworksException.Authentication::class.java
        "permission_denied" -> MoveworksException.PermissionDenied::class.java
        "not_found" -> MoveworksException.NotFound::class.java
        "rate_limit" -> MoveworksException.RateLimit::class.java
        "internal_server" -> MoveworksException.InternalServer::class.java
        "api_status" -> MoveworksException.ApiStatus::class.java
        "response_failed" -> MoveworksException.ResponseFailed::class.java
        "poll_timeout" -> MoveworksException.PollTimeout::class.java
        "cancelled" -> MoveworksException.Cancelled::class.java
        else -> error("unknown kind $kind")
    }

    /**
     * "Caught by the class of [kind]" in Kotlin: the two parent kinds are the
     * isConnectionError / isApiStatusError properties (the sealed class is flat),
     * every other kind its own sealed subclass.
     */
    private fun caughtAs(e: MoveworksException, kind: String): Boolean = when (kind) {
        "connection" -> e.isConnectionError
        "api_status" -> e.isApiStatusError
        else -> variantClass(kind).isInstance(e)
    }

    /** Performs one sim step; returns what `save_as` keeps (the injected event), else null. */
    private fun simStep(action: String, args: Map<String, Any?>): Any? {
        when (action) {
            "fault" -> sim.fault(args)
            "config" -> sim.config(args)
            "revoke_tokens" -> sim.control("POST", "tokens/revoke")
            "sleep" -> Thread.sleep(args["ms"] as Long)
            "inject_event" -> return sim.injectEvent(args)
            // POST /_sim/script: the simulator's scripting vocabulary (user_token, expire_modals, ...).
            "script" -> return sim.control("POST", "script", mapOf("action" to args["action"], "args" to (args["args"] ?: emptyMap<String, Any?>())))
            "expect_requests" -> {
                val method = args["method"] as String?
                val path = args["path_contains"] as String?
                val ua = args["user_agent_ends_with"] as String?
                val matching = sim.requests().filter { r ->
                    (method == null || r["method"] == method) && (path == null || (r["path"] as String).contains(path)) &&
                        (ua == null || (r["user_agent"] as String?)?.endsWith(ua) == true)
                }
                assertEq(args["count"], matching.size.toLong(), "requests matching $method $path")
                // Carried by this many distinct connections (per-user views share one pool).
                (args["connections"] as Long?)?.let { n ->
                    assertEq(n, matching.map { it["connection"] }.toSet().size.toLong(), "connections of $method $path")
                }
            }
            else -> error("unknown sim action $action")
        }
        return null
    }

    private fun waitOptions(a: Map<String, Any?>) = WaitOptions(
        deadline = (a["deadline_ms"] as Long?)?.let { Duration.ofMillis(it) },
        initialInterval = (a["initial_interval_ms"] as Long?)?.let { Duration.ofMillis(it) },
        maxInterval = (a["max_interval_ms"] as Long?)?.let { Duration.ofMillis(it) },
    )

    /** Performs one call and returns its result as parsed wire JSON. */
    private fun call(c: Client, name: String, a: Map<String, Any?>): Any? {
        fun s(k: String) = a[k] as String?
        fun req(k: String) = a[k] as String? ?: error("missing arg $k")
        fun lim() = (a["limit"] as Long?)?.toUInt()
        return when (name) {
            "list_conversations" -> Json.parse(c.listConversations(
                ListConversationsParams(limit = lim(), cursor = s("cursor"), archived = a["archived"] as Boolean?)).toJson())
            "iter_conversations" -> c.iterConversations(ListConversationsParams(limit = lim(), archived = a["archived"] as Boolean?))
                .use { it.asSequence().map { x -> Json.parse(x.toJson()) }.toList() }
            "create_conversation" -> Json.parse(c.createConversation(s("title")).toJson())
            "get_conversation" -> Json.parse(c.getConversation(req("conversation_id")).toJson())
            "update_conversation" -> Json.parse(c.updateConversation(req("conversation_id"),
                ConversationUpdate(title = s("title"), archived = a["archived"] as Boolean?)).toJson())
            "list_events" -> Json.parse(c.listEvents(eventParams(a, s("cursor"))).toJson())
            "iter_events" -> c.iterEvents(eventParams(a, null))
                .use { it.asSequence().map { x -> Json.parse(x.toJson()) }.toList() }
            "list_messages" -> Json.parse(c.listMessages(
                ListMessagesParams(conversationId = req("conversation_id"), cursor = s("cursor"), limit = lim())).toJson())
            "iter_messages" -> c.iterMessages(ListMessagesParams(conversationId = req("conversation_id"), limit = lim()))
                .use { it.asSequence().map { x -> Json.parse(x.toJson()) }.toList() }
            "list_response_messages" -> Json.parse(c.listResponseMessages(ListResponseMessagesParams(
                conversationId = req("conversation_id"), responseId = req("response_id"), cursor = s("cursor"), limit = lim())).toJson())
            "submit_feedback" -> Json.parse(c.submitFeedback(req("conversation_id"), req("response_id"), req("message_id"),
                req("callback_id"), s("additional_feedback")).toJson())
            "create_response" -> Json.parse(when (val input = conformanceInput(a)) {
                null -> c.createResponse(req("conversation_id"), req("text"))
                else -> c.createResponse(req("conversation_id"), input)
            }.toJson())
            "get_response" -> Json.parse(c.getResponse(req("conversation_id"), req("response_id")).toJson())
            "wait_for_response" -> Json.parse(c.waitForResponse(req("conversation_id"), req("response_id"),
                waitOptions(a), null, null).toJson())
            "create_response_and_wait" -> Json.parse(when (val input = conformanceInput(a)) {
                null -> c.createResponseAndWait(req("conversation_id"), req("text"), waitOptions(a), null, null)
                else -> c.createResponseAndWait(req("conversation_id"), input, waitOptions(a), null, null)
            }.toJson())
            "stream_response" -> streamTurn(c, a)
            "assistant_text" -> Response.fromJson(Json.write(a["response"])).assistantText()
            "text_with_citation_markers" -> {
                val first = Response.fromJson(Json.write(a["response"])).assistantMessages().firstOrNull()
                    ?: error("the response has no assistant message")
                first.textWithCitationMarkers()
            }
            else -> conformanceV1Call(c, name, a, checkpoints) ?: error("unknown call $name")
        }
    }

    /**
     * A streamed turn the way an app would read it: collect the Flow; cancel_after_ms
     * fires a CancelHandle from a timer coroutine, which ends the flow with
     * MoveworksException.Cancelled (thrown out of runBlocking like any call's error).
     */
    private fun streamTurn(c: Client, a: Map<String, Any?>): Any? = runBlocking {
        val options = StreamOptions(
            idleTimeout = (a["idle_timeout_ms"] as Long?)?.let { Duration.ofMillis(it) },
            deadline = (a["deadline_ms"] as Long?)?.let { Duration.ofMillis(it) },
            initialInterval = (a["initial_interval_ms"] as Long?)?.let { Duration.ofMillis(it) },
            maxInterval = (a["max_interval_ms"] as Long?)?.let { Duration.ofMillis(it) },
        )
        val cancel = (a["cancel_after_ms"] as Long?)?.let { ms ->
            CancelHandle().also { handle -> launch { delay(ms); handle.cancel() } }
        }
        try {
            val names = ArrayList<String>()
            var last: StreamEvent? = null
            val conversationId = a["conversation_id"] as String
            val flow = when (val input = conformanceInput(a)) {
                null -> c.streamResponseFlow(conversationId, a["text"] as String, options, cancel)
                else -> c.streamResponseFlow(conversationId, input, options, cancel)
            }
            flow.collect {
                names += it.eventName
                last = it
            }
            val response = (last as? StreamEvent.ResponseCompleted)?.response ?: error("the flow did not end with a completed response")
            mapOf(
                "response" to Json.parse(response.toJson()),
                "event_names" to names.joinToString(","),
                "first_event" to names.firstOrNull(),
                "last_event" to names.lastOrNull(),
            )
        } finally {
            coroutineContext.cancelChildren()
            cancel?.close()
        }
    }

    private fun eventParams(a: Map<String, Any?>, cursor: String?) = ListEventsParams(
        conversationId = a["conversation_id"] as String?,
        startingAfter = a["starting_after"] as String?,
        endingAt = a["ending_at"] as String?,
        cursor = cursor,
        limit = (a["limit"] as Long?)?.toUInt(),
    )

    private val ref = Regex("^\\$\\{([^}]+)\\}$")

    private fun substitute(v: Any?): Any? = when (v) {
        is String -> ref.matchEntire(v)?.let { lookup(it.groupValues[1]) } ?: v
        is Map<*, *> -> v.entries.associateTo(LinkedHashMap()) { (k, x) -> k as String to substitute(x) }
        is List<*> -> v.map { substitute(it) }
        else -> v
    }

    private fun lookup(path: String): Any? {
        val parts = path.split('.')
        check(parts[0] in saved) { "nothing saved as ${parts[0]}" }
        var cur = saved[parts[0]]
        for (p in parts.drop(1)) {
            cur = when (cur) {
                is Map<*, *> -> cur[p]
                is List<*> -> cur[p.toInt()]
                else -> error("cannot follow $p in $path")
            }
        }
        return cur
    }

    private fun num(v: Any?): Double? = (v as? Number)?.toDouble()

    private fun scalarEq(e: Any?, a: Any?) = if (e is Number && a is Number) num(e) == num(a) else e == a

    /** Structural match as tests/conformance/README.md defines it. */
    private fun match(expected: Any?, actual: Any?, path: String) {
        fun fail(why: String): Nothing = throw AssertionFailed("$path: $why (got ${Json.write(actual).take(200)})")
        when (expected) {
            is Map<*, *> -> {
                val ops = expected.keys.filter { (it as String).startsWith("$") }
                if (ops.isNotEmpty()) {
                    for (op in ops) {
                        val arg = expected[op]
                        when (op) {
                            "\$len" -> {
                                val n = when (actual) { is List<*> -> actual.size; is String -> actual.codePointCount(0, actual.length); else -> fail("\$len of a non-array") }
                                if (!scalarEq(arg, n)) fail("length $n, expected $arg")
                            }
                            "\$present" -> {} // checked by the enclosing object
                            "\$absent" -> if (actual != null) fail("expected absent")
                            "\$contains" -> if (actual !is String || !actual.contains(arg as String)) fail("expected to contain $arg")
                            "\$ne" -> if (scalarEq(arg, actual)) fail("expected != $arg")
                            else -> error("unknown matcher $op")
                        }
                    }
                    return
                }
                if (actual !is Map<*, *>) fail("expected an object")
                for ((k, v) in expected) {
                    val present = actual.containsKey(k)
                    if (v is Map<*, *> && v["\$present"] == true && !present) fail("key $k missing")
                    if (!present && !(v is Map<*, *> && (v.containsKey("\$absent") || v.containsKey("\$ne")))) fail("key $k missing")
                    match(v, actual[k], "$path.$k")
                }
            }
            is List<*> -> {
                if (actual !is List<*>) fail("expected an array")
                if (actual.size != expected.size) fail("expected ${expected.size} items, got ${actual.size}")
                expected.forEachIndexed { i, e -> match(e, actual[i], "$path[$i]") }
            }
            else -> if (!scalarEq(expected, actual)) fail("expected ${Json.write(expected)}")
        }
    }
}

// Every method of the Kotlin API against the simulator: CRUD, pagination,
// errors, polling with callback and cancel, unknown server values, the
// suspend variants, and a measurement of the per-call overhead (printed only).
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*
import ai.moveworks.sdk.model.*
import kotlinx.coroutines.async
import kotlinx.coroutines.delay
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.withTimeoutOrNull
import kotlinx.coroutines.TimeoutCancellationException
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.time.Instant
import java.util.concurrent.CountDownLatch
import java.util.concurrent.TimeUnit
import java.util.concurrent.atomic.AtomicReference

class ApiTests(private val sim: Simulator, private val t: Tests) {
    private fun config(maxRetries: UInt = 2u) = ClientConfig(
        assistantName = sim.assistantName, baseUrl = sim.baseUrl, bearerToken = sim.token, maxRetries = maxRetries,
    )

    private fun client(maxRetries: UInt = 2u) = Client(config(maxRetries))

    private fun fast(deadlineMs: Long = 10_000) = WaitOptions(
        initialInterval = Duration.ofMillis(20), maxInterval = Duration.ofMillis(60), deadline = Duration.ofMillis(deadlineMs),
    )

    private fun test(name: String, block: (Client) -> Unit) = t.run("api/$name") {
        sim.reset()
        client().use(block)
    }

    fun runAll() {
        test("client_config_is_validated_by_the_core") { c ->
            assertEq(sim.baseUrl, c.baseUrl(), "baseUrl")
            assertTrue(c.userAgent().contains("uniffi/${sdkVersion()}")) { "user agent ${c.userAgent()}" }
            val none = expectError { Client(ClientConfig(assistantName = "a", baseUrl = sim.baseUrl)) }
            assertTrue(none is MoveworksException.InvalidArgument) { "$none" }
            assertEq("token", none.details.argument, "argument")
            val http = expectError {
                Client(ClientConfig(assistantName = "a", baseUrl = "http://example.com/rest", bearerToken = sim.token))
            }
            assertEq("base_url", http.details.argument, "argument")
            val half = expectError { Client(ClientConfig(assistantName = "a", baseUrl = sim.baseUrl, clientId = "id")) }
            assertEq("client_secret", half.details.argument, "argument")
            // The core's credential rule: a token with client credentials is refused, never resolved silently.
            val both = expectError {
                Client(ClientConfig(assistantName = "a", baseUrl = sim.baseUrl, bearerToken = sim.token,
                    clientId = sim.clientId, clientSecret = sim.clientSecret))
            }
            assertEq("token/client_credentials", both.details.argument, "argument")
            val badSuffix = expectError {
                Client(ClientConfig(assistantName = "a", baseUrl = sim.baseUrl, bearerToken = sim.token,
                    userAgentSuffix = "x\r\nX-Evil: 1"))
            }
            assertEq("user_agent_suffix", badSuffix.details.argument, "argument")
            val zero = expectError { c.withOptions(RequestOptions(deadline = Duration.ZERO)) }
            assertEq("deadline", zero.details.argument, "argument")
            assertEq(0, sim.requests().size, "requests sent")
        }

        test("every_option_reaches_the_core") { _ ->
            val c = Client(ClientConfig(
                assistantName = sim.assistantName, baseUrl = sim.baseUrl, bearerToken = sim.token,
                connectTimeout = Duration.ofSeconds(2), timeout = Duration.ofMillis(5500), deadline = Duration.ofSeconds(20),
                maxRetries = 0u, allowInsecureHttp = false, maxIdleConnections = 4uL, maxResponseBytes = 1uL shl 20,
                userAgentSuffix = "kotlin-app/1.0",
            ))
            c.use {
                assertTrue(it.userAgent().endsWith(") kotlin-app/1.0")) { it.userAgent() }
                it.createConversation("ua")
            }
            val sent = sim.requests().filter { it["method"] == "POST" }.map { it["user_agent"] as String }
            assertTrue(sent.size == 1 && sent[0].endsWith(" kotlin-app/1.0")) { "$sent" }
            // max_response_bytes reached the core: a 1-byte cap refuses any body.
            val tiny = Client(ClientConfig(assistantName = sim.assistantName, baseUrl = sim.baseUrl, bearerToken = sim.token,
                maxRetries = 0u, maxResponseBytes = 1uL))
            val capped = tiny.use { t -> expectError { t.createConversation("too big") } }
            assertTrue(capped is MoveworksException.Decode) { "$capped" }
        }

        test("conversation_crud_and_timestamps") { c ->
            val before = Instant.now().minusSeconds(3600)
            val conv = c.createConversation("Kotlin")
            assertTrue(conv.conversationId.startsWith("conv_")) { conv.conversationId }
            assertEq("Kotlin", conv.title, "title")
            assertEq(false, conv.archived, "archived")
            assertTrue(conv.createdAt.isAfter(before) && !conv.updatedAt.isBefore(conv.createdAt)) { "$conv" }
            // Two fetches of one conversation are equal once their request ids are cleared
            // (a generated data class compares every field, requestId included).
            val fetched = c.getConversation(conv.conversationId)
            assertEq(conv.copy(requestId = null, httpHeaders = null), fetched.copy(requestId = null, httpHeaders = null), "get")
            assertTrue(fetched.requestId != null && fetched.requestId != conv.requestId) { "request ids ${conv.requestId} ${fetched.requestId}" }
            val untitled = c.createConversation(null)
            assertEq(null, untitled.title, "untitled title")
            val renamed = c.updateConversation(conv.conversationId, ConversationUpdate(title = "Renamed ☕"))
            assertEq("Renamed ☕", renamed.title, "title")
            val archived = c.updateConversation(conv.conversationId, ConversationUpdate(archived = true))
            assertEq(true, archived.archived, "archived")
            assertTrue(archived.updatedAt.isAfter(conv.updatedAt)) { "updatedAt must move" }
            val page = c.listConversations(ListConversationsParams(archived = true))
            assertEq(listOf(conv.conversationId), page.conversations.map { it.conversationId }, "archived list")
            assertEq(null, page.nextCursor, "nextCursor")
            val json = Json.parse(archived.toJson()) as Map<*, *>
            assertEq(archived.conversationId, json["conversation_id"], "json id")
            val empty = expectError { c.updateConversation(conv.conversationId, ConversationUpdate()) }
            assertEq("update", empty.details.argument, "argument")
        }

        test("pagination_pages_and_iterators") { c ->
            val titles = listOf("one", "two", "three", "four", "five")
            titles.forEach { c.createConversation(it) }
            val first = c.listConversations(ListConversationsParams(limit = 2u))
            assertEq(listOf("five", "four"), first.conversations.map { it.title }, "page 1")
            val second = c.listConversations(ListConversationsParams(limit = 2u, cursor = first.nextCursor))
            assertEq(listOf("three", "two"), second.conversations.map { it.title }, "page 2")
            c.iterConversations(ListConversationsParams(limit = 2u)).use { it ->
                val sizes = generateSequence { it.nextPage() }.map { p -> p.conversations.size to (p.nextCursor != null) }.toList()
                assertEq(listOf(2 to true, 2 to true, 1 to false), sizes, "pages")
                assertTrue(it.isExhausted()) { "exhausted" }
                assertEq(null, it.next(), "next after the end")
            }
            val all = c.iterConversations(ListConversationsParams(limit = 2u)).use { it.asSequence().map { x -> x.title }.toList() }
            assertEq(titles.reversed(), all, "iterated")
            val bad = expectError { c.iterConversations(ListConversationsParams(limit = 0u)).use { it.next() } }
            assertEq("limit", bad.details.argument, "argument")
        }

        test("errors_carry_kind_status_code_request_id") { c ->
            try {
                c.getConversation("conv_missing")
                throw AssertionFailed("no error")
            } catch (e: MoveworksException.NotFound) {
                assertEq("not_found", e.kind, "kind")
                assertEq(404.toUShort(), e.details.status, "status")
                assertEq("NOT_FOUND", e.details.code, "code")
                assertEq(false, e.details.isTransient, "transient")
                val logged = sim.requests().last()["root_uuid"]
                assertTrue(logged != null && e.details.requestId == logged) { "request id ${e.details.requestId} vs $logged" }
                assertTrue(e.message.contains("not_found")) { "message ${e.message}" }
            }
            val invalid = expectError { c.getConversation("a/b") }
            assertTrue(invalid is MoveworksException.InvalidArgument) { "$invalid" }
            assertEq("conversation_id", invalid.details.argument, "argument")
            sim.fault(mapOf("kind" to "status", "status" to 429L, "count" to 5L, "method" to "GET", "retry_after_ms" to "1500"))
            val limited = expectError { c.withOptions(RequestOptions(maxRetries = 0u)).use { it.listConversations(ListConversationsParams()) } }
            assertTrue(limited is MoveworksException.RateLimit) { "$limited" }
            assertEq(Duration.ofMillis(1500), limited.details.retryAfter, "retryAfter")
            assertEq(true, limited.details.isTransient, "transient")
            sim.control("DELETE", "faults")
            sim.fault(mapOf("kind" to "malformed_json", "method" to "GET"))
            val decode = expectError { c.listConversations(ListConversationsParams()) }
            assertTrue(decode is MoveworksException.Decode && decode.details.bodyExcerpt != null) { "$decode" }
            val badJson = expectError { Response.fromJson("{not json") }
            assertEq("decode", badJson.kind, "kind")
            assertEq(
                listOf("invalid_argument", "connection", "timeout", "decode", "oauth", "bad_request", "authentication",
                    "permission_denied", "not_found", "rate_limit", "internal_server", "api_status", "response_failed",
                    "poll_timeout", "cancelled"),
                errorKindNames(), "kinds",
            )
        }

        test("oauth_client_credentials") { _ ->
            Client(ClientConfig(assistantName = sim.assistantName, baseUrl = sim.baseUrl, tokenUrl = sim.tokenUrl,
                clientId = sim.clientId, clientSecret = sim.clientSecret)).use { c ->
                c.createConversation("oauth")
                assertEq(1, sim.requests().count { (it["path"] as String).contains("/oauth/v1/token") }, "token requests")
            }
            val bad = expectError {
                Client(ClientConfig(assistantName = sim.assistantName, baseUrl = sim.baseUrl, tokenUrl = sim.tokenUrl,
                    clientId = sim.clientId, clientSecret = "wrong")).use { it.listConversations(ListConversationsParams()) }
            }
            assertTrue(bad is MoveworksException.OAuth) { "$bad" }
        }

        test("wait_fires_callback_on_each_change") { c ->
            sim.config(mapOf("response_duration_ms" to 1500L))
            val conv = c.createConversation("poll")
            val created = c.createResponse(conv.conversationId, "Who does John Doe report to?")
            assertEq(ResponseStatus.Created, created.status, "status")
            val seen = ArrayList<Response>()
            val done = c.waitForResponse(conv.conversationId, created.responseId, fast(), null,
                responseUpdateListener { seen.add(it); true })
            assertEq(ResponseStatus.Completed, done.status, "status")
            assertTrue(done.completedAt != null && done.isTerminal()) { "$done" }
            assertEq(ResponseStatus.Completed, seen.last().status, "last update")
            seen.zipWithNext().forEach { (a, b) -> assertTrue(a.status != b.status || a.outputs != b.outputs) { "update without change" } }
            assertTrue(seen.any { it.status == ResponseStatus.InProgress }) { "no IN_PROGRESS update: ${seen.map { it.status }}" }
            val text = done.assistantText()
            assertTrue(text != null && text.contains("John Doe")) { "text $text" }
            val msg = done.assistantMessages().single()
            assertEq(Actor.Assistant, msg.actor, "actor")
            assertEq(text, msg.text(), "message text")
            assertTrue(msg.textWithCitationMarkers().contains("[1]")) { "markers" }
            assertTrue(done.outputs.any { it is OutputItem.ReasoningMessage }) { "reasoning output" }
            // requestId is not in the wire JSON: a round trip drops it.
            assertEq(done.copy(requestId = null, httpHeaders = null), Response.fromJson(done.toJson()), "json round trip")
            assertEq(done.copy(requestId = null, httpHeaders = null), c.getResponse(conv.conversationId, created.responseId).copy(requestId = null, httpHeaders = null), "get_response")
        }

        test("listener_returning_false_cancels") { c ->
            sim.config(mapOf("response_duration_ms" to 30_000L))
            val conv = c.createConversation("stop")
            val e = expectError { c.createResponseAndWait(conv.conversationId, "hi", fast(20_000), null, responseUpdateListener { false }) }
            assertTrue(e is MoveworksException.Cancelled) { "$e" }
        }

        test("cancel_handle_stops_a_blocking_wait_from_another_thread") { c ->
            sim.config(mapOf("response_duration_ms" to 30_000L))
            val conv = c.createConversation("cancel")
            val cancel = CancelHandle()
            val firstUpdate = CountDownLatch(1)
            val outcome = AtomicReference<Any?>()
            val waiter = Thread {
                outcome.set(try {
                    c.createResponseAndWait(conv.conversationId, "slow", fast(20_000), cancel, responseUpdateListener { firstUpdate.countDown(); true })
                } catch (e: MoveworksException) { e })
            }
            waiter.start()
            assertTrue(firstUpdate.await(15, TimeUnit.SECONDS)) { "no update" }
            assertEq(false, cancel.isCancelled(), "cancelled before")
            cancel.cancel()
            waiter.join(15_000)
            assertTrue(!waiter.isAlive) { "wait did not stop" }
            assertTrue(outcome.get() is MoveworksException.Cancelled) { "outcome ${outcome.get()}" }
            assertEq(true, cancel.isCancelled(), "cancelled after")
        }

        test("failed_and_timed_out_responses") { c ->
            sim.config(mapOf("response_duration_ms" to 120L))
            val conv = c.createConversation("fail")
            val failed = expectError { c.createResponseAndWait(conv.conversationId, "[fail] break", fast(), null, null) }
            assertTrue(failed is MoveworksException.ResponseFailed) { "$failed" }
            assertEq(ResponseStatus.Failed, failed.details.response?.status, "response status")
            assertEq(failed.details.response?.responseId, failed.details.responseId, "response id")
            sim.config(mapOf("response_duration_ms" to 30_000L))
            val slow = expectError { c.createResponseAndWait(conv.conversationId, "slow", fast(300), null, null) }
            assertTrue(slow is MoveworksException.PollTimeout) { "$slow" }
            assertTrue(slow.details.response != null && !slow.details.response!!.isTerminal()) { "$slow" }
            val bad = expectError { c.waitForResponse(conv.conversationId, "resp_x", WaitOptions(backoffFactor = 0.5), null, null) }
            assertEq("backoff_factor", bad.details.argument, "argument")
        }

        test("unknown_server_values_map_to_unknown_variants") { c ->
            sim.config(mapOf("response_duration_ms" to 3000L))
            val conv = c.createConversation("new")
            val statuses = ArrayList<ResponseStatus>()
            val done = c.createResponseAndWait(conv.conversationId, "[unknown] what is new?", fast(),
                null, responseUpdateListener { statuses.add(it.status); true })
            assertEq(ResponseStatus.Completed, done.status, "status")
            assertTrue(statuses.contains(ResponseStatus.Unknown(raw = "THINKING"))) { "statuses $statuses" }
            assertEq("THINKING", ResponseStatus.Unknown(raw = "THINKING").wireName(), "wire name")
            val unknownOut = done.outputs.filterIsInstance<OutputItem.Unknown>().single()
            assertEq("TOOL_CALL", unknownOut.typeName, "output type")
            assertEq("TOOL_CALL", (Json.parse(unknownOut.rawJson) as Map<*, *>)["type"], "raw json type")
            val reasoning = done.outputs.filterIsInstance<OutputItem.ReasoningMessage>().first().reasoningMessage
            val content = reasoning.content
            assertTrue(content is Content.Unknown && content.typeName == "HTML_TEXT") { "$content" }
            val wire = Json.parse(done.toJson()) as Map<*, *>
            assertTrue((wire["outputs"] as List<*>).any { (it as Map<*, *>)["type"] == "TOOL_CALL" }) { "unknown output kept" }
            // The events feed holds system-initiated messages only: one known, one of a type this SDK does not know.
            sim.injectEvent(mapOf("conversation_id" to conv.conversationId, "text" to "Your laptop shipped.", "kind" to "async_response"))
            sim.injectEvent(mapOf("conversation_id" to conv.conversationId, "text" to "Maintenance tonight.", "event_type" to "NOTIFICATION_EVENT"))
            val events = c.iterEvents(ListEventsParams()).use { it.asSequence().toList() }
            assertEq(2, events.size, "events")
            assertTrue(events[0].payload is EventPayload.Message) { "message event ${events[0]}" }
            val notice = events.map { it.payload }.filterIsInstance<EventPayload.Unknown>().single()
            assertEq("NOTIFICATION_EVENT", notice.typeName, "event type")
            assertTrue(events[1].toJson().contains("Maintenance tonight.")) { "unknown payload kept: ${events[1].toJson()}" }
        }

        test("events_list_filters") { c ->
            sim.config(mapOf("response_duration_ms" to 120L))
            val a = c.createConversation("a")
            val b = c.createConversation("b")
            // An ordinary answer is not an event: only the injected system-initiated messages are.
            c.createResponseAndWait(a.conversationId, "first", fast(), null, null)
            assertEq(0, c.listEvents(ListEventsParams()).events.size, "answers are not events")
            sim.injectEvent(mapOf("conversation_id" to a.conversationId, "text" to "Your laptop shipped.", "kind" to "async_response"))
            sim.injectEvent(mapOf("conversation_id" to b.conversationId, "text" to "Maintenance tonight.", "kind" to "notification"))
            val all = c.listEvents(ListEventsParams())
            assertEq(listOf(a.conversationId, b.conversationId), all.events.map { it.conversationId }, "order")
            assertEq(listOf("Your laptop shipped.", "Maintenance tonight."),
                all.events.map { (it.payload as EventPayload.Message).message.text() }, "texts")
            assertEq(sim.requests().last()["root_uuid"], all.requestId, "page request id")
            val after = c.listEvents(ListEventsParams(startingAfter = all.events[0].eventId))
            assertEq(listOf(all.events[1].eventId), after.events.map { it.eventId }, "starting_after")
            val onlyB = c.listEvents(ListEventsParams(conversationId = b.conversationId))
            assertEq(listOf(b.conversationId), onlyB.events.map { it.conversationId }, "by conversation")
            val paged = c.listEvents(ListEventsParams(limit = 1u))
            assertTrue(paged.events.size == 1 && paged.nextCursor != null) { "$paged" }
            val wire = Json.parse(paged.toJson()) as Map<*, *>
            assertEq(paged.nextCursor, (wire["metadata"] as Map<*, *>)["next_cursor"], "wire cursor")
            val missing = expectError { c.listEvents(ListEventsParams(conversationId = "conv_nope")) }
            assertTrue(missing is MoveworksException.NotFound) { "$missing" }
        }

        test("retry_policy_comes_from_the_core") { c ->
            sim.fault(mapOf("kind" to "status", "status" to 503L, "count" to 2L, "method" to "GET", "retry_after_ms" to "10"))
            c.listConversations(ListConversationsParams())
            assertEq(3, sim.requests().count { it["method"] == "GET" }, "GET attempts")
            val conv = c.createConversation("post")
            sim.fault(mapOf("kind" to "status", "status" to 503L, "method" to "POST", "path_contains" to "/responses"))
            val e = expectError { c.createResponse(conv.conversationId, "hello") }
            assertTrue(e is MoveworksException.InternalServer && e.details.status == 503.toUShort()) { "$e" }
            assertEq(1, sim.requests().count { it["method"] == "POST" && (it["path"] as String).contains("/responses") }, "POST attempts")
        }

        // Issue #12 through the suspend path (the core's AsyncRuntime driver): a 503 while
        // polling stays InternalServer (an API-status error, not a connection error) and
        // ErrorDetails names the created response and the last one seen, so it can be resumed.
        test("suspend_wait_error_names_the_accepted_response") { _ ->
            sim.config(mapOf("response_duration_ms" to 300L))
            client(maxRetries = 0u).use { c ->
                runBlocking {
                    val conv = c.createConversationAsync("resume")
                    sim.fault(mapOf("kind" to "status", "status" to 503L, "method" to "GET", "path_contains" to "/responses/"))
                    val e = try {
                        c.createResponseAndWaitAsync(conv.conversationId, "who?", fast(), null, null)
                        null
                    } catch (e: MoveworksException) { e }
                    assertTrue(e is MoveworksException.InternalServer && e.isApiStatusError && !e.isConnectionError) { "$e" }
                    val id = e!!.details.responseId
                    assertTrue(!id.isNullOrEmpty()) { "no response id: ${e.details}" }
                    assertEq(id, e.details.response?.responseId, "last response seen")
                    val done = c.waitForResponseAsync(conv.conversationId, id!!, fast(), null, null)
                    assertEq(ResponseStatus.Completed, done.status, "resumed")
                    assertEq(1, sim.requests().count { it["method"] == "POST" && (it["path"] as String).contains("/responses") }, "POSTs")
                }
            }
        }

        streamingTests()
        messageTests()

        test("suspend_functions") { c ->
            sim.config(mapOf("response_duration_ms" to 1500L))
            runBlocking {
                val conv = c.createConversationAsync("async")
                assertEq(conv.copy(requestId = null, httpHeaders = null), c.getConversationAsync(conv.conversationId).copy(requestId = null, httpHeaders = null), "get")
                assertEq("x", c.updateConversationAsync(conv.conversationId, ConversationUpdate(title = "x")).title, "update")
                assertEq(1, c.listConversationsAsync(ListConversationsParams()).conversations.size, "list")
                val created = c.createResponseAsync(conv.conversationId, "async question")
                assertEq(created.responseId, c.getResponseAsync(conv.conversationId, created.responseId).responseId, "get response")
                var updates = 0
                val done = c.waitForResponseAsync(conv.conversationId, created.responseId, fast(), null, responseUpdateListener { updates++; true })
                assertTrue(done.status == ResponseStatus.Completed && updates >= 2) { "$updates updates" }
                sim.injectEvent(mapOf("conversation_id" to conv.conversationId, "text" to "Ready.", "kind" to "async_response"))
                assertEq(1, c.listEventsAsync(ListEventsParams()).events.size, "events")
                // Twenty waits in flight at once from the one runBlocking thread: only
                // possible because a suspended wait does not hold its caller's thread.
                val many = (1..20).map { i -> async { c.createResponseAndWaitAsync(conv.conversationId, "q$i", fast(), null, null) } }
                assertEq(20, many.map { it.await() }.count { it.status == ResponseStatus.Completed }, "completed")
                val missing = try { c.getConversationAsync("conv_nope"); null } catch (e: MoveworksException) { e }
                assertTrue(missing is MoveworksException.NotFound) { "$missing" }
                sim.config(mapOf("response_duration_ms" to 30_000L))
                val cancel = CancelHandle()
                val cancelled = try {
                    c.createResponseAndWaitAsync(conv.conversationId, "slow", fast(20_000), cancel, responseUpdateListener { cancel.cancel(); true })
                    null
                } catch (e: MoveworksException) { e }
                assertTrue(cancelled is MoveworksException.Cancelled) { "$cancelled" }
                // Cancelling the coroutine itself drops the Rust future mid-wait.
                val timedOut = try {
                    withTimeout(300) { c.createResponseAndWaitAsync(conv.conversationId, "slow", fast(20_000), null, null) }
                    null
                } catch (e: TimeoutCancellationException) { e }
                assertTrue(timedOut != null) { "the coroutine was not cancelled" }
            }
        }
    }

    private fun streamFast(idleMs: Long = 30_000) = StreamOptions(
        idleTimeout = Duration.ofMillis(idleMs), initialInterval = Duration.ofMillis(20),
        maxInterval = Duration.ofMillis(60), deadline = Duration.ofMillis(10_000),
    )

    private fun posts() = sim.requests().count { it["method"] == "POST" && (it["path"] as String).contains("/responses") }

    private fun openFds(): Int = java.io.File("/proc/self/fd").list()!!.size

    /** The root uuid the simulator logged for the newest request matching [method] and [pathPart]. */
    private fun loggedRootUuid(method: String, pathPart: String): Any? =
        sim.requests().last { it["method"] == method && (it["path"] as String).contains(pathPart) }["root_uuid"]

    private fun messageTests() {
        test("messages_newest_first_with_paging_and_request_ids") { c ->
            sim.config(mapOf("response_duration_ms" to 120L))
            val conv = c.createConversation("messages")
            val r1 = c.createResponseAndWait(conv.conversationId, "first question", fast(), null, null)
            val r2 = c.createResponseAndWait(conv.conversationId, "second question", fast(), null, null)
            val all = c.listMessages(ListMessagesParams(conversationId = conv.conversationId))
            assertEq(sim.requests().last()["root_uuid"], all.requestId, "page request id")
            assertEq(listOf(Actor.Assistant, Actor.User, Actor.Assistant, Actor.User), all.messages.map { it.actor }, "actors")
            assertEq(listOf(r2.responseId, r2.responseId, r1.responseId, r1.responseId), all.messages.map { it.responseId }, "newest first")
            assertEq("first question", all.messages[3].text(), "user text")
            assertEq(r2.assistantMessages().single().messageId, all.messages[0].messageId, "assistant message id")
            // Only the assistant's messages can be rated; each offers one callback id per rating.
            val feedback = all.messages[0].feedback!!
            assertTrue(feedback.helpful!!.callbackId.isNotEmpty() && feedback.unhelpful!!.callbackId != feedback.helpful!!.callbackId) { "$feedback" }
            assertEq(null, all.messages[1].feedback, "a user message has no feedback")
            assertEq(null, all.nextCursor, "one page")
            assertTrue(all.toJson().contains("\"callback_id\"")) { all.toJson() }
            // Paging by cursor.
            val p1 = c.listMessages(ListMessagesParams(conversationId = conv.conversationId, limit = 3u))
            assertEq(all.messages.take(3).map { it.messageId }, p1.messages.map { it.messageId }, "page 1")
            val p2 = c.listMessages(ListMessagesParams(conversationId = conv.conversationId, limit = 3u, cursor = p1.nextCursor))
            assertEq(listOf(all.messages[3].messageId), p2.messages.map { it.messageId }, "page 2")
            assertEq(null, p2.nextCursor, "last page")
            // The iterator follows the cursors; its pages carry their own request ids.
            c.iterMessages(ListMessagesParams(conversationId = conv.conversationId, limit = 1u)).use { it ->
                val first = it.nextPage()!!
                assertEq(loggedRootUuid("GET", "/messages"), first.requestId, "iterated page request id")
                assertEq(listOf(all.messages[0].messageId), first.messages.map { m -> m.messageId }, "first page")
                assertEq(all.messages.drop(1).map { m -> m.messageId }, it.asSequence().map { m -> m.messageId }.toList(), "the rest")
                assertTrue(it.isExhausted()) { "exhausted" }
            }
            val iterated = c.iterMessages(ListMessagesParams(conversationId = conv.conversationId, limit = 2u))
                .use { it.asSequence().toList() }
            // Messages carry no request id, so two fetches compare equal as they are.
            assertEq(all.messages, iterated, "iterated")
            runBlocking {
                val page = c.listMessagesAsync(ListMessagesParams(conversationId = conv.conversationId, limit = 2u))
                assertEq(all.messages.take(2), page.messages, "suspend list")
                assertEq(loggedRootUuid("GET", "/messages"), page.requestId, "suspend request id")
            }
            val bad = expectError { c.listMessages(ListMessagesParams(conversationId = conv.conversationId, limit = 101u)) }
            assertEq("limit", bad.details.argument, "argument")
            val missing = expectError { c.iterMessages(ListMessagesParams(conversationId = "conv_nope")).use { it.next() } }
            assertTrue(missing is MoveworksException.NotFound) { "$missing" }
        }

        test("response_messages") { c ->
            sim.config(mapOf("response_duration_ms" to 120L))
            val conv = c.createConversation("response messages")
            val r1 = c.createResponseAndWait(conv.conversationId, "first question", fast(), null, null)
            c.createResponseAndWait(conv.conversationId, "second question", fast(), null, null)
            val page = c.listResponseMessages(ListResponseMessagesParams(conversationId = conv.conversationId, responseId = r1.responseId))
            assertEq(sim.requests().last()["root_uuid"], page.requestId, "request id")
            assertEq(listOf(Actor.Assistant, Actor.User), page.messages.map { it.actor }, "actors")
            assertTrue(page.messages.all { it.responseId == r1.responseId }) { "other response's messages" }
            assertEq(r1.assistantMessages().single(), page.messages[0], "the answer")
            assertEq("first question", page.messages[1].text(), "the input")
            val iterated = c.iterResponseMessages(ListResponseMessagesParams(conversationId = conv.conversationId, responseId = r1.responseId))
                .use { it.asSequence().toList() }
            assertEq(page.messages, iterated, "iterated")
            val viaSuspend = runBlocking {
                c.listResponseMessagesAsync(ListResponseMessagesParams(conversationId = conv.conversationId, responseId = r1.responseId))
            }
            assertEq(page.copy(requestId = null, httpHeaders = null), viaSuspend.copy(requestId = null, httpHeaders = null), "suspend")
            val missing = expectError {
                c.listResponseMessages(ListResponseMessagesParams(conversationId = conv.conversationId, responseId = "resp_nope"))
            }
            assertTrue(missing is MoveworksException.NotFound) { "$missing" }
        }

        test("submit_feedback_with_a_listed_callback_id") { c ->
            sim.config(mapOf("response_duration_ms" to 120L))
            val conv = c.createConversation("feedback")
            c.createResponseAndWait(conv.conversationId, "How do I reset my password?", fast(), null, null)
            val answer = c.listMessages(ListMessagesParams(conversationId = conv.conversationId)).messages
                .first { it.actor == Actor.Assistant }
            val helpful = answer.feedback!!.helpful!!.callbackId
            val result = c.submitFeedback(conv.conversationId, answer.responseId, answer.messageId, helpful, "Clear — merci ✓")
            assertEq(FeedbackStatus.Submitted, result.status, "status")
            assertEq("SUBMITTED", result.status.wireName(), "wire name")
            assertEq(loggedRootUuid("POST", "/feedback"), result.requestId, "request id")
            assertEq("{\"status\":\"SUBMITTED\"}", result.toJson(), "json")
            // The default leaves additional_feedback out; the suspend form rates unhelpful.
            c.submitFeedback(conv.conversationId, answer.responseId, answer.messageId, answer.feedback!!.unhelpful!!.callbackId)
            val again = runBlocking {
                c.submitFeedbackAsync(conv.conversationId, answer.responseId, answer.messageId, helpful, null)
            }
            assertEq(FeedbackStatus.Submitted, again.status, "suspend status")
            val accepted = sim.feedback()
            assertEq(listOf("helpful", "unhelpful", "helpful"), accepted.map { it["rating"] }, "ratings")
            assertEq(listOf(helpful, answer.feedback!!.unhelpful!!.callbackId, helpful), accepted.map { it["callback_id"] }, "callback ids")
            assertEq(listOf("Clear — merci ✓", null, null), accepted.map { it["additional_feedback"] }, "texts")
            assertTrue(accepted.all { it["message_id"] == answer.messageId && it["response_id"] == answer.responseId }) { "$accepted" }
        }

        test("feedback_with_a_foreign_callback_id_is_a_bad_request") { c ->
            sim.config(mapOf("response_duration_ms" to 120L))
            val conv = c.createConversation("foreign")
            val a = c.createResponseAndWait(conv.conversationId, "first", fast(), null, null).assistantMessages().single()
            val b = c.createResponseAndWait(conv.conversationId, "second", fast(), null, null).assistantMessages().single()
            val e = expectError { c.submitFeedback(conv.conversationId, a.responseId, a.messageId, b.feedback!!.helpful!!.callbackId) }
            assertTrue(e is MoveworksException.BadRequest && e.isApiStatusError) { "$e" }
            assertEq(400.toUShort(), e.details.status, "status")
            assertEq("INVALID_REQUEST", e.details.code, "code")
            assertEq(loggedRootUuid("POST", "/feedback"), e.details.requestId, "request id")
            assertEq(1, sim.requests().count { it["method"] == "POST" && (it["path"] as String).contains("/feedback") }, "POSTs (never retried)")
            assertEq(0, sim.feedback().size, "nothing accepted")
        }

        test("feedback_too_long_or_empty_callback_id_sends_nothing") { c ->
            val tooLong = "é".repeat(1001)
            val e = expectError { c.submitFeedback("conv_x", "resp_x", "msg_x", "cb", tooLong) }
            assertTrue(e is MoveworksException.InvalidArgument) { "$e" }
            assertEq("additional_feedback", e.details.argument, "argument")
            val empty = expectError { c.submitFeedback("conv_x", "resp_x", "msg_x", "") }
            assertEq("callback_id", empty.details.argument, "argument")
            val viaSuspend = runBlocking {
                try { c.submitFeedbackAsync("conv_x", "resp_x", "msg_x", "cb", tooLong); null } catch (e: MoveworksException) { e }
            }
            assertTrue(viaSuspend is MoveworksException.InvalidArgument && viaSuspend.details.argument == "additional_feedback") { "$viaSuspend" }
            assertEq(0, sim.requests().size, "requests sent")
            // 1,000 characters (2,000 bytes) is allowed: the request goes out (and the unknown ids are 404).
            val atLimit = expectError { c.submitFeedback("conv_x", "resp_x", "msg_x", "cb", "é".repeat(1000)) }
            assertTrue(atLimit is MoveworksException.NotFound) { "$atLimit" }
        }

        test("readme_messages_example_runs") { c ->
            sim.config(mapOf("response_duration_ms" to 100L))
            val conv = c.createConversation("readme")
            c.createResponseAndWait(conv.conversationId, "Who does John Doe report to?", fast(), null, null)
            readmeMessagesExample(c, conv.conversationId)
            val accepted = sim.feedback().single()
            assertEq("helpful", accepted["rating"], "rating")
            assertEq("Exactly what I needed", accepted["additional_feedback"], "text")
        }

        test("events_are_system_initiated_messages") { c ->
            sim.config(mapOf("response_duration_ms" to 120L))
            val conv = c.createConversation("events")
            c.createResponseAndWait(conv.conversationId, "an ordinary question", fast(), null, null)
            assertEq(0, c.iterEvents(ListEventsParams()).use { it.asSequence().count() }, "answers are not events")
            val injected = sim.injectEvent(mapOf("conversation_id" to conv.conversationId, "text" to "Your laptop shipped.",
                "kind" to "async_response")) as Map<*, *>
            val page = c.listEvents(ListEventsParams(conversationId = conv.conversationId))
            assertEq(listOf(injected["event_id"]), page.events.map { it.eventId }, "the injected event")
            val message = (page.events.single().payload as EventPayload.Message).message
            assertEq("Your laptop shipped.", message.text(), "text")
            // An asynchronous answer is a response of its own: its messages list and rate like any other.
            val listed = c.listResponseMessages(ListResponseMessagesParams(conversationId = conv.conversationId, responseId = message.responseId))
            assertEq(message.messageId, listed.messages.first().messageId, "listed")
            val callback = listed.messages.first().feedback!!.helpful!!.callbackId
            assertEq(FeedbackStatus.Submitted, c.submitFeedback(conv.conversationId, message.responseId, message.messageId, callback).status, "rated")
        }
    }

    private fun streamingTests() {
        test("stream_iterator_events_in_order_end_with_the_polled_response") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("stream")
            val events = ArrayList<StreamEvent>()
            var ids: Pair<String?, String?> = null to null
            c.streamResponse(conv.conversationId, "Who does John Doe report to?", streamFast(), null).use { stream ->
                for (event in stream) events += event
                ids = stream.responseId() to stream.requestId()
            }
            assertTrue(events.first() is StreamEvent.ResponseCreated) { "first ${events.first()}" }
            assertTrue(events.any { it is StreamEvent.ResponseOutputDelta }) { "no delta: ${events.map { it.eventName }}" }
            val delta = events.first { it is StreamEvent.ResponseOutputDelta } as StreamEvent.ResponseOutputDelta
            assertEq("RESPONSE_OUTPUT_DELTA", delta.eventName, "event name")
            assertTrue(delta.toJson().startsWith("{\"event\":\"RESPONSE_OUTPUT_DELTA\",\"sequence_number\":")) { delta.toJson() }
            val last = events.last() as StreamEvent.ResponseCompleted
            assertEq(ResponseStatus.Completed, last.status, "status")
            val response = last.response!!
            assertEq(c.getResponse(conv.conversationId, response.responseId).copy(requestId = null, httpHeaders = null), response.copy(requestId = null, httpHeaders = null),
                "final response vs get_response")
            assertEq(response.responseId, ids.first, "responseId()")
            assertTrue(!ids.second.isNullOrEmpty()) { "no request id" }
            assertEq(ids.second, response.requestId, "the final response carries the stream's request id")
            assertEq(1, posts(), "POSTs")
        }

        test("stream_published_names_with_increasing_sequence_numbers") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("published")
            val events = runBlocking { c.streamResponseFlow(conv.conversationId, "Who does John Doe report to?", streamFast()).toList() }
            val names = events.map { it.eventName }
            assertTrue(names.all { it in StreamEvent.KNOWN }) { "names outside ${StreamEvent.KNOWN}: $names" }
            assertEq(listOf("RESPONSE_CREATED", "RESPONSE_IN_PROGRESS", "RESPONSE_OUTPUT_DELTA", "RESPONSE_COMPLETED", "RESPONSE_FAILED", "ERROR"),
                StreamEvent.KNOWN, "KNOWN")
            assertEq("RESPONSE_CREATED", names.first(), "first")
            assertEq("RESPONSE_COMPLETED", names.last(), "last")
            assertTrue("RESPONSE_OUTPUT_DELTA" in names) { "no delta: $names" }
            // Every event of an unbroken stream is numbered, strictly increasing.
            val numbers = events.map { it.sequenceNumber }
            assertTrue(numbers.all { it != null }) { "unnumbered events: $numbers" }
            assertTrue(numbers.zipWithNext().all { (a, b) -> a!! < b!! }) { "not increasing: $numbers" }
            val created = events.first() as StreamEvent.ResponseCreated
            assertEq(created.sequenceNumber, (created as StreamEvent).sequenceNumber, "member and extension agree")
            assertTrue(created.toJson().contains("\"sequence_number\":${created.sequenceNumber}")) { created.toJson() }
            created.response?.let { assertEq(created.responseId, it.responseId, "created carries its response") }
            val last = events.last() as StreamEvent.ResponseCompleted
            assertEq(last.response, (events.last() as StreamEvent).response, "response() of the completed event")
            assertEq(null, (events.first { it is StreamEvent.ResponseOutputDelta } as StreamEvent).response, "a delta carries no response")
            assertTrue(last.response!!.assistantText()!!.contains("John Doe")) { "answer" }
            assertEq(1, posts(), "POSTs")
        }

        test("stream_response_failed_event_then_the_response_failed_error") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("failed")
            sim.fault(mapOf("kind" to "response_failed"))
            val events = ArrayList<StreamEvent>()
            val e = expectError {
                c.streamResponse(conv.conversationId, "hi", streamFast(), null).use { for (event in it) events += event }
            }
            val failed = events.last()
            assertTrue(failed is StreamEvent.ResponseFailed) { "last ${events.map { it.eventName }}" }
            failed as StreamEvent.ResponseFailed
            assertEq("RESPONSE_FAILED", failed.eventName, "name")
            assertTrue(e is MoveworksException.ResponseFailed) { "$e" }
            assertEq("response_failed", e.kind, "kind")
            assertEq(failed.responseId ?: failed.response?.responseId, e.details.responseId, "the error names the response")
            assertTrue(failed.response?.status == ResponseStatus.Failed) { "failed response ${failed.response}" }
            assertEq(1, posts(), "POSTs")
        }

        test("stream_error_event_mid_stream_then_completed_by_polling") { c ->
            sim.config(mapOf("response_duration_ms" to 300L))
            val conv = c.createConversation("error")
            sim.fault(mapOf("kind" to "stream_error", "after_events" to 2L, "code" to "INTERNAL_ERROR", "message" to "upstream model unavailable"))
            val events = runBlocking { c.streamResponseFlow(conv.conversationId, "Who does John Doe report to?", streamFast()).toList() }
            val error = events.filterIsInstance<StreamEvent.Error>().single()
            assertEq("ERROR", error.eventName, "name")
            assertEq("INTERNAL_ERROR", error.code, "code")
            assertEq("upstream model unavailable", error.message, "message")
            assertTrue(error.toJson().contains("\"error\":{")) { error.toJson() }
            val last = events.last() as StreamEvent.ResponseCompleted
            assertEq(ResponseStatus.Completed, last.status, "status")
            assertEq(c.getResponse(conv.conversationId, last.response!!.responseId).copy(requestId = null, httpHeaders = null),
                last.response.copy(requestId = null, httpHeaders = null), "final response")
            // Deltas made from polling carry no sequence number.
            val after = events.dropWhile { it !is StreamEvent.Error }.filterIsInstance<StreamEvent.ResponseOutputDelta>()
            assertTrue(after.all { it.sequenceNumber == null }) { "polled deltas: ${after.map { it.sequenceNumber }}" }
            assertEq(1, posts(), "POSTs")
        }

        test("stream_handoff_completes_without_outputs") { c ->
            sim.config(mapOf("response_duration_ms" to 100L))
            val conv = c.createConversation("handoff")
            sim.fault(mapOf("kind" to "handoff"))
            val events = runBlocking { c.streamResponseFlow(conv.conversationId, "I need a human", streamFast()).toList() }
            assertEq(listOf("RESPONSE_CREATED", "RESPONSE_COMPLETED"), events.map { it.eventName }, "events")
            val done = (events.last() as StreamEvent.ResponseCompleted).response!!
            assertEq(ResponseStatus.Completed, done.status, "status")
            assertEq(0, done.outputs.size, "outputs")
            assertEq(null, done.assistantText(), "no answer")
        }

        test("citation_markers_from_content_references_sharing_an_offset") { c ->
            sim.config(mapOf("response_duration_ms" to 100L))
            val conv = c.createConversation("citations")
            @Suppress("UNCHECKED_CAST")
            val fault = Json.parse(RAW_CITED_MESSAGE_FAULT) as Map<String, Any?>
            sim.fault(fault)
            val polled = c.createResponseAndWait(conv.conversationId, "Who does John Doe report to?", fast(), null, null)
            sim.fault(fault)
            val streamed = runBlocking {
                (c.streamResponseFlow(conv.conversationId, "Who does John Doe report to?", streamFast()).toList().last()
                    as StreamEvent.ResponseCompleted).response!!
            }
            for ((how, r) in listOf("polled" to polled, "streamed" to streamed)) {
                val msg = r.assistantMessages().single()
                assertEq("John Doe \uD83D\uDCD8 reports to Jane Roe.", msg.text(), "$how text")
                assertEq("John Doe[1][2] \uD83D\uDCD8 reports to Jane Roe.[3]", msg.textWithCitationMarkers(), "$how markers")
                assertEq(listOf("cite_3kTq9", "cite_8Hh2p", "cite_Z1m0w"), msg.citations.map { it.citationId }, "$how citation ids")
                assertTrue(msg.citations.all { it.offset == null }) { "$how: no deprecated offsets" }
                assertEq(listOf(8uL, 8uL, 8uL, 31uL), msg.contentReferences.map { it.offset }, "$how reference offsets")
                assertEq(listOf(CitationAttribute("source", "Workday"), CitationAttribute("icon", "person")),
                    msg.citations[0].display!!.attributes, "$how attributes")
                assertEq(emptyList<CitationAttribute>(), msg.citations[2].display!!.attributes, "$how missing attributes")
            }
        }

        test("stream_object_response_and_finish") { c ->
            sim.config(mapOf("response_duration_ms" to 100L))
            val conv = c.createConversation("stream")
            c.streamResponse(conv.conversationId, "hi", streamFast(), null).use { stream ->
                assertEq(null, stream.response(), "response before the end")
                assertTrue(!stream.isFinished()) { "finished before reading" }
                val done = stream.finish()
                assertEq(ResponseStatus.Completed, done.status, "finish")
                assertEq(done, stream.response(), "response()")
                assertEq(done, stream.finish(), "finish again")
                assertEq(null, stream.next(), "next after the end")
            }
        }

        test("stream_flow_collects_to_the_final_response") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("flow")
            val events = runBlocking { c.streamResponseFlow(conv.conversationId, "Who does John Doe report to?", streamFast()).toList() }
            assertEq("RESPONSE_CREATED", events.first().eventName, "first")
            val last = events.last() as StreamEvent.ResponseCompleted
            assertEq(c.getResponse(conv.conversationId, last.response!!.responseId).copy(requestId = null, httpHeaders = null),
                last.response.copy(requestId = null, httpHeaders = null), "final response")
            assertEq(1, posts(), "POSTs")
        }

        test("stream_drop_mid_stream_is_finished_by_polling_with_one_post") { c ->
            sim.config(mapOf("response_duration_ms" to 300L))
            val conv = c.createConversation("drop")
            sim.fault(mapOf("kind" to "stream_drop", "after_events" to 2L))
            val events = runBlocking { c.streamResponseFlow(conv.conversationId, "Who does John Doe report to?", streamFast()).toList() }
            val last = events.last() as StreamEvent.ResponseCompleted
            assertEq(c.getResponse(conv.conversationId, last.response!!.responseId).copy(requestId = null, httpHeaders = null),
                last.response.copy(requestId = null, httpHeaders = null), "final response")
            assertEq(1, posts(), "POSTs")
        }

        test("stream_unknown_events_arrive_as_unknown") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("unknown")
            sim.fault(mapOf("kind" to "stream_unknown_event", "after_events" to 2L, "event" to "RESPONSE_AUDIT", "data" to "{\"x\":1}"))
            val events = c.streamResponse(conv.conversationId, "hi", streamFast(), null).use { it.asSequence().toList() }
            val unknown = events.filterIsInstance<StreamEvent.Unknown>().single()
            assertEq("RESPONSE_AUDIT", unknown.eventName, "name")
            assertEq("{\"x\":1}", unknown.data, "data")
            assertTrue(events.last() is StreamEvent.ResponseCompleted) { "last ${events.last()}" }
        }

        test("stream_cancel_during_a_stall_interrupts_the_blocked_read") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("stall")
            sim.fault(mapOf("kind" to "stream_stall", "after_events" to 1L, "ms" to 20_000L))
            c.streamResponse(conv.conversationId, "hi", streamFast(), null).use { stream ->
                assertTrue(stream.next() is StreamEvent.ResponseCreated) { "first event" }
                val timer = Thread { Thread.sleep(200); stream.cancel() }.apply { start() }
                val t0 = System.nanoTime()
                val e = expectError { stream.next() }
                val ms = (System.nanoTime() - t0) / 1_000_000
                timer.join()
                assertTrue(e is MoveworksException.Cancelled) { "$e" }
                assertEq(stream.responseId(), e.details.responseId, "error names the response")
                assertTrue(ms < 5_000) { "next() returned after $ms ms" }
                assertTrue(stream.isCancelled()) { "isCancelled" }
                assertEq(null, stream.next(), "after the error")
            }
            assertEq(1, posts(), "POSTs")
        }

        test("stream_flow_cancel_handle_and_coroutine_cancellation_during_a_stall") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("stall")
            runBlocking {
                sim.fault(mapOf("kind" to "stream_stall", "after_events" to 1L, "ms" to 20_000L))
                val handle = CancelHandle()
                launch { delay(200); handle.cancel() }
                val t0 = System.nanoTime()
                val e = try {
                    c.streamResponseFlow(conv.conversationId, "hi", streamFast(), handle).collect {}
                    null
                } catch (e: MoveworksException) { e }
                assertTrue(e is MoveworksException.Cancelled && !e.details.responseId.isNullOrEmpty()) { "$e" }
                // The Kotlin way: cancelling the collector (here a timeout) ends the blocked read promptly.
                sim.fault(mapOf("kind" to "stream_stall", "after_events" to 1L, "ms" to 20_000L))
                val seen = ArrayList<String>()
                val timedOut = withTimeoutOrNull(300) {
                    c.streamResponseFlow(conv.conversationId, "hi", streamFast()).collect { seen += it.eventName }
                }
                assertEq(null, timedOut, "withTimeoutOrNull")
                assertEq(listOf("RESPONSE_CREATED"), seen, "events before the stall")
                val ms = (System.nanoTime() - t0) / 1_000_000
                assertTrue(ms < 5_000) { "two cancelled stalls took $ms ms" }
            }
        }

        test("stream_error_before_start_is_the_typed_api_error") { c ->
            val missing = expectError { c.streamResponse("conv_00000000000000000000000000", "hi", streamFast(), null) }
            assertTrue(missing is MoveworksException.NotFound && missing.details.status?.toInt() == 404) { "$missing" }
            val conv = c.createConversation("errors")
            sim.fault(mapOf("kind" to "status", "status" to 500L, "path_contains" to "/responses/stream"))
            val e = runBlocking {
                try { c.streamResponseFlow(conv.conversationId, "hi", streamFast()).collect {}; null } catch (e: MoveworksException) { e }
            }
            assertTrue(e is MoveworksException.InternalServer && e.isApiStatusError) { "$e" }
            val zero = expectError { c.streamResponse(conv.conversationId, "hi", StreamOptions(idleTimeout = Duration.ZERO), null) }
            assertEq("idle_timeout", zero.details.argument, "argument")
            val failed = expectError {
                c.streamResponse(conv.conversationId, "[fail] please", streamFast(), null).use { it.finish() }
            }
            assertTrue(failed is MoveworksException.ResponseFailed && !failed.details.responseId.isNullOrEmpty()) { "$failed" }
        }

        test("stream_response_and_wait_with_a_listener") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("listener")
            val names = ArrayList<String>()
            val done = c.streamResponseAndWait(conv.conversationId, "hi", streamFast(), null, streamEventListener { names += it.eventName; true }, null)
            assertEq(ResponseStatus.Completed, done.status, "status")
            assertEq("RESPONSE_CREATED", names.first(), "first")
            assertEq("RESPONSE_COMPLETED", names.last(), "last")
            val stopped = expectError {
                c.streamResponseAndWait(conv.conversationId, "hi", streamFast(), null, streamEventListener { false }, null)
            }
            assertTrue(stopped is MoveworksException.Cancelled) { "$stopped" }
        }

        test("readme_streaming_example_runs") { c ->
            sim.config(mapOf("response_duration_ms" to 100L))
            val conv = c.createConversation("readme")
            readmeStreamingExample(c, conv.conversationId)
            assertEq(2, posts(), "POSTs (two turns)")
        }

        test("abandoned_streams_release_their_connections") { c ->
            // Long turns, so every stream is still open when it is abandoned.
            sim.config(mapOf("response_duration_ms" to 5_000L))
            val conv = c.createConversation("leak")
            fun abandon(i: Int) {
                when (i % 3) {
                    // break out of a for loop inside use { }
                    0 -> c.streamResponse(conv.conversationId, "q$i", streamFast(), null).use { for (e in it) break }
                    // cancel() without reading, then close
                    1 -> c.streamResponse(conv.conversationId, "q$i", streamFast(), null).use { it.cancel() }
                    // a Flow collector that stops after the first event
                    else -> runBlocking { c.streamResponseFlow(conv.conversationId, "q$i", streamFast()).first() }
                }
            }
            repeat(20) { abandon(it) }
            System.gc()
            val before = openFds()
            val t0 = System.nanoTime()
            repeat(200) { abandon(it) }
            val after = openFds()
            assertTrue(after <= before + 10) { "open fds grew from $before to $after over 200 abandoned streams" }
            assertTrue((System.nanoTime() - t0) / 1_000_000_000 < 60) { "200 abandoned streams took too long" }
        }
    }

    /** Prints the cost of a Kotlin→Rust call (informational; never asserted). */
    fun measureOverhead(): String {
        // The cheapest real call: a method on a handle, no buffers either way.
        val handle = CancelHandle()
        repeat(20_000) { handle.isCancelled() }
        val n = 200_000
        var t0 = System.nanoTime()
        for (i in 0 until n) handle.isCancelled()
        val callNs = (System.nanoTime() - t0) / n
        handle.close()
        val r = client().use { c ->
            val conv = c.createConversation("bench")
            repeat(50) { c.getConversation(conv.conversationId) }
            val m = 500
            t0 = System.nanoTime()
            repeat(m) { c.getConversation(conv.conversationId) }
            (System.nanoTime() - t0) / m
        }
        return "per-call overhead: CancelHandle.isCancelled ${callNs} ns/call; getConversation against the local simulator ${r / 1000} us/call"
    }
}

/** A `raw_message` fault: the live shape, three citations, four content references (three at offset 8). */
private const val RAW_CITED_MESSAGE_FAULT = """{"kind": "raw_message", "message": {
  "message_id": "msg_7Qz2LiveShape", "conversation_id": "conv_captured", "response_id": "resp_captured", "actor": "ASSISTANT",
  "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "John Doe \uD83D\uDCD8 reports to Jane Roe."}},
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
}}"""

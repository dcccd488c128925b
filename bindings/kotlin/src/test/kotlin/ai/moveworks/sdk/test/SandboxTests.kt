// The Sandbox as users meet it: the README's quickstart and testing examples run as
// written (test.sh compiles them from the README), an app function tested the way a
// user would (a 429 and a FAILED answer scripted through the sandbox), and every
// helper, option and the stopped state. Also prints the start-up time (not asserted).
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*
import ai.moveworks.sdk.model.*
import java.io.ByteArrayOutputStream
import java.io.PrintStream
import java.time.Duration

class SandboxTests(private val t: Tests) {
    private val fast = WaitOptions(initialInterval = Duration.ofMillis(20), maxInterval = Duration.ofMillis(60))

    private fun test(name: String, block: () -> Unit) = t.run("sandbox/$name", block)

    /** Runs [block] with System.out captured; returns what it printed. */
    private fun captured(block: () -> Unit): String {
        val saved = System.out
        val buffer = ByteArrayOutputStream()
        System.setOut(PrintStream(buffer, true, "UTF-8"))
        try {
            block()
        } finally {
            System.setOut(saved)
        }
        return buffer.toString("UTF-8")
    }

    // App code, the way an app would write it: ask one question and report what happened.
    sealed class Outcome {
        data class Answer(val text: String) : Outcome()
        data class Failed(val requestId: String?, val responseId: String?) : Outcome()
    }

    private fun askApp(client: Client, question: String): Outcome = try {
        val conversation = client.createConversation("Support")
        val response = client.createResponseAndWait(conversation.conversationId, question, fast, null, null)
        Outcome.Answer(response.assistantText() ?: "")
    } catch (e: MoveworksException.ResponseFailed) {
        Outcome.Failed(e.details.response?.requestId, e.details.responseId)
    }

    fun runAll() {
        test("readme_quickstart_runs_as_written") {
            val out = captured { ai.moveworks.sdk.readme.quickstart.main() }
            val lines = out.trim().lines()
            assertTrue(lines.any { it == "COMPLETED" }) { "no status update printed: $out" }
            assertTrue(lines.last().isNotBlank() && lines.last() != "null") { "no answer printed: $out" }
        }

        test("readme_forms_example_presses_a_button_and_submits_a_form") {
            val out = captured { ai.moveworks.sdk.readme.forms.main() }
            val lines = out.trim().lines()
            assertEq(listOf("[1] File it (CALLBACK_ACTION)", "[2] Edit details (MODAL_ACTION)", "[3] Open portal (URL_ACTION)"),
                lines.filter { it.startsWith("[") }, "buttons printed")
            assertTrue(lines.any { it.startsWith("Filed ticket INC") }) { "no answer to the press: $out" }
            assertTrue(lines.any { it == "form: :memo: New laptop request" }) { "no form title: $out" }
            assertTrue(lines.last() == "submit: {\"status\":\"SUBMITTED\"}") { "not submitted: $out" }
        }

        test("readme_testing_example_passes") {
            ai.moveworks.sdk.readme.testing.askRetriesRateLimitsAndApologizesForFailedAnswers()
        }

        test("an_app_survives_a_429_and_reports_a_failed_answer") {
            Sandbox(SandboxOptions(responseDurationMs = 30uL)).use { sandbox ->
                val client = sandbox.client()
                sandbox.fault("status", "status" to 429, "retry_after" to "1", "method" to "POST", "path_contains" to "/responses")
                val started = System.nanoTime()
                val first = askApp(client, "Who does John Doe report to?")
                val tookMs = (System.nanoTime() - started) / 1_000_000
                assertTrue(first is Outcome.Answer && first.text.isNotBlank()) { "first: $first" }
                assertTrue(tookMs >= 900) { "Retry-After: 1 not honoured, took $tookMs ms" }
                sandbox.failNextResponse()
                val second = askApp(client, "And who does she report to?")
                assertTrue(second is Outcome.Failed && second.responseId != null) { "second: $second" }
                // What it sent: three POSTs of a message, the first answered 429 (the fault named), the retry 202,
                // the third the one scripted to fail.
                val posts = sandbox.requests(method = "POST", pathContains = "/responses")
                assertEq(listOf(429L, 202L, 202L), posts.map { it["status"] }, "statuses")
                assertEq(listOf("status", null, "response_failed"), posts.map { it["fault"] }, "faults applied")
                for (p in posts) {
                    assertEq(client.userAgent(), p["user_agent"], "user agent")
                    assertEq("sandbox", p["assistant_name"], "assistant name")
                    assertEq(true, p["authorized"], "authorized")
                    assertEq("application/json", (p["content_type"] as String).substringBefore(';'), "content type")
                }
                assertTrue(client.userAgent().contains("uniffi/")) { client.userAgent() }
                // The failed answer's request id (of the poll that saw it FAILED) is a logged root uuid.
                val rootUuids = sandbox.requests(method = "GET").map { it["root_uuid"] }
                assertTrue((second as Outcome.Failed).requestId in rootUuids) { "${second.requestId} not in $rootUuids" }
                val log = sandbox.requests().toString()
                for (secret in listOf(sandbox.token(), sandbox.clientSecret())) {
                    assertTrue(secret !in log) { "a credential is in the request log" }
                }
            }
        }

        test("addresses_and_credentials_build_a_client_of_your_own") {
            Sandbox(SandboxOptions(assistantName = "acme")).use { sandbox ->
                assertTrue(sandbox.baseUrl().startsWith(sandbox.origin() + "/")) { sandbox.baseUrl() }
                assertTrue(sandbox.origin().startsWith("http://127.0.0.1:")) { sandbox.origin() }
                assertTrue(sandbox.tokenUrl().startsWith(sandbox.origin() + "/")) { sandbox.tokenUrl() }
                assertEq("acme", sandbox.assistantName(), "assistant name")
                assertTrue(sandbox.isRunning()) { "not running" }
                Client(ClientConfig(assistantName = "acme", baseUrl = sandbox.baseUrl(), bearerToken = sandbox.token())).use {
                    it.createConversation(null)
                }
                Client(ClientConfig(assistantName = "acme", baseUrl = sandbox.baseUrl(), clientId = sandbox.clientId(),
                                    clientSecret = sandbox.clientSecret(), tokenUrl = sandbox.tokenUrl())).use {
                    it.createConversation(null)
                }
                val wrongName = expectError { sandbox.client(ClientConfig(assistantName = "other")).createConversation(null) }
                assertTrue(wrongName.isApiStatusError) { "$wrongName" }
            }
        }

        test("client_config_merges_over_the_sandbox") {
            Sandbox().use { sandbox ->
                val client = sandbox.client(ClientConfig(assistantName = sandbox.assistantName(), maxRetries = 0u,
                                                         userAgentSuffix = "my-app/2.0"))
                assertEq(sandbox.baseUrl(), client.baseUrl(), "base url")
                assertTrue(client.userAgent().endsWith(" my-app/2.0")) { client.userAgent() }
                sandbox.fault("status", "status" to 429, "retry_after" to "1")
                val e = expectError { client.createConversation(null) }
                assertTrue(e is MoveworksException.RateLimit) { "$e" }
                assertEq(Duration.ofSeconds(1), e.details.retryAfter, "retry after")
                assertEq(1, sandbox.requests(method = "POST").size, "no retry with maxRetries = 0")
            }
        }

        test("oauth_sandbox_hands_out_client_credentials_and_revokes_tokens") {
            Sandbox(SandboxOptions(oauth = true)).use { sandbox ->
                val client = sandbox.client()
                client.createConversation(null)
                assertEq(1, sandbox.requests(pathContains = "/oauth").size, "token fetches")
                val revoked = sandbox.revokeTokens()
                assertEq(1L, revoked["revoked"], "revoked")
                client.createConversation(null) // refreshes after the 401
                assertEq(2, sandbox.requests(pathContains = "/oauth").size, "token fetches after revoke")
                assertEq(listOf(false), sandbox.requests(method = "POST", pathContains = "/conversations")
                    .map { it["authorized"] }.filter { it == false }, "one refused POST")
            }
        }

        test("configure_events_feedback_reset_and_any_action_by_name") {
            Sandbox().use { sandbox ->
                val settings = sandbox.configure("response_duration_ms" to 10)
                assertEq(10L, settings["response_duration_ms"], "configured")
                val client = sandbox.client()
                val conversation = client.createConversation(null)
                client.createResponseAndWait(conversation.conversationId, "hi", fast, null, null)
                val event = sandbox.injectEvent(conversation.conversationId, "Your laptop is ready", kind = "notification")
                assertEq(conversation.conversationId, event["conversation_id"], "event conversation")
                val events = client.listEvents(ListEventsParams()).events
                assertTrue(events.any { (it.payload as? EventPayload.Message)?.message?.text() == "Your laptop is ready" }) { "$events" }
                assertEq(emptyList<Map<String, Any?>>(), sandbox.feedback(), "feedback")
                assertTrue(sandbox.requests().isNotEmpty()) { "log empty" }
                sandbox.clearRequests()
                assertEq(0, sandbox.requests().size, "cleared")
                assertEq(emptyMap<String, Any?>(), sandbox.run("clear_requests", emptyMap()), "generic run")
                assertEq("{}", sandbox.run("clear_requests", ""), "JSON run")
                assertEq(sandbox.actions().toSet(), setOf("fault", "fail_next_response", "configure", "inject_event",
                    "user_token", "add_user_message", "expire_modals", "webhook", "webhook_deliveries",
                    "revoke_tokens", "requests", "clear_requests", "feedback", "reset"), "actions")
                sandbox.reset()
                assertEq(600L, sandbox.configure()["response_duration_ms"], "reset to start-up settings")
                val unknown = expectError { sandbox.run("explode", emptyMap()) }
                assertTrue(unknown is MoveworksException.InvalidArgument) { "$unknown" }
                assertEq("explode", unknown.details.argument, "argument")
                val badJson = expectError { sandbox.run("fault", "{not json") }
                assertEq("fault", badJson.details.argument, "argument")
                val badArgs = expectError { sandbox.fault("no-such-kind") }
                assertEq("fault", badArgs.details.argument, "argument")
            }
        }

        test("a_stopped_sandbox_fails_cleanly") {
            val sandbox = Sandbox()
            val client = sandbox.client()
            sandbox.stop()
            sandbox.stop()
            assertTrue(!sandbox.isRunning()) { "still running" }
            for (e in listOf(expectError { sandbox.requests() }, expectError { sandbox.client() })) {
                assertTrue(e is MoveworksException.InvalidArgument) { "$e" }
                assertEq("sandbox", e.details.argument, "argument")
            }
            val gone = expectError { client.createConversation(null) }
            assertTrue(gone is MoveworksException.Connection) { "$gone" }
            assertTrue(sandbox.baseUrl().isNotEmpty()) { "address forgotten" }
            sandbox.close()
            // After close() the object is released: uniffi refuses the call (no crash).
            val released = runCatching { sandbox.baseUrl() }.exceptionOrNull()
            assertTrue(released is IllegalStateException) { "$released" }
            client.close()
        }

        test("startup") {
            val times = (1..20).map {
                val started = System.nanoTime()
                Sandbox().use { }
                (System.nanoTime() - started) / 1000.0
            }.sorted()
            println("sandbox start-up: median %.0f µs over 20 starts (start and stop; min %.0f, max %.0f)"
                .format((times[9] + times[10]) / 2, times.first(), times.last()))
        }
    }
}

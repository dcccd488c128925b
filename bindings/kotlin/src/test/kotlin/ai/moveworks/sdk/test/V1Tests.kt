// rest/v1 beyond the conformance scenarios, through the Kotlin shapes: token providers
// (a lambda, a throwing one, its lifetime), the explicit inputs, webhook deliveries from
// bytes, and the events follower with an app's store and as a Flow.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*
import ai.moveworks.sdk.model.*
import kotlinx.coroutines.flow.take
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.withTimeout
import java.time.Duration
import java.util.concurrent.atomic.AtomicInteger

@Suppress("UNCHECKED_CAST")
class V1Tests(private val sim: Simulator, private val t: Tests) {
    private fun test(name: String, block: (Client) -> Unit) = t.run("v1/$name") {
        sim.reset()
        Client(ClientConfig(assistantName = sim.assistantName, baseUrl = sim.origin, bearerToken = sim.token,
            apiVersion = "v1")).use(block)
    }

    private fun mint(user: String): String =
        (sim.control("POST", "script", mapOf("action" to "user_token", "args" to mapOf("user_id" to user))) as Map<String, Any?>)["token"] as String

    fun runAll() {
        test("a_lambda_provider_is_asked_once_and_its_token_cached") { c ->
            val token = mint("u_alice")
            val asked = AtomicInteger()
            c.forUser { asked.incrementAndGet(); UserToken(token, Duration.ofMinutes(30)) }.use { alice ->
                val conv = alice.createConversation("mine")
                assertEq("mine", alice.getConversation(conv.conversationId).title, "title")
                assertEq(1, asked.get(), "provider calls")
                // Another user's view of the same client does not see it.
                c.forUserToken(mint("u_bob")).use { bob ->
                    val e = expectError { bob.getConversation(conv.conversationId) }
                    assertTrue(e is MoveworksException.NotFound) { "$e" }
                }
            }
            assertTrue(!UserToken(token).toString().contains(token)) { "UserToken prints its token" }
        }

        test("a_throwing_provider_fails_the_call_as_oauth_and_sends_nothing") { c ->
            val before = sim.requests().size
            val e = expectError { c.forUser { throw IllegalStateException("idp down") }.use { it.createConversation(null) } }
            assertTrue(e is MoveworksException.OAuth) { "$e" }
            assertTrue(e.details.message.contains("idp down")) { e.details.message }
            // A MoveworksException thrown by the provider keeps its kind.
            val own = expectError {
                val details = expectError { c.forUserToken("") }.details.copy(kind = "timeout", argument = null)
                c.forUser { throw MoveworksException.Timeout(details) }.use { it.createConversation(null) }
            }
            assertTrue(own is MoveworksException.Timeout) { "$own" }
            assertEq(before, sim.requests().size, "requests sent")
            assertEq("token", expectError { c.forUserToken("") }.details.argument, "empty token argument")
        }

        test("explicit_inputs_reach_the_wire_and_raw_must_be_an_object") { c ->
            val conv = c.createConversation(null).conversationId
            val r = c.createResponseAndWait(conv, Input.Text("hi as text"))
            assertEq(ResponseStatus.Completed, r.status, "status")
            val bad = expectError { c.createResponse(conv, Input.Raw("[1]")) }
            assertEq("input", bad.details.argument, "argument")
            val streamed = runBlocking { c.streamResponseFlow(conv, Input.Chat("hi by stream")).toList() }
            assertTrue(streamed.last() is StreamEvent.ResponseCompleted) { "${streamed.map { it.eventName }}" }
            val bodies = sim.requests().filter { it["method"] == "POST" && (it["path"] as String).contains("/responses") }
            assertEq(2, bodies.size, "POSTs sent (the raw one was refused before sending)")
        }

        test("a_webhook_delivery_from_bytes") { c ->
            val body = """{"id":"evt_1","type":"CONVERSATION_RESPONSE_RECEIVED","data":{"conversation_id":"c_1","user_id":"u_1"}}"""
            WebhookDelivery.parse(body.toByteArray()).use { d ->
                assertEq(listOf("evt_1", "c_1", "u_1", "CONVERSATION_RESPONSE_RECEIVED"),
                    listOf(d.id(), d.conversationId(), d.userId(), d.eventType()), "members")
                assertTrue(d.isConversationResponse()) { "type" }
            }
            val e = expectError { WebhookDelivery.parse("""{"id":"e","data":{"conversation_id":"c"}}""") }
            assertEq("data.user_id", e.details.argument, "argument")
            // The verifier hook runs first; its error is the call's.
            val refused = expectError {
                WebhookDelivery.parseVerified(mapOf("x-sig" to "bad"), body.toByteArray(), object : WebhookVerifier {
                    override fun verify(headers: Map<String, String>, body: ByteArray) {
                        if (headers["x-sig"] != "good") throw IllegalArgumentException("bad signature")
                    }
                })
            }
            assertEq("signature", refused.details.argument, "argument")
        }

        test("a_follower_with_an_app_store_and_as_a_flow") { c ->
            val conv = c.createConversation(null).conversationId
            sim.injectEvent(mapOf("conversation_id" to conv, "text" to "one"))
            var stored: String? = null
            val store = checkpointStore({ stored }, { stored = it })
            val options = FollowOptions(interval = Duration.ofMillis(50), replay = true)
            c.followEventsWithStore(store, options).use { follower ->
                val first = runBlocking { withTimeout(10_000) { follower.asFlow().take(1).toList() } }
                assertEq(1, first.size, "events")
                follower.commit()
                assertEq(first[0].eventId, stored, "stored checkpoint")
                assertEq(stored, follower.checkpoint(), "checkpoint")
            }
            // A store that throws fails the follower's call as invalid_argument `checkpoint`.
            val broken = checkpointStore({ throw java.io.IOException("disk gone") }, { })
            val e = expectError { c.followEventsWithStore(broken, FollowOptions()).use { it.pollOnce { true } } }
            assertEq("checkpoint", e.details.argument, "argument")
        }
    }
}

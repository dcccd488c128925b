// SECURITY.md's promises through the Kotlin API, against simulators of its own:
// toString() of configs, clients, records and exceptions never shows the token or
// the client secret; control characters are refused before sending; ids cannot
// leave their path segment; plain http needs allowInsecureHttp; redirects to
// another origin are not followed.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.Client
import ai.moveworks.sdk.ClientConfig
import ai.moveworks.sdk.model.ConversationUpdate
import ai.moveworks.sdk.model.ListConversationsParams
import ai.moveworks.sdk.model.ListEventsParams
import ai.moveworks.sdk.MoveworksException
import java.net.URLDecoder

// Distinctive values, so a leak shows up in a plain substring search.
private const val TOKEN = "kt-st4t1c-T0KEN-must-never-print-2f6b"
private const val CLIENT_ID = "kt-client-77"
private const val CLIENT_SECRET = "kt-cl13nt-S3CRET-must-never-print-9a41"
private const val ISSUED = "kt-1ssu3d-T0KEN-must-never-print-e07d"
private val SECRETS = listOf(TOKEN, CLIENT_SECRET, ISSUED)

class SecurityTests(binary: String, private val t: Tests) : AutoCloseable {
    private val sim = Simulator(binary, "--token", TOKEN, "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET)
    private val other = Simulator(binary)

    private fun staticConfig(token: String = TOKEN, assistant: String = "sandbox", baseUrl: String = sim.baseUrl,
                             allowInsecureHttp: Boolean? = null) =
        ClientConfig(assistantName = assistant, baseUrl = baseUrl, bearerToken = token, maxRetries = 0u,
            allowInsecureHttp = allowInsecureHttp)

    private fun oauthConfig(id: String = CLIENT_ID, secret: String = CLIENT_SECRET, tokenUrl: String? = null) =
        ClientConfig(assistantName = "sandbox", baseUrl = sim.baseUrl, clientId = id, clientSecret = secret,
            tokenUrl = tokenUrl, maxRetries = 0u)

    private fun apiRequests() = sim.requests().filter { (it["path"] as String).startsWith("/rest/") }

    private fun texts(e: Throwable) = listOf(e.toString(), e.message ?: "", e.stackTraceToString(),
        (e as? MoveworksException)?.let { detailsOf(it).toString() } ?: "")

    private fun detailsOf(e: MoveworksException) = when (e) {
        is MoveworksException.InvalidArgument -> e.details
        is MoveworksException.Connection -> e.details
        is MoveworksException.Decode -> e.details
        is MoveworksException.OAuth -> e.details
        is MoveworksException.Authentication -> e.details
        is MoveworksException.InternalServer -> e.details
        is MoveworksException.ApiStatus -> e.details
        else -> null
    }

    private fun assertClean(all: List<String>) {
        for (text in all) {
            for (s in SECRETS) assertTrue(!text.contains(s)) { "$s leaked in $text" }
            assertTrue(!text.lowercase().contains("bearer ")) { "an Authorization value leaked in $text" }
        }
    }

    private fun test(name: String, block: () -> Unit) = t.run("security/$name") {
        sim.reset()
        other.reset()
        block()
    }

    /** Registers the checks; [close] stops the two simulators once JUnit has run them. */
    fun runAll() = tests()

    override fun close() {
        sim.close()
        other.close()
    }

    private fun tests() {
        test("secrets_never_shown_by_toString_of_configs_clients_or_errors") {
            val all = mutableListOf<String>()
            val oauthCfg = oauthConfig()
            val staticCfg = staticConfig()
            all += listOf(oauthCfg.toString(), staticCfg.toString(), "$oauthCfg", "$staticCfg")
            assertTrue(oauthCfg.toString().contains("[redacted]") && oauthCfg.toString().contains(CLIENT_ID)) {
                "config renders its non-secret fields: $oauthCfg"
            }
            // The token endpoint first issues a distinctive token the API rejects; the
            // client then refreshes to one the simulator issues.
            sim.fault(mapOf("kind" to "raw", "status" to 200L, "path_contains" to "/oauth",
                "body" to "{\"access_token\":\"$ISSUED\",\"expires_in\":3600}"))
            val oauth = Client(oauthCfg)
            all += oauth.listConversations(ListConversationsParams()).toString()
            val static = Client(staticCfg)
            static.listConversations(ListConversationsParams())
            all += listOf(oauth.toString(), static.toString())
            sim.fault(mapOf("kind" to "status", "status" to 500L, "method" to "GET"))
            all += texts(expectError { oauth.listConversations(ListConversationsParams()) })
            sim.control("POST", "tokens/revoke")
            sim.fault(mapOf("kind" to "status", "status" to 401L, "path_contains" to "/oauth"))
            val refused = expectError { oauth.listConversations(ListConversationsParams()) }
            assertTrue(refused is MoveworksException.OAuth) { "$refused" }
            all += texts(refused)
            val wrong = expectError { Client(oauthConfig(secret = "kt-wr0ng-S3CRET")).createConversation(null) }
            assertTrue(wrong is MoveworksException.OAuth && texts(wrong).none { it.contains("kt-wr0ng-S3CRET") }) {
                "$wrong"
            }
            all += texts(wrong)
            val unauth = expectError { Client(staticConfig(token = TOKEN + "x")).getConversation("conv_1") }
            assertTrue(unauth is MoveworksException.Authentication && texts(unauth).none { it.contains(TOKEN) }) {
                "$unauth"
            }
            sim.fault(mapOf("kind" to "reset"))
            all += texts(expectError { static.createConversation("t") })
            sim.fault(mapOf("kind" to "malformed_json"))
            all += texts(expectError { static.listConversations(ListConversationsParams()) })
            all += texts(expectError { Client(staticConfig(token = "$TOKEN\r\n")) })
            all += texts(expectError { Client(oauthConfig(secret = "$CLIENT_SECRET\n")) })
            assertClean(all)
            oauth.close()
            static.close()
        }

        test("control_characters_are_refused_before_sending") {
            for (bad in listOf("a\r\nX-Injected: 1", "a\nb", "a\rb", "a\u0000b", "a\tb", "a\u007fb", "a\u0085b")) {
                val cases = mapOf(
                    "token" to { Client(staticConfig(token = bad)) },
                    "assistant_name" to { Client(staticConfig(assistant = bad)) },
                    "client_id" to { Client(oauthConfig(id = bad)) },
                    "client_secret" to { Client(oauthConfig(secret = bad)) },
                )
                for ((argument, build) in cases) {
                    val e = expectError { build() }
                    assertTrue(e is MoveworksException.InvalidArgument) { "$argument: $e" }
                    assertEq(argument, detailsOf(e)?.argument, "argument")
                    assertEq("invalid_argument", detailsOf(e)?.kind, "kind")
                }
            }
            assertEq(0, sim.requests().size, "requests sent")
        }

        test("ids_stay_in_their_path_segment") {
            Client(staticConfig()).use { c ->
                val conv = c.createConversation("sec")
                val resp = c.createResponse(conv.conversationId, "hi")
                val cid = conv.conversationId
                val rid = resp.responseId
                val endpoints: List<Pair<String, (String) -> Unit>> = listOf(
                    "/conversations/{}" to { id -> c.getConversation(id) },
                    "/conversations/{}" to { id -> c.updateConversation(id, ConversationUpdate(archived = true)) },
                    "/conversations/{}/responses" to { id -> c.createResponse(id, "hi") },
                    "/conversations/$cid/responses/{}" to { id -> c.getResponse(cid, id) },
                    "/conversations/{}/events" to { id -> c.listEvents(ListEventsParams(conversationId = id)) },
                )
                val ids = listOf("../x", "..", ".", "a/b", "%2F", "a%2Fb", "?x", "#x", "a b", "a\nb", "/", "é", "日本", "a;b")
                for ((template, call) in endpoints) {
                    for (id in ids) {
                        sim.control("DELETE", "requests")
                        val refused = try {
                            call(id)
                            false
                        } catch (e: MoveworksException.InvalidArgument) {
                            true
                        } catch (e: MoveworksException) {
                            false
                        }
                        val log = apiRequests()
                        if (refused) {
                            assertEq(0, log.size, "$template ${id} refused but sent")
                            continue
                        }
                        assertEq(1, log.size, "$template $id requests")
                        assertEq("", log[0]["query"], "$template $id query")
                        val got = (log[0]["path"] as String).removePrefix("/rest/v1beta1").split("/")
                        val want = template.split("/")
                        assertEq(want.size, got.size, "segments of ${log[0]["path"]} for $id")
                        for ((g, w) in got.zip(want)) {
                            if (w == "{}") assertEq(id, URLDecoder.decode(g.replace("+", "%2B"), "UTF-8"), "segment")
                            else assertEq(w, g, "segment")
                        }
                    }
                }
            }
        }

        test("plain_http_to_a_non_loopback_host_needs_allowInsecureHttp") {
            // 0.0.0.0 is not loopback for the SDK, but Linux connects it to this machine.
            val base = sim.baseUrl.replace("127.0.0.1", "0.0.0.0")
            for (allow in listOf(null, false)) {
                val e = expectError { Client(staticConfig(baseUrl = base, allowInsecureHttp = allow)) }
                assertEq("base_url", detailsOf(e)?.argument, "argument")
            }
            val e = expectError { Client(oauthConfig(tokenUrl = sim.tokenUrl.replace("127.0.0.1", "0.0.0.0"))) }
            assertEq("token_url", detailsOf(e)?.argument, "argument")
            assertEq(0, sim.requests().size, "requests sent while refusing")
            Client(staticConfig(baseUrl = base, allowInsecureHttp = true)).use { it.createConversation("over http") }
            assertEq(listOf("/rest/v1beta1/conversations"), sim.requests().map { it["path"] }, "requests")
        }

        test("redirects_to_another_origin_are_not_followed") {
            Client(staticConfig()).use { c ->
                for (status in listOf(302L, 307L)) {
                    sim.fault(mapOf("kind" to "raw", "status" to status, "body" to "",
                        "headers" to mapOf("Location" to "${other.baseUrl}/conversations")))
                    val e = expectError { c.createConversation("t") }
                    assertTrue(e is MoveworksException.ApiStatus) { "$e" }
                    assertEq(status.toUShort(), detailsOf(e)?.status, "status")
                }
            }
            sim.fault(mapOf("kind" to "raw", "status" to 307L, "body" to "", "path_contains" to "/oauth",
                "headers" to mapOf("Location" to other.tokenUrl)))
            val e = expectError { Client(oauthConfig()).listConversations(ListConversationsParams()) }
            assertTrue(e is MoveworksException.OAuth) { "$e" }
            assertEq(0, other.requests().size, "requests that reached the other origin")
        }
    }
}

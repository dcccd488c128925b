// Behind a company network (issue #24), mirroring crates/moveworks/tests/network.rs:
// https with the sandbox's CA (and the unknown-issuer error without it), the real
// proxies of scripts/proxies.sh (tinyproxy with Basic auth, mitmdump inspecting TLS),
// NO_PROXY in a child JVM (the environment is per process), per-call extras on the
// wire, the answer's headers on objects and errors, and the log records (each attempt,
// no secret at any level). The README's proxy example runs through mitmdump.
// Without the proxies' variables the proxy checks are skipped, or fail when CI is set.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*
import ai.moveworks.sdk.model.*
import java.io.File
import java.time.Duration
import java.util.concurrent.TimeUnit

private const val PROXY_PASSWORD = "proxy-secret-7f3a"

class NetworkTests(private val t: Tests) : AutoCloseable {
    /** One HTTPS sandbox for every check of this file. */
    private val sandbox = Sandbox(SandboxOptions(responseDurationMs = 60uL, tls = true))
    private val port = sandbox.baseUrl().substringAfter("127.0.0.1:").substringBefore('/')
    private val streamFast = StreamOptions(initialInterval = Duration.ofMillis(10))

    private fun test(name: String, block: () -> Unit) = t.run("network/$name", block)

    override fun close() = sandbox.close()

    /** The proxies' variable, or null (the check is skipped), except under CI where it fails. */
    private fun proxyEnv(name: String): String? = System.getenv(name) ?: run {
        check(System.getenv("CI") == null) { "$name is not set: run eval \"\$(bash scripts/proxies.sh start)\"" }
        println("skipped: $name is not set (scripts/proxies.sh start)")
        null
    }

    /** A config for the sandbox with the given proxy and trusted roots (no retries). */
    private fun config(proxy: String? = null, ca: String? = sandbox.caCertificate(), fromEnv: Boolean? = null) =
        ClientConfig(
            assistantName = sandbox.assistantName(), baseUrl = sandbox.baseUrl(), bearerToken = sandbox.token(),
            maxRetries = 0u, proxy = proxy, caCertificates = ca, proxyFromEnv = fromEnv,
        )

    private fun streamedTurn(client: Client): Response {
        val conversation = client.createConversation(null)
        val names = mutableListOf<String>()
        val done = client.streamResponseAndWait(conversation.conversationId, "Who does John Doe report to?",
            streamFast, null, streamEventListener { names += it.eventName; true }, null)
        assertEq(ResponseStatus.Completed, done.status, "streamed turn")
        assertTrue("RESPONSE_OUTPUT_DELTA" in names) { "no delta streamed: $names" }
        return done
    }

    fun runAll() {
        test("https_with_the_sandbox_ca_and_unknown_issuer_without_it") {
            assertTrue(sandbox.baseUrl().startsWith("https://")) { sandbox.baseUrl() }
            val pem = sandbox.caCertificate() ?: error("no CA for a tls sandbox")
            assertTrue(pem.startsWith("-----BEGIN CERTIFICATE-----")) { pem }
            assertEq(null, Sandbox().use { it.caCertificate() }, "caCertificate of a plain sandbox")
            sandbox.client().createConversation("over https")
            Client(config()).createConversation(null)
            val e = expectError { Client(config(ca = null)).createConversation(null) }
            assertTrue(e is MoveworksException.Connection) { "$e" }
            val message = e.details.message
            assertTrue(message.startsWith("TLS error:") && "unknown issuer" in message && "ca_certificates" in message) { message }
        }

        test("forward_proxy_call_streamed_turn_and_connect_in_its_log") {
            val proxy = proxyEnv("MOVEWORKS_TEST_FORWARD_PROXY") ?: return@test
            val log = proxyEnv("MOVEWORKS_TEST_FORWARD_PROXY_LOG") ?: return@test
            val client = Client(config(proxy = proxy))
            client.createConversation("via tinyproxy")
            streamedTurn(client)
            assertTrue("CONNECT 127.0.0.1:$port" in File(log).readText()) { "tinyproxy saw no CONNECT to $port" }
            val shown = "${config(proxy = proxy)}"
            assertTrue(PROXY_PASSWORD !in shown && "[redacted]" in shown) { shown }
        }

        test("wrong_proxy_password_is_a_connection_error_that_never_shows_it") {
            val proxy = proxyEnv("MOVEWORKS_TEST_FORWARD_PROXY") ?: return@test
            val wrong = proxy.replace(PROXY_PASSWORD, "not-the-password-91")
            val e = expectError { Client(config(proxy = wrong)).createConversation(null) }
            assertTrue(e is MoveworksException.Connection) { "$e" }
            val shown = "$e ${e.message} ${e.details}"
            assertTrue("not-the-password-91" !in shown && "sdk-test:" !in shown) { shown }
        }

        test("inspecting_proxy_needs_its_ca_then_call_and_streamed_turn_pass") {
            val proxy = proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY") ?: return@test
            val ca = proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY_CA") ?: return@test
            // Trusting only the sandbox's CA: mitmproxy's certificate has an unknown issuer.
            val e = expectError { Client(config(proxy = proxy)).createConversation(null) }
            assertTrue(e is MoveworksException.Connection && "unknown issuer" in e.details.message) { "$e" }
            val client = Client(config(proxy = proxy, ca = ca))
            client.createConversation("via mitmproxy")
            streamedTurn(client)
        }

        test("readme_proxy_example_runs_through_the_inspecting_proxy") {
            val proxy = proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY") ?: return@test
            val ca = File(proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY_CA") ?: return@test).readText()
            try {
                val client = ai.moveworks.sdk.readme.proxy.corporateClient(
                    sandbox.assistantName(), sandbox.baseUrl(), sandbox.token(), proxy, ca)
                client.createConversation("readme proxy example")
                streamedTurn(client)
            } finally {
                MoveworksLogging.uninstall()
                setLogLevel(LogLevel.WARN)
            }
        }

        test("proxy_environment_no_proxy_bypass_and_proxy_from_env_false_in_child_jvms") {
            // A dead proxy in HTTPS_PROXY: a call that uses it fails, one that bypasses it succeeds.
            val dead = "http://127.0.0.1:9"
            // The first child also has MOVEWORKS_LOG=debug and no listener: the core's lines on stderr.
            val bypass = child(mapOf("HTTPS_PROXY" to dead, "NO_PROXY" to "example.com,127.0.0.0/8", "MOVEWORKS_LOG" to "debug"))
            val used = child(mapOf("HTTPS_PROXY" to dead))
            val out = bypass.finish()
            assertEq("default=ok noenv=ok", out.lines().last(), "NO_PROXY=127.0.0.0/8")
            assertEq("default=connection noenv=ok", used.finish().lines().last(), "HTTPS_PROXY only")
            assertTrue(out.lines().any { it.startsWith("[moveworks debug] POST ") && "201" in it }) { "MOVEWORKS_LOG=debug wrote no attempt line: $out" }
            assertTrue(sandbox.token() !in out) { "the token appears in the child's output" }
        }

        test("extras_reach_the_server_and_owned_headers_are_refused") {
            val client = sandbox.client()
            val extended = client.withOptions(RequestOptions(
                extraHeaders = mapOf("X-Feature-Flag" to "beta"),
                extraQuery = mapOf("trace" to "true"),
                extraBody = """{"client_context": {"app": "helpdesk"}}""",
            ))
            val conversation = extended.createConversation("extras")
            assertEq("extras", conversation.title, "title")
            val last = sandbox.requests(method = "POST", pathContains = "/conversations").last()
            assertEq(mapOf("x-feature-flag" to "beta"), last["x_headers"], "x_headers")
            assertEq("trace=true", last["query"], "query")
            assertEq(listOf("client_context", "title"), last["body_keys"], "body_keys")
            // A GET sends no body.
            val get = expectError { extended.getConversation(conversation.conversationId) }
            assertEq("extra_body", get.details.argument, "argument of a GET with extra_body")
            for (owned in listOf("Authorization", "assistant-name", "User-Agent", "Proxy-Authorization")) {
                val e = expectError { client.withOptions(RequestOptions(extraHeaders = mapOf(owned to "x"))).listConversations(ListConversationsParams()) }
                assertTrue(e is MoveworksException.InvalidArgument) { "$owned: $e" }
                assertEq("extra_headers", e.details.argument, "$owned refused")
            }
            val e = expectError { client.withOptions(RequestOptions(extraBody = "[1]")) }
            assertEq("extra_body", e.details.argument, "a body that is not an object")
        }

        test("answers_and_errors_carry_their_http_headers") {
            val client = sandbox.client()
            val conversation = client.createConversation(null)
            val headers = conversation.httpHeaders ?: error("no httpHeaders")
            assertEq("application/json", headers["content-type"], "content-type")
            assertEq(conversation.requestId, headers["x-moveworks-root-uuid"], "request id header")
            val e = expectError { client.getConversation("conv_does_not_exist") }
            assertTrue(e is MoveworksException.NotFound) { "$e" }
            val errorHeaders = e.httpHeaders ?: error("no httpHeaders on the error")
            assertEq(e.requestId, errorHeaders["x-moveworks-root-uuid"], "request id header of the error")
            assertTrue(e.requestId != null) { "no request id" }
        }

        test("headers_cross_as_one_name_value_line_per_header") {
            val lifted = ai.moveworks.sdk.model.httpHeadersLift("vary:accept, origin\nlink:<https://x.example/a:b>\nx-empty:\nno colon\n")
            assertEq(mapOf("vary" to "accept, origin", "link" to "<https://x.example/a:b>", "x-empty" to ""), lifted, "lifted")
            val built = mapOf("x-a" to "1", "vary" to "accept, origin")
            assertEq(built, ai.moveworks.sdk.model.httpHeadersLift(ai.moveworks.sdk.model.httpHeadersLower(built)), "round trip")
            assertEq(emptyMap<String, String>(), ai.moveworks.sdk.model.httpHeadersLift(""), "none")
            assertTrue(ai.moveworks.sdk.model.httpHeadersLift("").isEmpty()) { "empty" }
            // Lifted headers are read lazily, and lower back to the very lines they came from.
            val lines = "x-a:1\nvary:accept, origin\n"
            assertEq(lines, ai.moveworks.sdk.model.httpHeadersLower(ai.moveworks.sdk.model.httpHeadersLift(lines)), "lines kept")
            assertEq(listOf("x-a", "vary"), ai.moveworks.sdk.model.httpHeadersLift(lines).keys.toList(), "order as received")
            assertEq(ai.moveworks.sdk.model.httpHeadersLift(lines).hashCode(), mapOf("x-a" to "1", "vary" to "accept, origin").hashCode(), "hashCode as a map's")
        }

        test("each_attempt_is_logged_with_its_retry_decision_and_no_secret_at_any_level") {
            Sandbox(SandboxOptions(oauth = true, tls = true)).use { oauth ->
                val records = java.util.Collections.synchronizedList(mutableListOf<LogRecord>())
                setLogListener(logListener { records += it })
                setLogLevel(LogLevel.TRACE)
                try {
                    val client = oauth.client(ClientConfig(assistantName = oauth.assistantName(), proxyFromEnv = false))
                    oauth.fault("status", "status" to 503, "method" to "GET", "count" to 1)
                    val conversation = client.createConversation("logged")
                    client.getConversation(conversation.conversationId)
                } finally {
                    setLogListener(null)
                    setLogLevel(LogLevel.WARN)
                }
                val all = records.toList()
                val gets = all.filter { it.level == LogLevel.DEBUG && it.method == "GET" }
                assertEq(2, gets.size, "GET attempts logged: $all")
                assertEq(503.toUShort() to 1u, gets[0].status to gets[0].attempt, "first attempt")
                assertTrue(gets[0].retry?.startsWith("retry in") == true) { "${gets[0]}" }
                assertEq(Triple(200.toUShort(), 2u, null), Triple(gets[1].status, gets[1].attempt, gets[1].retry), "second attempt")
                assertTrue(gets[1].requestId != null && gets[1].durationMs != null) { "${gets[1]}" }
                assertTrue(all.any { it.level == LogLevel.INFO && it.retry != null }) { "no retry decision at info" }
                assertTrue(all.any { it.level == LogLevel.TRACE && "logged" in it.message }) { "no body at trace" }
                assertTrue(all.any { it.path?.contains("token") == true }) { "no token fetch" }
                val text = all.toString()
                for (secret in listOf(oauth.clientSecret(), oauth.token(), "access_token\":\"", "Bearer")) {
                    assertTrue(secret !in text) { "$secret appears in the logs" }
                }
            }
        }

        test("logs_go_to_java_util_logging_without_slf4j_and_never_show_a_proxy_password") {
            val logger = java.util.logging.Logger.getLogger(MoveworksLogging.LOGGER_NAME)
            val lines = java.util.Collections.synchronizedList(mutableListOf<String>())
            val handler = object : java.util.logging.Handler() {
                override fun publish(record: java.util.logging.LogRecord) { lines += "${record.level} ${record.message}" }
                override fun flush() {}
                override fun close() {}
            }
            val saved = logger.level
            logger.level = java.util.logging.Level.ALL
            logger.addHandler(handler)
            try {
                assertEq("java.util.logging", MoveworksLogging.install(), "where records go (no SLF4J on the test classpath)")
                setLogLevel(LogLevel.TRACE)
                val proxy = System.getenv("MOVEWORKS_TEST_FORWARD_PROXY")
                val client = Client(config(proxy = proxy, fromEnv = false))
                client.createConversation("jul")
                expectError { client.getConversation("conv_does_not_exist") }
            } finally {
                MoveworksLogging.uninstall()
                setLogLevel(LogLevel.WARN)
                logger.removeHandler(handler)
                logger.level = saved
            }
            val all = lines.toList()
            assertTrue(all.any { it.startsWith("FINE POST ") }) { "no FINE line per attempt: $all" }
            assertTrue(all.any { it.startsWith("FINE GET ") && "404" in it }) { "no 404 attempt: $all" }
            val text = all.joinToString("\n")
            for (secret in listOf(PROXY_PASSWORD, sandbox.token(), "Bearer")) {
                assertTrue(secret !in text) { "$secret appears in the logs" }
            }
        }
    }

    /** A child JVM (ProxyEnvChild.kt) with [env] added: it calls the sandbox twice and prints the outcomes. */
    private fun child(env: Map<String, String>): Child {
        val java = File(System.getProperty("java.home"), "bin/java").path
        val pb = ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), "ai.moveworks.sdk.test.ProxyEnvChildKt")
            .redirectErrorStream(true)
        val e = pb.environment()
        for (name in listOf("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy")) e.remove(name)
        e.putAll(env)
        e["MW_CHILD_BASE_URL"] = sandbox.baseUrl()
        e["MW_CHILD_TOKEN"] = sandbox.token()
        e["MW_CHILD_ASSISTANT"] = sandbox.assistantName()
        e["MW_CHILD_CA"] = sandbox.caCertificate()!!
        return Child(pb.start())
    }

    private class Child(val process: Process) {
        /** Everything the child printed (stdout and stderr); its last line is the outcomes. */
        fun finish(): String {
            check(process.waitFor(60, TimeUnit.SECONDS)) { "the child JVM did not finish" }
            val out = process.inputStream.bufferedReader().readText().trim()
            check(process.exitValue() == 0) { "the child JVM failed: $out" }
            return out
        }
    }
}

// Test plumbing: the simulator process, its control routes, and the registry of
// named checks that the JUnit suites (Suites.kt) turn into dynamic tests.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.Json
import org.junit.jupiter.api.DynamicTest
import java.io.BufferedReader
import java.io.InputStreamReader
import java.io.OutputStream
import java.net.URI
import java.net.http.HttpClient
import java.net.http.HttpRequest
import java.net.http.HttpResponse

/** A running `moveworks-simulator` (with extra command-line [args]); it stops when [close] closes its stdin. */
class Simulator(binary: String, vararg args: String) : AutoCloseable {
    private val process: Process =
        ProcessBuilder(listOf(binary) + args).redirectError(ProcessBuilder.Redirect.INHERIT).start()
    private val stdin: OutputStream = process.outputStream
    val info: Map<String, Any?>
    private val http: HttpClient = HttpClient.newHttpClient()

    init {
        val line = BufferedReader(InputStreamReader(process.inputStream)).readLine()
            ?: error("simulator printed nothing")
        @Suppress("UNCHECKED_CAST")
        info = Json.parse(line) as Map<String, Any?>
    }

    val origin get() = info["origin"] as String
    val baseUrl get() = info["base_url"] as String
    val v1BaseUrl get() = info["v1_base_url"] as String
    val tokenUrl get() = info["token_url"] as String
    val token get() = info["token"] as String
    val clientId get() = info["client_id"] as String
    val clientSecret get() = info["client_secret"] as String
    val assistantName get() = info["assistant_name"] as String

    /** Calls a `/_sim/` route and returns its parsed JSON body; fails on a non-2xx answer. */
    fun control(method: String, route: String, body: Any? = null): Any? {
        val b = HttpRequest.newBuilder(URI.create("$origin/_sim/$route"))
        val req = if (method == "GET") b.GET().build()
        else b.method(method, HttpRequest.BodyPublishers.ofString(Json.write(body ?: emptyMap<String, Any?>())))
            .header("content-type", "application/json").build()
        val res = http.send(req, HttpResponse.BodyHandlers.ofString())
        check(res.statusCode() / 100 == 2) { "sim $method $route -> ${res.statusCode()} ${res.body()}" }
        return if (res.body().isBlank()) null else Json.parse(res.body())
    }

    fun reset() = control("POST", "reset")
    fun config(patch: Map<String, Any?>) = control("POST", "config", patch)
    fun fault(fault: Map<String, Any?>) = control("POST", "faults", mapOf("faults" to listOf(fault)))

    /** Injects a system-initiated message into the events feed; returns the created event (wire JSON). */
    fun injectEvent(args: Map<String, Any?>): Any? = control("POST", "events", args)

    /** The feedback the simulator accepted (`GET /_sim/feedback`). */
    @Suppress("UNCHECKED_CAST")
    fun feedback(): List<Map<String, Any?>> = control("GET", "feedback") as List<Map<String, Any?>>

    @Suppress("UNCHECKED_CAST")
    fun requests(): List<Map<String, Any?>> = control("GET", "requests") as List<Map<String, Any?>>

    override fun close() {
        stdin.close()
        if (!process.waitFor(5, java.util.concurrent.TimeUnit.SECONDS)) process.destroy()
    }
}

/** Collects named checks; each becomes a JUnit dynamic test, which fails when its block throws. */
class Tests {
    private val checks = mutableListOf<DynamicTest>()

    /** Registers the check [name]; JUnit runs [block] after the factory returns, in registration order. */
    fun run(name: String, block: () -> Unit) {
        checks += DynamicTest.dynamicTest(name) {
            // Surefire's console names a dynamic test by its index only: the message carries the name.
            try {
                block()
            } catch (t: Throwable) {
                throw AssertionError("$name: $t", t)
            }
        }
    }

    /** The registered checks, for a `@TestFactory`. */
    fun dynamicTests(): List<DynamicTest> = checks.toList()
}

class AssertionFailed(message: String) : Exception(message)

fun assertTrue(cond: Boolean, what: () -> String) {
    if (!cond) throw AssertionFailed(what())
}

fun <T> assertEq(expected: T, actual: T, what: String = "value") {
    if (expected != actual) throw AssertionFailed("$what: expected <$expected>, got <$actual>")
}

/** Runs [block], which must throw a [ai.moveworks.sdk.MoveworksException]; returns it. */
inline fun expectError(block: () -> Unit): ai.moveworks.sdk.MoveworksException {
    try {
        block()
    } catch (e: ai.moveworks.sdk.MoveworksException) {
        return e
    }
    throw AssertionFailed("expected a MoveworksException, the call succeeded")
}

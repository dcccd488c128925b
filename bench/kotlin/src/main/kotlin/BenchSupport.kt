// Kotlin-side helpers for the JMH benchmarks (src/main/java): the generated
// ClientConfig constructor takes named defaults, which Java cannot call.
package ai.moveworks.sdk.bench

import ai.moveworks.sdk.Client
import ai.moveworks.sdk.ClientConfig

/** What the Java JMH classes need from the Kotlin API. */
object BenchSupport {
    /** A client of the simulator, configured as the bench program's (defaults apart from these three). */
    @JvmStatic
    fun client(baseUrl: String, token: String, assistant: String): Client =
        Client(ClientConfig(assistantName = assistant, baseUrl = baseUrl, bearerToken = token))
}

// The child JVM of NetworkTests' proxy-environment check: the proxy variables are the
// process's own, so each environment gets a process. Calls the parent's sandbox with
// the default proxyFromEnv and with proxyFromEnv = false; prints one line of outcomes.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*

fun main() {
    fun outcome(fromEnv: Boolean?): String = try {
        Client(ClientConfig(
            assistantName = System.getenv("MW_CHILD_ASSISTANT"), baseUrl = System.getenv("MW_CHILD_BASE_URL"),
            bearerToken = System.getenv("MW_CHILD_TOKEN"), caCertificates = System.getenv("MW_CHILD_CA"),
            maxRetries = 0u, connectTimeout = java.time.Duration.ofSeconds(5), proxyFromEnv = fromEnv,
        )).createConversation("child")
        "ok"
    } catch (e: MoveworksException) {
        e.kind
    }
    println("default=${outcome(null)} noenv=${outcome(false)}")
}

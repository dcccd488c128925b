// Kotlin benchmark row (bench/PROTOCOL.md): kotlin.sdk, the uniffi Client's
// blocking getConversation, through JNA into the Rust core.
//
//   java ... ai.moveworks.sdk.bench.BenchKt latency|rss --base-url URL --token T --assistant N
//       --conversation ID [--warmup N --iterations N | --calls N]
//
// Progress goes to stderr; the last stdout line is {"rows": [...]}. Every
// decoded result is checked (conversationId); any failure exits non-zero.
package ai.moveworks.sdk.bench

import ai.moveworks.sdk.Client
import ai.moveworks.sdk.ClientConfig
import ai.moveworks.sdk.noop
import kotlin.system.exitProcess

fun main(argv: Array<String>) {
    try {
        run(argv)
    } catch (e: Throwable) {
        System.err.println("kotlin bench: FAILED: $e")
        exitProcess(1)
    }
    exitProcess(0)
}

private fun run(argv: Array<String>) {
    require(argv.isNotEmpty() && argv[0] in setOf("latency", "rss")) {
        "usage: latency|rss --base-url URL --token T --assistant N --conversation ID [--warmup N --iterations N | --calls N]"
    }
    val opts = HashMap<String, String>()
    var i = 1
    while (i < argv.size) {
        require(argv[i].startsWith("--") && i + 1 < argv.size) { "bad option ${argv[i]}" }
        opts[argv[i].removePrefix("--")] = argv[i + 1]
        i += 2
    }
    fun need(k: String) = opts[k] ?: throw IllegalArgumentException("--$k is required")
    val warmup = opts["warmup"]?.toInt() ?: 1000
    val iterations = opts["iterations"]?.toInt() ?: 5000
    val id = need("conversation")
    Client(ClientConfig(assistantName = need("assistant"), baseUrl = need("base-url"), bearerToken = need("token"))).use { c ->
        fun call() {
            val got = c.getConversation(id).conversationId
            check(got == id) { "got conversation id $got, want $id" }
        }
        if (argv[0] == "rss") {
            val calls = opts["calls"]?.toInt() ?: 100_000
            repeat(1000) { call() }
            System.gc()
            val before = rssKb()
            repeat(calls) { call() }
            // Collected first, so the reading counts what is still reachable or leaked natively, not garbage.
            System.gc()
            val after = rssKb()
            System.err.println("kotlin.sdk rss: $before kB -> $after kB over $calls calls")
            println("{\"rows\": [{\"id\": \"kotlin.sdk\", \"calls\": $calls, \"rss_before_kb\": $before, \"rss_after_kb\": $after}]}")
            return
        }
        repeat(warmup) { call() }
        val samples = LongArray(iterations)
        for (n in 0 until iterations) {
            val t0 = System.nanoTime()
            call()
            samples[n] = System.nanoTime() - t0
        }
        samples.sort()
        // The fixed cost of one Kotlin -> Rust call (JNA), for the report only.
        repeat(20_000) { noop(it.toULong()) }
        val t0 = System.nanoTime()
        for (n in 0 until 200_000) noop(n.toULong())
        val noopNs = (System.nanoTime() - t0) / 200_000
        System.err.println("kotlin.sdk: median ${samples[samples.size / 2] / 1000.0} us; noop call $noopNs ns")
        println("{\"rows\": [{\"id\": \"kotlin.sdk\", \"samples_ns\": [${samples.joinToString(",")}]}]}")
    }
}

/** This process's resident set size (VmRSS), in kB. */
private fun rssKb(): Long =
    java.io.File("/proc/self/status").readLines().first { it.startsWith("VmRSS:") }.split(Regex("\\s+"))[1].toLong()

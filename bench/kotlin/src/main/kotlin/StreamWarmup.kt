// The first RESPONSE_OUTPUT_DELTA's latency as the JVM warms up (issue #23's diagnosis of
// the kotlin.sdk.stream row, whose 50 warm-up turns leave the JIT compiling):
//   bash bench/kotlin/run.sh warmup --base-url URL --token T --assistant N --conversation ID [--turns 2500] [--modes blocking,flow]
// Turns alternate between the modes; for each, the medians of the simulator's mark -> user
// code per block of 500 turns, so where the latency settles shows.
package ai.moveworks.sdk.bench

import ai.moveworks.sdk.Client
import ai.moveworks.sdk.ClientConfig
import ai.moveworks.sdk.StreamOptions
import ai.moveworks.sdk.model.StreamEvent
import kotlinx.coroutines.runBlocking

object StreamWarmup {
    private const val BLOCK = 500

    @JvmStatic
    fun main(argv: Array<String>) {
        val opts = argv.toList().chunked(2).associate { (k, v) -> k.removePrefix("--") to v }
        fun need(k: String) = opts[k] ?: throw IllegalArgumentException("--$k is required")
        val turns = opts["turns"]?.toInt() ?: 2500
        val modes = (opts["modes"] ?: "blocking,flow").split(",")
        val conv = need("conversation")
        Client(ClientConfig(assistantName = need("assistant"), baseUrl = need("base-url"), bearerToken = need("token"))).use { c ->
            // The blocking iterator on this thread: one JNA call per event, no thread hop.
            fun blocking(): Pair<String, Long> {
                var rid: String? = null
                c.streamResponse(conv, "benchmark: first delta", StreamOptions(), null).use { s ->
                    while (true) {
                        when (val e = s.next() ?: error("the turn ended before a delta")) {
                            is StreamEvent.ResponseCreated -> rid = e.responseId
                            is StreamEvent.ResponseOutputDelta -> return (e.responseId ?: rid!!) to System.nanoTime()
                            else -> {}
                        }
                    }
                }
            }
            val received = modes.associateWith { mutableListOf<Pair<String, Long>>() }
            runBlocking {
                repeat(turns) {
                    for (m in modes) received.getValue(m) += if (m == "blocking") blocking() else firstDelta(c, conv) // the row's Flow
                }
            }
            val origin = java.net.URI(need("base-url")).let { "${it.scheme}://${it.authority}" }
            val body = java.net.URI("$origin/_sim/stream_marks").toURL().readText()
            val marks = Regex("\"([^\"]+)\":(\\d+)").findAll(body).associate { it.groupValues[1] to it.groupValues[2].toLong() }
            for ((m, rows) in received) {
                val blocks = rows.chunked(BLOCK).mapIndexed { i, block ->
                    val us = block.map { (rid, at) -> (at - (marks[rid] ?: error("no stream mark for $rid"))) / 1000.0 }.sorted()
                    "turns ${i * BLOCK}-${i * BLOCK + block.size}: %.0f".format(us[us.size / 2])
                }
                println("$m, median us by block: ${blocks.joinToString("; ")}")
            }
        }
    }
}

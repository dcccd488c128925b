// The Kotlin row of the concurrency benchmark (bench/concurrency/README.md): N streamed
// turns at once in one JVM, one coroutine per turn collecting Client.streamResponseFlow,
// all launched from runBlocking on Dispatchers.Default.
//
//   java ... ai.moveworks.sdk.bench.ConcurrencyKt kotlin.sdk --base-url URL --token T
//       --assistant NAME --conversations FILE --streams N
//
// Every turn reads every event and must end with RESPONSE_COMPLETED. Lag: a ticker coroutine
// on Dispatchers.Default measures how late a delay(10) resumes (the dispatcher's lag). The
// last stdout line is one JSON object (the row), as bench/concurrency/py_clients.py prints.
package ai.moveworks.sdk.bench

import ai.moveworks.sdk.Client
import ai.moveworks.sdk.ClientConfig
import ai.moveworks.sdk.model.StreamEvent
import ai.moveworks.sdk.streamResponseFlow
import java.io.File
import java.util.Collections
import kotlin.system.exitProcess
import kotlinx.coroutines.Dispatchers
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.delay
import kotlinx.coroutines.isActive
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking

private fun procStatus(key: String): Long =
    File("/proc/self/status").readLines().firstOrNull { it.startsWith("$key:") }
        ?.substringAfter(':')?.trim()?.split(' ')?.first()?.toLong() ?: 0

private fun json(s: String) = "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", " ") + "\""

fun main(argv: Array<String>) {
    require(argv.isNotEmpty() && argv[0] == "kotlin.sdk") { "usage: kotlin.sdk --base-url URL --token T --assistant N --conversations FILE --streams N" }
    val opts = HashMap<String, String>()
    var i = 1
    while (i + 1 < argv.size) {
        opts[argv[i].removePrefix("--")] = argv[i + 1]
        i += 2
    }
    val n = opts.getValue("streams").toInt()
    // The conversations file is a JSON array of ids: `["conv_…", …]`.
    val ids = Regex("\"([^\"]+)\"").findAll(File(opts.getValue("conversations")).readText()).map { it.groupValues[1] }.toList()
    require(ids.size >= n) { "fewer conversations than --streams" }
    val client = Client(ClientConfig(assistantName = opts.getValue("assistant"), baseUrl = opts.getValue("base-url"), bearerToken = opts.getValue("token")))
    val lags = Collections.synchronizedList(ArrayList<Double>())
    val errors = Collections.synchronizedList(ArrayList<String>())
    var firsts = listOf<Double>()
    var turns = listOf<Double>()
    var events = 0L
    var wall = 0.0
    runBlocking(Dispatchers.Default) {
        val ticker = launch {
            while (isActive) {
                val t = System.nanoTime()
                delay(10)
                lags.add((System.nanoTime() - t) / 1e6 - 10)
            }
        }
        delay(100)
        val burst = System.nanoTime()
        val results = ids.take(n).map { conversation ->
            async {
                val t0 = System.nanoTime()
                var first = 0L
                var count = 0L
                var last: StreamEvent? = null
                try {
                    client.streamResponseFlow(conversation, "concurrency benchmark").collect { event ->
                        if (first == 0L) first = System.nanoTime()
                        count++
                        last = event
                    }
                    check(last is StreamEvent.ResponseCompleted) { "the turn did not end with RESPONSE_COMPLETED" }
                    val end = System.nanoTime()
                    Triple((first - t0) / 1e6, (end - t0) / 1e6, count)
                } catch (e: Exception) {
                    errors.add("${e.javaClass.simpleName}: ${e.message}")
                    null
                }
            }
        }.awaitAll()
        wall = (System.nanoTime() - burst) / 1e9
        ticker.cancel()
        val ok = results.filterNotNull()
        firsts = ok.map { it.first }
        turns = ok.map { it.second }
        events = ok.sumOf { it.third }
    }
    val sortedLags = synchronized(lags) { lags.sorted() }
    val lagMax = sortedLags.lastOrNull() ?: 0.0
    val lagP99 = if (sortedLags.isEmpty()) 0.0 else sortedLags[((sortedLags.size - 1) * 0.99).toInt()]
    val row = buildString {
        append("{\"id\":\"kotlin.sdk\",\"streams\":$n")
        append(",\"first_event_ms\":[${firsts.joinToString(",") { "%.2f".format(it) }}]")
        append(",\"turn_ms\":[${turns.joinToString(",") { "%.2f".format(it) }}]")
        append(",\"start_spread_ms\":0,\"lag_max_ms\":${"%.2f".format(lagMax)},\"lag_p99_ms\":${"%.2f".format(lagP99)}")
        append(",\"errors\":${errors.size},\"error_samples\":[${errors.take(5).joinToString(",") { json(it) }}]")
        append(",\"events\":$events,\"wall_s\":${"%.3f".format(wall)}")
        append(",\"peak_rss_kb\":${procStatus("VmHWM")},\"threads_at_end\":${procStatus("Threads")}}")
    }
    System.err.println("kotlin.sdk x$n: ${errors.size} errors, wall ${"%.3f".format(wall)} s")
    println(row)
    exitProcess(0)
}

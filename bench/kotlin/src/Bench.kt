// Kotlin benchmark row (bench/PROTOCOL.md): kotlin.sdk, the uniffi Client's
// blocking getConversation, through JNA into the Rust core.
//
//   java ... ai.moveworks.sdk.bench.BenchKt latency|rss|breakdown --base-url URL --token T --assistant N
//       --conversation ID [--warmup N --iterations N | --calls N]
//
// `breakdown` (not called by the harness; for profiling, issue #7) times the
// pieces one getConversation is made of: JNA Structure construction, uniffi
// calls with 0/1 RustBuffers, the Kotlin decode of the record, and the whole call.
//
// Progress goes to stderr; the last stdout line is {"rows": [...]}. Every
// decoded result is checked (conversationId); any failure exits non-zero.
package ai.moveworks.sdk.bench

import ai.moveworks.sdk.Client
import ai.moveworks.sdk.ClientConfig
import ai.moveworks.sdk.FfiConverterString
import ai.moveworks.sdk.FfiConverterTypeConversation
import ai.moveworks.sdk.noop
import com.sun.jna.Pointer
import com.sun.jna.Structure
import java.lang.management.ManagementFactory
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
    require(argv.isNotEmpty() && argv[0] in setOf("latency", "rss", "breakdown")) {
        "usage: latency|rss|breakdown --base-url URL --token T --assistant N --conversation ID [--warmup N --iterations N | --calls N]"
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
        if (argv[0] == "breakdown") {
            breakdown(c, id, opts["iterations"]?.toInt() ?: 20_000)
            return
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

// Same shapes as the generated RustBuffer and UniffiRustCallStatus (internal there):
// every uniffi call allocates one status, with its nested buffer.
@Structure.FieldOrder("capacity", "len", "data")
open class ShapeRustBuffer : Structure() {
    @JvmField var capacity: Long = 0
    @JvmField var len: Long = 0
    @JvmField var data: Pointer? = null
}

@Structure.FieldOrder("code", "errorBuf")
open class ShapeCallStatus : Structure() {
    @JvmField var code: Byte = 0
    @JvmField var errorBuf: ShapeRustBuffer = ShapeRustBuffer()
}

/** Median time (and heap bytes allocated per call) of each piece, to stderr and as one JSON row. */
private fun breakdown(c: Client, id: String, n: Int) {
    val mx = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
    val me = Thread.currentThread().id
    val conv = c.getConversation(id)
    val encoded = java.nio.ByteBuffer.allocate(FfiConverterTypeConversation.allocationSize(conv).toInt())
    FfiConverterTypeConversation.write(conv, encoded)
    val pieces = linkedMapOf<String, () -> Unit>(
        "jna_structure_rustbuffer" to { ShapeRustBuffer() },
        "jna_structure_call_status" to { ShapeCallStatus() },
        "uniffi_noop_u64" to { noop(1UL) },
        "uniffi_string_alloc_free" to { FfiConverterString.lift(FfiConverterString.lower(id)) },
        "uniffi_base_url" to { c.baseUrl() },
        "kotlin_decode_conversation" to { encoded.rewind(); FfiConverterTypeConversation.read(encoded) },
        "get_conversation" to { check(c.getConversation(id).conversationId == id) },
    )
    val out = ArrayList<String>()
    for ((name, f) in pieces) {
        // Calls through the network are slower; fewer keep the run short.
        val count = if (name == "get_conversation") n else n * 5
        repeat(count) { f() }
        val samples = LongArray(count)
        val a0 = mx.getThreadAllocatedBytes(me)
        for (k in 0 until count) {
            val t0 = System.nanoTime()
            f()
            samples[k] = System.nanoTime() - t0
        }
        val alloc = (mx.getThreadAllocatedBytes(me) - a0) / count
        samples.sort()
        val median = samples[count / 2]
        System.err.println(String.format("%-28s median %9.2f us  alloc %6d B/call", name, median / 1000.0, alloc))
        out += "\"$name\": {\"median_ns\": $median, \"alloc_bytes\": $alloc}"
    }
    println("{\"rows\": [{\"id\": \"kotlin.breakdown\", \"pieces\": {${out.joinToString(", ")}}}]}")
}

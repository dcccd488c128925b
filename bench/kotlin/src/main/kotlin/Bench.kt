// Kotlin benchmark row (bench/PROTOCOL.md): kotlin.sdk, the uniffi Client's
// blocking getConversation, through JNA into the Rust core.
//
//   java ... ai.moveworks.sdk.bench.BenchKt latency|rss|stream|breakdown --base-url URL --token T --assistant N
//       --conversation ID [--warmup N --iterations N | --calls N]
//
// `stream` (row kotlin.sdk.stream): the time from the simulator writing a streamed
// answer's first RESPONSE_OUTPUT_DELTA (GET /_sim/stream_marks, CLOCK_MONOTONIC) to the
// collector of Client.streamResponseFlow receiving it (System.nanoTime(), the same
// clock on Linux); first { } then cancels the collection, abandoning the turn.
//
// `breakdown` (not called by the harness; for profiling, issue #7) times the
// pieces one getConversation is made of: JNA Structure construction, uniffi
// calls with 0/1 RustBuffers, the Kotlin decode of the record, and the whole call;
// then a replica of the generated call sequence (clone, alloc, method, free) with a
// new call status per call (as generated) and with one reused status, and, given
// `--c-lib path/to/libmoveworks.so`, the C ABI's mw_client_get_conversation called
// through JNA without any Structure (the Rust core's cost inside this JVM).
//
// Progress goes to stderr; the last stdout line is {"rows": [...]}. Every
// decoded result is checked (conversationId); any failure exits non-zero.
package ai.moveworks.sdk.bench

import ai.moveworks.sdk.Client
import ai.moveworks.sdk.ClientConfig
import ai.moveworks.sdk.FfiConverterString
import ai.moveworks.sdk.model.FfiConverterTypeConversation
import ai.moveworks.sdk.CancelHandle
import ai.moveworks.sdk.streamResponseFlow
import ai.moveworks.sdk.model.StreamEvent
import kotlinx.coroutines.flow.first
import kotlinx.coroutines.runBlocking
import com.sun.jna.Library
import com.sun.jna.Memory
import com.sun.jna.Native
import com.sun.jna.NativeLibrary
import com.sun.jna.Pointer
import com.sun.jna.Structure
import java.lang.management.ManagementFactory
import kotlin.system.exitProcess

fun main(argv: Array<String>) {
    try {
        run(argv)
    } catch (e: Throwable) {
        System.err.println("kotlin bench: FAILED: $e"); e.printStackTrace()
        exitProcess(1)
    }
    exitProcess(0)
}

private fun run(argv: Array<String>) {
    require(argv.isNotEmpty() && argv[0] in setOf("latency", "rss", "stream", "breakdown")) {
        "usage: latency|rss|stream|breakdown --base-url URL --token T --assistant N --conversation ID [--warmup N --iterations N | --calls N]"
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
            breakdown(c, id, opts["iterations"]?.toInt() ?: 20_000, opts, need("base-url"), need("token"), need("assistant"))
            return
        }
        if (argv[0] == "stream") {
            stream(c, id, need("base-url"), warmup, iterations)
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
        // The cheapest real call (a method on a handle, no buffers): the fixed cost of one call.
        val handle = CancelHandle()
        repeat(20_000) { handle.isCancelled() }
        val t0 = System.nanoTime()
        for (n in 0 until 200_000) handle.isCancelled()
        val callNs = (System.nanoTime() - t0) / 200_000
        handle.close()
        System.err.println("kotlin.sdk: median ${samples[samples.size / 2] / 1000.0} us; one handle call $callNs ns")
        println("{\"rows\": [{\"id\": \"kotlin.sdk\", \"samples_ns\": [${samples.joinToString(",")}]}]}")
    }
}

/** One streamed turn collected up to its first RESPONSE_OUTPUT_DELTA: (response id, System.nanoTime() at receipt). */
internal suspend fun firstDelta(c: Client, conversation: String): Pair<String, Long> {
    var responseId: String? = null
    var at = 0L
    c.streamResponseFlow(conversation, "benchmark: first delta").first { event ->
        when (event) {
            is StreamEvent.ResponseCreated -> { responseId = event.responseId; false }
            is StreamEvent.ResponseOutputDelta -> { at = System.nanoTime(); responseId = event.responseId ?: responseId; true }
            else -> false
        }
    }
    return (responseId ?: error("no response id before the first delta")) to at
}

private fun stream(c: Client, conversation: String, baseUrl: String, warmup: Int, iterations: Int) {
    val received = runBlocking {
        repeat(warmup) { firstDelta(c, conversation) }
        List(iterations) { firstDelta(c, conversation) }
    }
    val origin = java.net.URI(baseUrl).let { "${it.scheme}://${it.authority}" }
    val body = java.net.URI("$origin/_sim/stream_marks").toURL().readText()
    val marks = Regex("\"([^\"]+)\":(\\d+)").findAll(body).associate { it.groupValues[1] to it.groupValues[2].toLong() }
    val samples = received.map { (rid, at) ->
        val mark = marks[rid] ?: error("no stream mark for $rid")
        check(at >= mark) { "$rid: received before the stream mark" }
        at - mark
    }
    System.err.println("kotlin.sdk.stream: median ${samples.sorted()[samples.size / 2] / 1000.0} us")
    println("{\"rows\": [{\"id\": \"kotlin.sdk.stream\", \"samples_ns\": [${samples.joinToString(",")}]}]}")
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
    @JvmField var errorBuf: ShapeRustBufferByValue = ShapeRustBufferByValue()
}

class ShapeRustBufferByValue : ShapeRustBuffer(), Structure.ByValue

/** The four C functions one generated getConversation calls (uniffi 0.29 scaffolding), mapped as the generated code maps them. */
interface UniffiReplica : Library {
    fun uniffi_moveworks_uniffi_fn_clone_client(p: Pointer, s: ShapeCallStatus): Pointer
    fun ffi_moveworks_uniffi_rustbuffer_alloc(size: Long, s: ShapeCallStatus): ShapeRustBufferByValue
    fun uniffi_moveworks_uniffi_fn_method_client_get_conversation(
        p: Pointer,
        id: ShapeRustBufferByValue,
        s: ShapeCallStatus,
    ): ShapeRustBufferByValue
    fun ffi_moveworks_uniffi_rustbuffer_free(b: ShapeRustBufferByValue, s: ShapeCallStatus)
}

/** The generated call sequence of getConversation; [status] gives the call status of each of its four calls. */
private fun replicaCall(lib: UniffiReplica, handle: Pointer, id: ByteArray, status: () -> ShapeCallStatus) {
    var s = status()
    val p = lib.uniffi_moveworks_uniffi_fn_clone_client(handle, s)
    check(s.code == 0.toByte())
    s = status()
    val arg = lib.ffi_moveworks_uniffi_rustbuffer_alloc(id.size.toLong(), s)
    check(s.code == 0.toByte())
    arg.data!!.write(0, id, 0, id.size)
    arg.len = id.size.toLong()
    s = status()
    val r = lib.uniffi_moveworks_uniffi_fn_method_client_get_conversation(p, arg, s)
    check(s.code == 0.toByte())
    // The record starts with the id: big-endian i32 length, then its bytes (JNA buffers are native-order).
    val idLen = r.data!!.getByteBuffer(0, r.len).order(java.nio.ByteOrder.BIG_ENDIAN).getInt()
    check(idLen == id.size) { "record starts with $idLen, len ${r.len}, cap ${r.capacity}" }
    s = status()
    lib.ffi_moveworks_uniffi_rustbuffer_free(r, s)
    check(s.code == 0.toByte())
}

/** getConversation through the C ABI (bindings/c): one JNA call, no Structure. */
private fun cAbiCall(path: String, base: String, token: String, assistant: String, id: String): () -> Unit {
    val lib = NativeLibrary.getInstance(path)
    fun f(name: String) = lib.getFunction(name)
    fun cstr(v: String) = (v + "\u0000").toByteArray()
    val slot = Memory(8)
    val err = Memory(8)
    check(f("mw_client_builder_new").invokeInt(arrayOf(slot)) == 0)
    val b = slot.getPointer(0)
    f("mw_client_builder_base_url").invokeInt(arrayOf(b, cstr(base)))
    f("mw_client_builder_assistant_name").invokeInt(arrayOf(b, cstr(assistant)))
    f("mw_client_builder_bearer_token").invokeInt(arrayOf(b, cstr(token)))
    f("mw_client_builder_allow_insecure_http").invokeInt(arrayOf(b, true))
    check(f("mw_client_builder_build").invokeInt(arrayOf(b, slot, err)) == 0) { "mw_client_builder_build failed" }
    val client = slot.getPointer(0)
    val get = f("mw_client_get_conversation")
    val free = f("mw_conversation_free")
    val args = arrayOf<Any>(client, cstr(id), slot, err)
    return {
        check(get.invokeInt(args) == 0) { "mw_client_get_conversation failed" }
        free.invokeVoid(arrayOf(slot.getPointer(0)))
    }
}

/** Median time (and heap bytes allocated per call) of each piece, to stderr and as one JSON row. */
private fun breakdown(c: Client, id: String, n: Int, opts: Map<String, String>, base: String, token: String, assistant: String) {
    val mx = ManagementFactory.getThreadMXBean() as com.sun.management.ThreadMXBean
    val me = Thread.currentThread().id
    val conv = c.getConversation(id)
    val encoded = java.nio.ByteBuffer.allocate(FfiConverterTypeConversation.allocationSize(conv).toInt())
    FfiConverterTypeConversation.write(conv, encoded)
    val cancelHandle = CancelHandle()
    val pieces: MutableMap<String, () -> Unit> = linkedMapOf(
        "jna_structure_rustbuffer" to { ShapeRustBuffer() },
        "jna_structure_call_status" to { ShapeCallStatus() },
        "uniffi_handle_call" to { cancelHandle.isCancelled() },
        "uniffi_string_alloc_free" to { FfiConverterString.lift(FfiConverterString.lower(id)) },
        "uniffi_base_url" to { c.baseUrl() },
        "kotlin_decode_conversation" to { encoded.rewind(); FfiConverterTypeConversation.read(encoded) },
        "get_conversation" to { check(c.getConversation(id).conversationId == id) },
    )
    // One leaked reference to the client, held for the whole run.
    val handle = c.uniffiClonePointer()
    val replica = Native.load("moveworks_uniffi", UniffiReplica::class.java)
    val idBytes = id.toByteArray()
    val reused = ShapeCallStatus()
    pieces["replica_new_status_per_call"] = { replicaCall(replica, handle, idBytes) { ShapeCallStatus() } }
    pieces["replica_reused_status"] = { replicaCall(replica, handle, idBytes) { reused.code = 0; reused } }
    opts["c-lib"]?.let { pieces["c_abi_get_conversation"] = cAbiCall(it, base, token, assistant, id) }
    val out = ArrayList<String>()
    for ((name, f) in pieces) {
        // Calls through the network are slower; fewer keep the run short.
        val count = if (name.startsWith("uniffi") || name.startsWith("jna") || name.startsWith("kotlin")) n * 5 else n
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

// Streams for coroutines (Client.startStreamResponse, AsyncResponseStream.nextBatch and
// the Flow over it) against the simulator: the same events and final response as the
// blocking path, errors thrown once after their events, cancellation, reader threads
// attached to the JVM only while they live, and a hundred streams collected on ONE thread.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*
import ai.moveworks.sdk.model.*
import kotlinx.coroutines.CompletableDeferred
import kotlinx.coroutines.asCoroutineDispatcher
import kotlinx.coroutines.async
import kotlinx.coroutines.awaitAll
import kotlinx.coroutines.flow.toList
import kotlinx.coroutines.launch
import kotlinx.coroutines.runBlocking
import kotlinx.coroutines.selects.select
import kotlinx.coroutines.withContext
import kotlinx.coroutines.withTimeout
import kotlin.coroutines.Continuation
import kotlin.coroutines.startCoroutine
import java.time.Duration
import java.util.concurrent.Executors

class AsyncStreamTests(private val sim: Simulator, private val t: Tests) {
    private fun client() = Client(
        ClientConfig(assistantName = sim.assistantName, baseUrl = sim.baseUrl, bearerToken = sim.token),
    )

    private fun test(name: String, block: (Client) -> Unit) = t.run("async_stream/$name") {
        sim.reset()
        client().use(block)
    }

    private fun options(idleMs: Long = 30_000) = StreamOptions(
        idleTimeout = Duration.ofMillis(idleMs), initialInterval = Duration.ofMillis(20),
        maxInterval = Duration.ofMillis(60), deadline = Duration.ofMillis(10_000),
    )

    private fun posts() = sim.requests().count { it["method"] == "POST" && (it["path"] as String).contains("/responses") }

    /** Every batch of [stream] until the last; the batches only, a failure is thrown. */
    private suspend fun batches(stream: AsyncResponseStream): List<StreamBatch> {
        val out = ArrayList<StreamBatch>()
        do {
            out += stream.nextBatch()
        } while (!out.last().last)
        return out
    }

    /** The same turn with its ids, timestamps and request ids left out: what two turns of one question share. */
    private fun shape(e: StreamEvent): String = "${e.eventName} #${e.sequenceNumber} " + when (e) {
        is StreamEvent.ResponseOutputDelta -> when (val o = e.output) {
            is OutputItem.Message -> o.message.text()
            is OutputItem.ReasoningMessage -> o.reasoningMessage.content.toString()
            else -> o.toString()
        }
        is StreamEvent.ResponseCompleted -> e.response?.assistantText()
        else -> ""
    }

    private fun Response.withoutRequest() = copy(requestId = null, httpHeaders = null)

    fun runAll() {
        test("batches_hold_the_blocking_paths_events_and_final_response") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("batches")
            val question = "Who does John Doe report to?"
            val blocking = c.streamResponse(conv.conversationId, question, options(), null).use { it.asSequence().toList() }
            val (events, stream) = runBlocking {
                val stream = c.startStreamResponse(conv.conversationId, question, options(), null)
                val got = batches(stream)
                assertTrue(got.dropLast(1).all { it.events.isNotEmpty() && !it.last }) { "an empty batch before the last: $got" }
                got.flatMap { it.events } to stream
            }
            stream.use {
                assertEq(blocking.map(::shape), events.map(::shape), "events (names, sequence numbers, outputs)")
                val last = events.last() as StreamEvent.ResponseCompleted
                val response = last.response!!
                assertEq(ResponseStatus.Completed, response.status, "status")
                assertEq(response, stream.response(), "response()")
                assertEq(response.responseId, stream.responseId(), "responseId()")
                assertTrue(!stream.requestId().isNullOrEmpty()) { "no request id" }
                assertEq(stream.requestId(), response.requestId, "the final response carries the stream's request id")
                assertEq(c.getResponse(conv.conversationId, response.responseId).withoutRequest(), response.withoutRequest(),
                    "final response vs get_response")
                val blockingFinal = (blocking.last() as StreamEvent.ResponseCompleted).response!!
                assertEq(blockingFinal.assistantMessages().map { it.text() }, response.assistantMessages().map { it.text() }, "answer")
                // After the end: empty last batches, nothing thrown.
                assertEq(StreamBatch(emptyList(), true), runBlocking { stream.nextBatch() }, "after the end")
                assertTrue(!stream.isCancelled()) { "cancelled" }
            }
            assertEq(2, posts(), "POSTs (one per turn)")
        }

        test("a_failed_turn_throws_once_after_its_events") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("failed")
            sim.fault(mapOf("kind" to "response_failed"))
            c.startStreamResponse(conv.conversationId, "hi", options(), null).use { stream ->
                val events = ArrayList<StreamEvent>()
                val e = expectError { runBlocking { while (true) events += stream.nextBatch().events } }
                assertTrue(events.last() is StreamEvent.ResponseFailed) { "last ${events.map { it.eventName }}" }
                assertTrue(e is MoveworksException.ResponseFailed) { "$e" }
                assertEq(stream.responseId(), e.details.responseId, "the error names the response")
                assertEq(StreamBatch(emptyList(), true), runBlocking { stream.nextBatch() }, "after the error")
                assertEq(null, stream.response(), "no final response")
            }
        }

        test("errors_before_the_stream_come_from_the_first_batch") { c ->
            c.startStreamResponse("conv_00000000000000000000000000", "hi", options(), null).use { stream ->
                val missing = expectError { runBlocking { stream.nextBatch() } }
                assertTrue(missing is MoveworksException.NotFound && missing.details.status?.toInt() == 404) { "$missing" }
                assertEq(StreamBatch(emptyList(), true), runBlocking { stream.nextBatch() }, "after the error")
            }
            val conv = c.createConversation("errors")
            val zero = expectError {
                runBlocking { c.streamResponseFlow(conv.conversationId, "hi", StreamOptions(idleTimeout = Duration.ZERO)).toList() }
            }
            assertEq("idle_timeout", zero.details.argument, "argument")
        }

        test("cancel_mid_stream_ends_as_cancelled") { c ->
            sim.config(mapOf("response_duration_ms" to 150L))
            val conv = c.createConversation("cancel")
            // The stream's own cancel(), racing a pending nextBatch (either order ends the same way).
            sim.fault(mapOf("kind" to "stream_stall", "after_events" to 1L, "ms" to 20_000L))
            c.startStreamResponse(conv.conversationId, "hi", options(), null).use { stream ->
                val first = runBlocking { stream.nextBatch() }
                assertTrue(first.events.first() is StreamEvent.ResponseCreated && !first.last) { "$first" }
                val e = expectError {
                    runBlocking {
                        launch { stream.cancel() }
                        stream.nextBatch()
                    }
                }
                assertTrue(e is MoveworksException.Cancelled) { "$e" }
                assertEq(stream.responseId(), e.details.responseId, "error names the response")
                assertTrue(stream.isCancelled()) { "isCancelled" }
                assertEq(StreamBatch(emptyList(), true), runBlocking { stream.nextBatch() }, "after the error")
            }
            // A CancelHandle fired mid-stream ends the Flow with Cancelled.
            sim.fault(mapOf("kind" to "stream_stall", "after_events" to 1L, "ms" to 20_000L))
            val handle = CancelHandle()
            val seen = ArrayList<String>()
            val e = expectError {
                runBlocking {
                    c.streamResponseFlow(conv.conversationId, "hi", options(), handle).collect {
                        seen += it.eventName
                        handle.cancel()
                    }
                }
            }
            assertTrue(e is MoveworksException.Cancelled && !e.details.responseId.isNullOrEmpty()) { "$e" }
            assertEq(listOf("RESPONSE_CREATED"), seen, "events before the cancel")
            // Two calls at once are refused rather than leaving one waiting forever.
            sim.fault(mapOf("kind" to "stream_stall", "after_events" to 1L, "ms" to 20_000L))
            c.startStreamResponse(conv.conversationId, "hi", options(), null).use { stream ->
                runBlocking {
                    stream.nextBatch()
                    val calls = List(2) { async { try { stream.nextBatch(); null } catch (e: MoveworksException) { e } } }
                    // Whichever of the two came second is refused at once; the other waits for the stall.
                    val refused = select<MoveworksException?> { calls.forEach { call -> call.onAwait { it } } }
                    assertEq("invalid_argument", refused?.kind, "the second call")
                    stream.cancel()
                    assertEq(listOf("cancelled", "invalid_argument"), calls.awaitAll().map { it?.kind.toString() }.sorted(), "both calls")
                }
            }
            assertEq(3, posts(), "POSTs")
        }

        test("a_reader_thread_stays_attached_to_the_jvm_and_serves_turn_after_turn") { c ->
            // JNA attaches the Rust thread that resumes an awaited nextBatch (the stream's
            // reader); kept attached, it is a JVM thread named moveworks-native. Once its turn
            // ended, the reader waits for the process's next stream (its OS name then
            // moveworks-idle), so later turns resume their collectors from threads the JVM
            // already has: no java.lang.Thread per turn.
            sim.config(mapOf("response_duration_ms" to 300L))
            val conv = c.createConversation("attached")
            fun attached() = Thread.getAllStackTraces().keys.filter { it.name == "moveworks-native" }.toSet()
            // OS threads by their name (Linux keeps 15 bytes: readers and their spawner are
            // "moveworks-strea"); a waiting reader is "moveworks-idle".
            fun named(name: String) = java.io.File("/proc/self/task").listFiles().orEmpty().filter {
                runCatching { java.io.File(it, "comm").readText().trim() == name }.getOrDefault(false)
            }.map { it.name }.toSet()
            val known = mutableSetOf<Thread>()
            var previousReader: String? = null
            repeat(4) { turn ->
                var reading = emptySet<String>()
                val during = runBlocking {
                    val seen = mutableSetOf<Thread>()
                    c.streamResponseFlow(conv.conversationId, "Who does John Doe report to?", options()).collect { event ->
                        // After a delta the collector waited for: a reader thread resumed it.
                        if (event is StreamEvent.ResponseOutputDelta) {
                            seen += attached()
                            reading = named("moveworks-strea")
                        }
                    }
                    seen
                }
                assertTrue(during.isNotEmpty()) { "turn $turn: no reader thread attached while streaming" }
                previousReader?.let { assertTrue(it in reading) { "turn $turn: read on $reading, not on the waiting reader $it" } }
                if (turn > 0) assertEq(emptySet<Thread>(), during - known, "turn $turn: JVM threads attached anew")
                known += during
                // The turn is over: its reader waits for the next stream, which it then reads.
                val deadline = System.nanoTime() + 5_000_000_000L
                var waiting = reading intersect named("moveworks-idle")
                while (waiting.isEmpty() && System.nanoTime() < deadline) {
                    Thread.sleep(5)
                    waiting = reading intersect named("moveworks-idle")
                }
                assertEq(1, waiting.size, "turn $turn: readers of the turn waiting for the next stream")
                previousReader = waiting.single()
            }
        }
        test("a_flow_collected_unconfined_or_without_a_dispatcher_completes") { c ->
            // The reader thread resumes the collector from inside uniffi's waker, which holds
            // the lock the next poll takes: a collector running right there (Unconfined, or no
            // dispatcher at all) deadlocked. Each collection runs on a daemon thread given 20 s,
            // so a deadlock fails the test instead of hanging the suite.
            sim.config(mapOf("response_duration_ms" to 200L))
            val conv = c.createConversation("unconfined")
            fun within20s(what: String, collect: () -> List<StreamEvent>) {
                var events: List<StreamEvent>? = null
                val t = Thread { events = collect() }.apply { isDaemon = true; start() }
                t.join(20_000)
                assertTrue(!t.isAlive) { "$what: the collection hung" }
                assertTrue(events?.lastOrNull() is StreamEvent.ResponseCompleted) { "$what: ${events?.map { it::class.simpleName }}" }
            }
            val flow = { c.streamResponseFlow(conv.conversationId, "Who does John Doe report to?", options()) }
            within20s("Dispatchers.Unconfined") {
                runBlocking { withContext(kotlinx.coroutines.Dispatchers.Unconfined) { flow().toList() } }
            }
            within20s("no dispatcher") {
                val done = java.util.concurrent.CompletableFuture<List<StreamEvent>>()
                suspend { flow().toList() }.startCoroutine(Continuation(kotlin.coroutines.EmptyCoroutineContext) { done.complete(it.getOrThrow()) })
                done.get()
            }
        }
        test("a_hundred_streams_collected_on_one_thread") { c ->
            // One thread for all the collectors, and no other: a stream waiting for its next
            // event must hold no thread. With a blocking read per waiting stream on a 64-thread
            // pool (the previous Flow: Dispatchers.IO), the 65th stream below could not read its
            // first event until one of the 64 before it gave up (its idle timeout or deadline,
            // both longer than the withTimeout below): the test fails (checked on the old Flow).
            val one = Executors.newSingleThreadExecutor { Thread(it, "the-only-collector") }.asCoroutineDispatcher()
            one.use {
                sim.config(mapOf("response_duration_ms" to 300L))
                val conv = c.createConversation("hundred")
                val n = 100
                // Phase 1: every stream stalls after RESPONSE_CREATED, for longer than this test
                // may take (the withTimeout only turns a hang into a failure). The streams are
                // started one after another, each once the previous one has its first event,
                // so that all the earlier ones are waiting; then one handle cancels them all.
                sim.fault(mapOf("kind" to "stream_stall", "after_events" to 1L, "ms" to 120_000L, "count" to n.toLong()))
                val stalled = options(idleMs = 120_000).copy(deadline = Duration.ofMillis(120_000))
                val handle = CancelHandle()
                val ends = runBlocking(one) {
                    withTimeout(30_000) {
                        val flows = (1..n).map { i ->
                            val first = CompletableDeferred<Unit>()
                            val flow = async {
                                try {
                                    c.streamResponseFlow(conv.conversationId, "stall $i", stalled, handle).collect {
                                        check(Thread.currentThread().name.startsWith("the-only-collector")) { "collected on ${Thread.currentThread().name}" }
                                        first.complete(Unit)
                                    }
                                    null
                                } catch (e: MoveworksException) { e }
                            }
                            first.await()
                            flow
                        }
                        handle.cancel()
                        flows.awaitAll()
                    }
                }
                assertTrue(ends.all { it is MoveworksException.Cancelled && !it.details.responseId.isNullOrEmpty() }) {
                    "not all cancelled: ${ends.groupingBy { it?.kind }.eachCount()}"
                }
                // Phase 2: a hundred whole turns at once, all completed.
                val done = runBlocking(one) {
                    withTimeout(60_000) {
                        (1..n).map { i ->
                            async { c.streamResponseFlow(conv.conversationId, "q$i", options()).toList() }
                        }.awaitAll()
                    }
                }
                assertEq(n, done.count { (it.last() as? StreamEvent.ResponseCompleted)?.response?.status == ResponseStatus.Completed },
                    "completed turns")
                assertTrue(done.all { it.first() is StreamEvent.ResponseCreated }) { "a turn did not start with RESPONSE_CREATED" }
                assertEq(2 * n, posts(), "POSTs")
            }
        }
    }
}

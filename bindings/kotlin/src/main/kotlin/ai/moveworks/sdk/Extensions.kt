// Hand-written conveniences over the uniffi-generated API (moveworks_uniffi.kt and
// model/moveworks.kt). They only reshape what the generated code already offers:
// no client logic here. uniffi 0.29 cannot export methods on records, so the
// core's model helpers are exported as functions and become extensions here.
package ai.moveworks.sdk

import ai.moveworks.sdk.model.*
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.emitAll
import kotlinx.coroutines.flow.flow

/** The details every [MoveworksException] variant carries (kind, status, code, message, request id, …). */
val MoveworksException.details: ErrorDetails
    get() = when (this) {
        is MoveworksException.InvalidArgument -> details
        is MoveworksException.Connection -> details
        is MoveworksException.Timeout -> details
        is MoveworksException.Decode -> details
        is MoveworksException.OAuth -> details
        is MoveworksException.BadRequest -> details
        is MoveworksException.Authentication -> details
        is MoveworksException.PermissionDenied -> details
        is MoveworksException.NotFound -> details
        is MoveworksException.RateLimit -> details
        is MoveworksException.InternalServer -> details
        is MoveworksException.ApiStatus -> details
        is MoveworksException.ResponseFailed -> details
        is MoveworksException.PollTimeout -> details
        is MoveworksException.Cancelled -> details
    }

/** The stable kind name, e.g. `"not_found"` (same string in every language of the SDK). */
val MoveworksException.kind: String get() = details.kind

// uniffi generates MoveworksException as a flat sealed class: every variant extends it
// directly, and generated classes cannot be given extra supertypes from outside. So the
// parents that Python and Node express as classes (APIConnectionError, APIStatusError)
// are these two properties, computed from the core's hierarchy (ErrorDetails.parentKind).

/**
 * True for [MoveworksException.Connection] and [MoveworksException.Timeout]: Kotlin's
 * `APIConnectionError` (a timeout is a kind of connection error in every language).
 */
val MoveworksException.isConnectionError: Boolean
    get() = kind == "connection" || details.parentKind == "connection"

/**
 * True for [MoveworksException.ApiStatus] and every per-status variant (BadRequest,
 * Authentication, PermissionDenied, NotFound, RateLimit, InternalServer): Kotlin's `APIStatusError`.
 */
val MoveworksException.isApiStatusError: Boolean
    get() = kind == "api_status" || details.parentKind == "api_status"

/** The conversations as a lazy sequence. Fetching BLOCKS the consuming thread; errors are thrown. */
fun ConversationIterator.asSequence(): Sequence<Conversation> = generateSequence { next() }

/** The events as a lazy sequence. Fetching BLOCKS the consuming thread; errors are thrown. */
fun EventIterator.asSequence(): Sequence<Event> = generateSequence { next() }

/** A conversation's messages, newest first, as a lazy sequence. Fetching BLOCKS the consuming thread; errors are thrown. */
fun MessageIterator.asSequence(): Sequence<Message> = generateSequence { next() }

/** One response's messages as a lazy sequence. Fetching BLOCKS the consuming thread; errors are thrown. */
fun ResponseMessageIterator.asSequence(): Sequence<Message> = generateSequence { next() }

/** Adapts a Kotlin lambda to the update listener: return true to keep waiting. */
fun responseUpdateListener(block: (Response) -> Boolean): ResponseUpdateListener =
    object : ResponseUpdateListener {
        override fun onUpdate(response: Response): Boolean = block(response)
    }

// ---- streamed answers ----------------------------------------------------------------

/**
 * Sends a user message and streams the answer as a cold [Flow]: each collection sends
 * the message once (`POST /conversations/{id}/responses/stream`) and emits every
 * [StreamEvent]; a successful turn always ends with a [StreamEvent.ResponseCompleted]
 * carrying the final response, also when the stream broke (or the server sent a
 * [StreamEvent.Error] after naming the response) and the core finished the turn by
 * polling (the message is never sent twice); a handoff to a live agent completes with
 * no outputs. A [StreamEvent.ResponseFailed] is followed by
 * [MoveworksException.ResponseFailed] carrying the failed response.
 *
 * Nothing blocks, and no thread waits for the stream: the request and the reads run on a
 * thread of the stream's own ([Client.startStreamResponse]), and the collector suspends in
 * [AsyncResponseStream.nextBatch] until events arrive, then emits every event read
 * meanwhile in the collector's context. So thousands of flows can be collected at once,
 * on any dispatcher (a single thread included). Failures are thrown to the collector as
 * [MoveworksException] (typed API errors before the stream starts; `ResponseFailed`,
 * `PollTimeout`, … after). Firing [cancel] ends the flow with [MoveworksException.Cancelled]
 * naming the response. Cancelling the collecting coroutine (or stopping early: `first()`,
 * `take(n)`, a `break`-like exception) ends the turn and closes the connection within
 * about 20 ms; the response goes on server-side.
 *
 * ```
 * client.streamResponseFlow(conversationId, "Who does John Doe report to?").collect { event ->
 *     when (event) {
 *         is StreamEvent.ResponseOutputDelta -> render(event.output)
 *         is StreamEvent.ResponseCompleted -> println(event.response?.assistantText())
 *         is StreamEvent.Error -> log("server error ${event.code}: ${event.message}") // the turn goes on by polling
 *         else -> {}
 *     }
 * }
 * ```
 */
fun Client.streamResponseFlow(
    conversationId: String,
    text: String,
    options: StreamOptions = StreamOptions(),
    cancel: CancelHandle? = null,
): Flow<StreamEvent> = streamFlow { startStreamResponse(conversationId, text, options, cancel) }

/** The cold flow of the stream [start] opens on each collection (released when the collection ends). */
internal fun streamFlow(start: () -> AsyncResponseStream): Flow<StreamEvent> = flow {
    start().use { stream -> emitAll(stream.asFlow()) }
}

/**
 * The stream's events as a [Flow], for one collection: it awaits [AsyncResponseStream.nextBatch]
 * and emits each event of every batch, then completes after the last; a failed turn throws
 * its [MoveworksException] (after the events that preceded it). A collection that ends
 * early (cancelled, `first()`, an exception) calls [AsyncResponseStream.cancel], which ends
 * the turn and closes the connection; closing the object stays the caller's (`use { }`).
 */
fun AsyncResponseStream.asFlow(): Flow<StreamEvent> = flow {
    var over = false
    try {
        while (!over) {
            val batch = nextBatch()
            over = batch.last
            for (event in batch.events) emit(event)
        }
    } catch (e: MoveworksException) {
        // The turn's own failure: it is over already, nothing to cancel.
        over = true
        throw e
    } finally {
        if (!over) cancel()
    }
}

/**
 * The events as a lazy sequence (`for (event in stream.asSequence())`). Each step BLOCKS
 * the consuming thread; a failed turn throws its [MoveworksException] once, then the
 * sequence ends. Close the stream (`use { }`) to release the connection early.
 */
fun ResponseStream.asSequence(): Sequence<StreamEvent> = generateSequence { next() }

/** Iterates the events directly: `client.streamResponse(…).use { for (event in it) … }` (blocking, see [asSequence]). */
operator fun ResponseStream.iterator(): Iterator<StreamEvent> = asSequence().iterator()

/** Adapts a Kotlin lambda to the stream listener of [Client.streamResponseAndWait]: return true to keep streaming. */
fun streamEventListener(block: (StreamEvent) -> Boolean): StreamEventListener =
    object : StreamEventListener {
        override fun onEvent(event: StreamEvent): Boolean = block(event)
    }

/** The event's wire name, e.g. `"RESPONSE_OUTPUT_DELTA"` (an unknown event's name as sent). */
val StreamEvent.eventName: String get() = streamEventName(this)

/**
 * The server's event counter (1, 2, … over the stream), whichever the variant; null when
 * the event carried none, and on the deltas of a turn finished by polling.
 */
val StreamEvent.sequenceNumber: ULong? get() = streamEventSequenceNumber(this)

/** The response the event carries ([StreamEvent.ResponseCreated], `…InProgress`, `…Completed`, `…Failed`), or null. */
val StreamEvent.response: Response? get() = streamEventResponse(this)

/** The event names this SDK version decodes into a known [StreamEvent] variant (`RESPONSE_CREATED`, …, `ERROR`). */
val StreamEvent.Companion.KNOWN: List<String> get() = streamEventKnownNames()

/**
 * The event as JSON: `{"event": <wire name>, "sequence_number": n|null, <its fields>…}`
 * (`ERROR`: `"error": {"code", "message"}`); unknown: `{"event": name, "sequence_number": …, "data": raw}`.
 */
fun StreamEvent.toJson(): String = streamEventToJson(this)

// ---- the core's model helpers, as extensions -------------------------------------

/** The assistant's answer: its final messages' text joined by blank lines, or null. */
fun Response.assistantText(): String? = responseAssistantText(this)

/** The final messages written by the assistant, in output order. */
fun Response.assistantMessages(): List<Message> = responseAssistantMessages(this)

/** True for a terminal status (COMPLETED or FAILED). */
fun Response.isTerminal(): Boolean = responseIsTerminal(this)

/** The response as the API's JSON (unknown variants verbatim). */
fun Response.toJson(): String = responseToJson(this)

/** Reads a response from the API's JSON (e.g. one cached by [toJson]); throws [MoveworksException.Decode]. */
fun Response.Companion.fromJson(json: String): Response = responseFromJson(json)

/** The message text (for unknown content types, a best-effort read). */
fun Message.text(): String = messageText(this)

/**
 * The message text with `[1]`, `[2]`, … inserted where [Message.contentReferences] place
 * each citation (character offsets; `[n]` is the citation's position in [Message.citations],
 * references at one offset each get a marker). Messages without content references fall
 * back to the deprecated [Citation.offset].
 */
fun Message.textWithCitationMarkers(): String = messageTextWithCitationMarkers(this)

/** The wire spelling, e.g. `"IN_PROGRESS"` (unknown values verbatim). */
fun ResponseStatus.wireName(): String = responseStatusWireName(this)

/** The conversation as the API's JSON. */
fun Conversation.toJson(): String = conversationToJson(this)

/** The page as the API's JSON (`{"conversations": […], "metadata": {"next_cursor": …}}`). */
fun ConversationPage.toJson(): String = conversationPageToJson(this)

/** The event as the API's JSON (unknown payloads verbatim). */
fun Event.toJson(): String = eventToJson(this)

/** The page as the API's JSON (`{"events": […], "metadata": {"next_cursor": …}}`). */
fun EventPage.toJson(): String = eventPageToJson(this)

/** The message as the API's JSON (unknown content verbatim; `feedback` when the server sent it). */
fun Message.toJson(): String = messageToJson(this)

/** The page as the API's JSON (`{"messages": […], "metadata": {"next_cursor": …}}`). */
fun MessagePage.toJson(): String = messagePageToJson(this)

/** The feedback answer as the API's JSON (`{"status": "SUBMITTED"}`). */
fun FeedbackResult.toJson(): String = feedbackResultToJson(this)

/** The wire spelling, e.g. `"SUBMITTED"` (unknown values verbatim). */
fun FeedbackStatus.wireName(): String = feedbackStatusWireName(this)

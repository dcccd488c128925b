// Webhook deliveries and the events follower: Kotlin shapes (a String body, lambdas,
// a Flow) over the generated WebhookDelivery and EventsFollower.
package ai.moveworks.sdk

import ai.moveworks.sdk.model.Event
import kotlinx.coroutines.CancellationException
import kotlinx.coroutines.flow.Flow
import kotlinx.coroutines.flow.flow

/** [WebhookDelivery.parse] of a body received as text. */
fun WebhookDelivery.Companion.parse(body: String): WebhookDelivery = WebhookDelivery.parseText(body)

/** Adapts a Kotlin lambda to an [EventHandler]: return true when handled, false to get the event again later. */
fun eventHandler(block: (Event) -> Boolean): EventHandler =
    object : EventHandler {
        override fun onEvent(event: Event): Boolean = block(event)
    }

/** [EventsFollower.pollOnce] with a lambda (true: handled). BLOCKING. */
fun EventsFollower.pollOnce(handler: (Event) -> Boolean): ULong = pollOnce(eventHandler(handler))

/** [EventsFollower.run] with a lambda (true: handled); cancel from another thread to return. BLOCKING. */
fun EventsFollower.run(handler: (Event) -> Boolean) = run(eventHandler(handler))

/**
 * Adapts a Kotlin object to a [CheckpointStore] from two lambdas (e.g. a database row per user).
 * [loadCheckpoint] returns null when nothing was saved yet; [saveCheckpoint] must be durable when it returns.
 */
fun checkpointStore(loadCheckpoint: () -> String?, saveCheckpoint: (String) -> Unit): CheckpointStore =
    object : CheckpointStore {
        override fun load(): String? = loadCheckpoint()
        override fun save(checkpoint: String) = saveCheckpoint(checkpoint)
    }

/**
 * The followed feed as a [Flow] of events, for one collection. Each event counts as
 * handled (its id is saved as the checkpoint) when the collector asks for the next one;
 * call [EventsFollower.commit] after leaving early (`take(n)`, `first()`) to save the last.
 * The flow completes when the follower is cancelled ([EventsFollower.cancel]); a permanent
 * failure is thrown as [MoveworksException].
 *
 * No thread of the collector's waits: each event is awaited with
 * [EventsFollower.nextEventAsync] (the wait between polls runs on a thread of the SDK's).
 * Cancelling the collecting coroutine cancels the follower (final), which ends that wait.
 */
fun EventsFollower.asFlow(): Flow<Event> = flow {
    try {
        while (true) {
            val event = nextEventAsync() ?: break
            emit(event)
        }
    } catch (e: CancellationException) {
        cancel()
        throw e
    }
}

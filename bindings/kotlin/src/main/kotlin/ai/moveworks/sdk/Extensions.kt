// Hand-written conveniences over the uniffi-generated API (moveworks_uniffi.kt).
// They only reshape what the generated code already offers: no client logic here.
package ai.moveworks.sdk

import ai.moveworks.sdk.model.*

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

/** The conversations as a lazy sequence. Fetching BLOCKS the consuming thread; errors are thrown. */
fun ConversationIterator.asSequence(): Sequence<Conversation> = generateSequence { next() }

/** The events as a lazy sequence. Fetching BLOCKS the consuming thread; errors are thrown. */
fun EventIterator.asSequence(): Sequence<Event> = generateSequence { next() }

/** Adapts a Kotlin lambda to the update listener: return true to keep waiting. */
fun responseUpdateListener(block: (Response) -> Boolean): ResponseUpdateListener =
    object : ResponseUpdateListener {
        override fun onUpdate(response: Response): Boolean = block(response)
    }

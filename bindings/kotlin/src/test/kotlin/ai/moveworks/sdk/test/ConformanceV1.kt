// The rest/v1 calls of tests/conformance/v1-scenarios.json (see its README section
// "rest/v1 scenarios"), through the public API as an app would make them: explicit
// inputs, press, get event, forms, webhook deliveries and the events follower.
package ai.moveworks.sdk.test

import ai.moveworks.sdk.*
import ai.moveworks.sdk.model.*
import java.io.File

/** A turn's input: `text` (a typed turn, null here) or `input`, one of chat / text / callback_id / raw. */
@Suppress("UNCHECKED_CAST")
internal fun conformanceInput(a: Map<String, Any?>): Input? {
    val spec = a["input"] as Map<String, Any?>? ?: return null
    check(spec.size == 1) { "input takes exactly one key" }
    val (kind, value) = spec.entries.first()
    return when (kind) {
        "chat" -> Input.Chat(value as String)
        "text" -> Input.Text(value as String)
        "callback_id" -> Input.Callback(value as String)
        "raw" -> Input.Raw(Json.write(value))
        else -> error("unknown input kind $kind")
    }
}

/** Performs one rest/v1 call and returns its result as parsed wire JSON; null when [name] is not one. */
@Suppress("UNCHECKED_CAST")
internal fun conformanceV1Call(c: Client, name: String, a: Map<String, Any?>, checkpoints: File): Any? {
    fun req(k: String) = a[k] as String? ?: error("missing arg $k")
    fun modalRef() = ModalRef(req("conversation_id"), req("response_id"), req("message_id"), req("modal_id"))
    fun values() = (a["values"] as Map<String, Any?>? ?: error("missing values"))
        .mapValues { (_, v) -> ModalValue.fromWire(Json.write(v)) }
    return when (name) {
        "press" -> Json.parse(c.press(req("conversation_id"), Action.fromJson(Json.write(a["action"]))).toJson())
        "get_event" -> Json.parse(c.getEvent(req("conversation_id"), req("event_id")).toJson())
        "get_modal" -> Json.parse(c.getModal(modalRef()).toJson())
        "refresh_modal" -> {
            // The saved modal, with where it was fetched from, as refreshModal takes it.
            val previous = Modal.fromJson(Json.write(a["previous"])).copy(source = modalRef())
            Json.parse(c.refreshModal(previous, values()).toJson())
        }
        "submit_modal" -> Json.parse(c.submitModal(modalRef(), values()).toJson())
        "webhook_message" -> {
            // The raw body as a handler receives it; a JSON value stands for its encoding.
            val body = when (val b = a["body"]) { is String -> b; null -> error("missing body"); else -> Json.write(b) }
            WebhookDelivery.parse(body).use { d ->
                val event = d.fetch(c)
                mapOf(
                    "delivery" to mapOf("id" to d.id(), "conversation_id" to d.conversationId(),
                        "user_id" to d.userId(), "event_type" to d.eventType()),
                    "event" to Json.parse(event.toJson()),
                )
            }
        }
        "follow_events" -> followEvents(c, a, File(checkpoints, req("checkpoint")))
        else -> null
    }
}

/**
 * A new follower (as after a restart) on the file checkpoint, polled once; its handler takes
 * the first `handle` events and refuses the next. The events handled and the checkpoint after.
 */
private fun followEvents(c: Client, a: Map<String, Any?>, checkpoint: File): Any? {
    val options = FollowOptions(replay = a["replay"] as Boolean?, pageSize = (a["page_size"] as Long?)?.toUInt())
    val handle = (a["handle"] as Long?)?.toInt() ?: Int.MAX_VALUE
    return c.followEvents(checkpoint.path, options).use { follower ->
        val handled = ArrayList<Any?>()
        follower.pollOnce { event ->
            if (handled.size == handle) {
                false
            } else {
                handled += Json.parse(event.toJson())
                true
            }
        }
        mapOf("events" to handled, "checkpoint" to follower.checkpoint())
    }
}

// rest/v1 conveniences over the generated API: buttons, forms and their JSON, and the
// explicit-input overloads of the turn calls. Each only forwards to an exported core
// helper or a generated `*With` call (uniffi cannot export methods on records, nor overloads).
package ai.moveworks.sdk

import ai.moveworks.sdk.model.*
import kotlinx.coroutines.flow.Flow

// ---- messages and buttons -------------------------------------------------------------

/** The message's buttons (its `actions`), in the order to render them. */
fun Message.buttons(): List<Action> = messageButtons(this)

/** True when a human agent wrote the message (`LIVE_AGENT`); [Message.senderInfo] says who. */
val Message.isLiveAgent: Boolean get() = messageIsLiveAgent(this)

/**
 * The form a [Action.Modal] of this message opens, for [Client.getModal] and [Client.submitModal];
 * null for any other action. Modal ids are minted per message read: use the copy you just read.
 */
fun Message.modalRef(action: Action): ModalRef? = messageModalRef(this, action)

/** The forms this message offers, one per [Action.Modal], in order. */
fun Message.modals(): List<ModalRef> = messageModals(this)

/** The action's wire type, e.g. `"CALLBACK_ACTION"` (an unknown one's as sent). */
val Action.typeName: String get() = actionTypeName(this)

/** What the button shows (null only for an unknown action without one). */
val Action.label: String? get() = actionLabel(this)

/** The action as the API's JSON. */
fun Action.toJson(): String = actionToJson(this)

/** Reads an action from the API's JSON; throws [MoveworksException.Decode]. */
fun Action.Companion.fromJson(json: String): Action = actionFromJson(json)

// ---- forms ------------------------------------------------------------------------------

/** The form as the API's JSON (`{"modal_id", "title", "fields": […]}`). */
fun Modal.toJson(): String = modalToJson(this)

/** Reads a form from the API's JSON; set [Modal.source] before refreshing it. Throws [MoveworksException.Decode]. */
fun Modal.Companion.fromJson(json: String): Modal = modalFromJson(json)

/** The field named [name], or null. */
fun Modal.field(name: String): ModalField? = modalField(this, name)

/**
 * The value this field takes from text a person typed (`TEXT`, `DATE`, `DATETIME` as is; `BOOLEAN`
 * from true/false/yes/no; a `CHOICE` as its option's value or display value). Other kinds throw
 * [MoveworksException.InvalidArgument] naming the field.
 */
fun ModalField.valueFromText(text: String): ModalValue = modalFieldValueFromText(this, text)

/** The field's wire type, e.g. `"CHOICE"`. */
val ModalField.typeName: String get() = modalFieldTypeName(this)

/** A value from its wire JSON (`{"option": "mac"}`); other JSON is kept as [ModalValue.Raw]. */
fun ModalValue.Companion.fromWire(json: String): ModalValue = modalValueFromWire(json)

/** The value's wire JSON. */
fun ModalValue.toWire(): String = modalValueToWire(this)

/** The submit acknowledgement as the API's JSON (`{"status": "SUBMITTED", …}`). */
fun ModalSubmitResult.toJson(): String = modalSubmitResultToJson(this)

// ---- explicit inputs ------------------------------------------------------------------

/** [Client.createResponse] with an explicit [Input] (chat, text, a button's callback id, raw JSON). */
fun Client.createResponse(conversationId: String, input: Input): Response = createResponseWith(conversationId, input)

/** Non-blocking [createResponse] with an explicit [Input]. */
suspend fun Client.createResponseAsync(conversationId: String, input: Input): Response =
    createResponseWithAsync(conversationId, input)

/** [Client.createResponseAndWait] with an explicit [Input]. BLOCKS the calling thread for the whole wait. */
fun Client.createResponseAndWait(
    conversationId: String,
    input: Input,
    options: WaitOptions = WaitOptions(),
    cancel: CancelHandle? = null,
    listener: ResponseUpdateListener? = null,
): Response = createResponseAndWaitWith(conversationId, input, options, cancel, listener)

/** Non-blocking [createResponseAndWait] with an explicit [Input]. */
suspend fun Client.createResponseAndWaitAsync(
    conversationId: String,
    input: Input,
    options: WaitOptions = WaitOptions(),
    cancel: CancelHandle? = null,
    listener: ResponseUpdateListener? = null,
): Response = createResponseAndWaitWithAsync(conversationId, input, options, cancel, listener)

/** [Client.streamResponse] with an explicit [Input] (blocking reads; see [streamResponseFlow] for coroutines). */
fun Client.streamResponse(
    conversationId: String,
    input: Input,
    options: StreamOptions = StreamOptions(),
    cancel: CancelHandle? = null,
): ResponseStream = streamResponseWith(conversationId, input, options, cancel)

/** [streamResponseFlow] with an explicit [Input]: the same cold flow, the same rules. */
fun Client.streamResponseFlow(
    conversationId: String,
    input: Input,
    options: StreamOptions = StreamOptions(),
    cancel: CancelHandle? = null,
): Flow<StreamEvent> = streamFlow { startStreamResponseWith(conversationId, input, options, cancel) }

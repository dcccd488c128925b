'use strict'
// Outbound webhooks (Moveworks -> your server): reading a delivery (the core's
// WebhookDelivery::parse) and fetching the message it points at. Bound to index.js's
// converters by the function it exports.

/**
 * @param {object} internals index.js's `native`, `convertError`, `invalid`
 */
module.exports = function bind({ native, convertError, invalid }) {
  /**
   * One webhook delivery of Moveworks (`CONVERSATION_RESPONSE_RECEIVED`), as POSTed to your
   * endpoint: a pointer to an event (`id`), its conversation and the user to act as. The
   * content is always fetched from the API with that user's credentials: `fetch(client)`.
   *
   * **Verifying.** Moveworks signs deliveries with a rotating key, but the header names,
   * the algorithm and where keys are published are not public, so this package ships no
   * verifier (it would have to guess). Pass your own as `verifier` once you know the
   * scheme (from your Moveworks account team): it gets the request's headers and the raw
   * body, byte for byte, before anything is parsed, and throws to refuse the delivery
   * (its error is thrown by `parse`). It must be synchronous: await an asynchronous check
   * (fetching keys) before calling `parse`. Until then keep the endpoint's URL secret and
   * treat a delivery as a hint: an id that is not that user's is a NotFoundError on fetch.
   */
  class WebhookDelivery {
    /** @internal Use `WebhookDelivery.parse`. */
    constructor(wire) {
      /** The event id (`evt_…`): fetch it with `fetch`; also the key to drop a repeat. */
      this.id = wire.id
      /** The public conversation id (`data.conversation_id`). */
      this.conversationId = wire.conversation_id
      /** The user to act as when fetching (`data.user_id`). */
      this.userId = wire.user_id
      /** The event type when the delivery names one (its member name is not published: null is normal). */
      this.eventType = wire.event_type ?? null
      /** The whole body as received (wire JSON, unknown members included). */
      this.raw = wire.raw
      Object.defineProperty(this, '_isConversationResponse', { value: wire.is_conversation_response })
    }

    /**
     * Reads a delivery from the raw request body (a Buffer, or the body as a string).
     * A body that is not a JSON object is a DecodeError; a missing or empty `id`,
     * `data.conversation_id` or `data.user_id` an InvalidArgumentError naming it.
     * `verifier(headers, body)` (optional, see the class) runs first.
     */
    static parse(body, options = {}) {
      if (typeof body === 'string') body = Buffer.from(body, 'utf8')
      if (!Buffer.isBuffer(body) && !(body instanceof Uint8Array)) throw invalid('body', 'must be a Buffer or a string (the raw request body)')
      if (options == null || typeof options !== 'object') throw invalid('options', 'must be an object')
      const { headers, verifier, ...rest } = options
      for (const key of Object.keys(rest)) throw invalid(key, 'is not an option of WebhookDelivery.parse (it takes: headers, verifier)')
      const raw = Buffer.isBuffer(body) ? body : Buffer.from(body.buffer, body.byteOffset, body.byteLength)
      if (verifier != null) {
        if (typeof verifier !== 'function') throw invalid('verifier', 'must be a function (headers, body) that throws to refuse')
        const verdict = verifier(headers ?? {}, raw)
        if (verdict != null && typeof verdict.then === 'function') {
          throw invalid('verifier', 'must be synchronous: await an asynchronous check before WebhookDelivery.parse')
        }
      }
      try {
        return new WebhookDelivery(JSON.parse(native.parseWebhookDelivery(raw)))
      } catch (err) {
        throw convertError(err)
      }
    }

    /** True when the delivery is (or may be) a `CONVERSATION_RESPONSE_RECEIVED`: it names that type, or none. */
    get isConversationResponse() {
      return this._isConversationResponse
    }

    /**
     * Fetches the event this delivery points at: `GET /conversations/{conversationId}/events/{id}`
     * (the core's `WebhookDelivery::fetch` is exactly this call). `client` must act for
     * `userId` (e.g. `client.forUser(...)`): another user's client gets NotFoundError.
     */
    async fetch(client, options = {}) {
      return client.getEvent(this.conversationId, this.id, options)
    }
  }
  return { WebhookDelivery }
}

'use strict'
// The models: the core's wire JSON (snake_case) converted to this package's objects
// (camelCase, Dates, tagged unions with an UNKNOWN member) and back, the helpers the core
// computes on them, and the turn inputs. Bound to index.js's addon, `Wired` and `invalid` by
// the function it exports, so there is one converter for the package.

/**
 * @param {object} internals index.js's addon, `Wired` and `invalid`
 * @returns {object} the converters, helpers and `Input` that index.js, stream.js, follower.js
 *   and forms use
 */
module.exports = function bind({ native, Wired, invalid }) {
  // ---- models ---------------------------------------------------------------

  // Memoized: the API has a few dozen distinct keys, and every decoded model converts each of them.
  const camelCache = new Map()
  const camel = (k) => {
    let c = camelCache.get(k)
    if (c === undefined) {
      c = k.replace(/_([a-z0-9])/g, (_, ch) => ch.toUpperCase())
      if (camelCache.size < 1024) camelCache.set(k, c)
    }
    return c
  }

  /**
   * The core's known `type` values per tagged union. Every other type becomes the
   * union's unknown variant `{ type: 'UNKNOWN', typeName, raw }`, so that `type`
   * alone discriminates (index.d.ts declares exactly these literals).
   */
  const KNOWN = (() => {
    const k = native.knownTypeNames()
    return {
      content: new Set(k.content),
      outputItem: new Set(k.outputItem),
      eventPayload: new Set(k.eventPayload),
      action: new Set(k.action),
    }
  })()

  /** Marks `to` as made from the wire value `from` (what `toWire` returns). */
  function keepWire(to, from) {
    new Wired(to, from)
    return to
  }

  /**
   * A tagged union member: a known type converts like any model; an unknown one
   * keeps its type name and its verbatim wire JSON, mirroring the core's `Unknown`.
   */
  function taggedFromWire(value, known) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return fromWire(value)
    if (known.has(value.type)) return fromWire(value)
    return keepWire({ type: 'UNKNOWN', typeName: String(value.type), raw: value }, value)
  }

  /**
   * Non-enumerable getters under old names, so the new shape is what logs and deepEqual
   * see. One getter per alias, shared by every object (a closure per object would give
   * each its own hidden class, several times the cost of converting it).
   */
  const LOCATION_ALIAS = {
    get() {
      return this.offset == null ? undefined : { offset: this.offset }
    },
    enumerable: false,
    configurable: true,
  }
  const PAYLOAD_ALIAS = {
    get() {
      return this.payload
    },
    enumerable: false,
    configurable: true,
  }

  /**
   * A citation as the core's model has it: `citationId`, `url`, `display`, and the
   * deprecated `offset` directly on the citation (the wire nests it in `location`, which
   * stays readable as a deprecated alias); both are absent when the server sent no
   * `location`, as Moveworks no longer does (markers come from `message.contentReferences`).
   */
  function citationFromWire(value) {
    if (value === null || typeof value !== 'object') return value
    const out = {}
    for (const k in value) {
      const v = value[k]
      if (k === 'location') {
        if (v?.offset != null) out.offset = v.offset
      } else if (k === 'display' && v !== null && typeof v === 'object') out.display = displayFromWire(v)
      else out[camel(k)] = fromWire(v)
    }
    // Only where there is an offset to alias: a runtime call per citation was a sixth of
    // converting a streamed message with three citations, and the getter's `undefined`
    // is what reading an absent `location` gives anyway.
    if (out.offset !== undefined) Object.defineProperty(out, 'location', LOCATION_ALIAS)
    return keepWire(out, value)
  }

  /** A citation's display: `title` and `body` are Content; `attributes` are `{ key, value }` pairs. */
  function displayFromWire(value) {
    const out = {}
    for (const k in value) {
      const v = value[k]
      out[camel(k)] = k === 'title' || k === 'body' ? taggedFromWire(v, KNOWN.content) : fromWire(v)
    }
    return keepWire(out, value)
  }

  /**
   * Wire JSON -> plain object: camelCase keys, `*_at` timestamps as Date, and the
   * core model's names where they differ from the wire by more than casing
   * (`Event.payload`, `Citation.offset`). Keyed by field name, which is unique to
   * one model in this API, so no model shape is written down twice. The original
   * wire value stays reachable through `toWire()`.
   */
  function fromWire(value) {
    if (Array.isArray(value)) return value.map(fromWire)
    if (value === null || typeof value !== 'object') return value
    const out = {}
    for (const k in value) {
      const v = value[k]
      if (k === 'event_payload') {
        // The core model (and Python) call it `payload`; `eventPayload` is the old Node name.
        out.payload = taggedFromWire(v, KNOWN.eventPayload)
        Object.defineProperty(out, 'eventPayload', PAYLOAD_ALIAS)
      } else if (v === null || typeof v !== 'object') {
        // Most members are strings, numbers, booleans or null: the short way.
        out[camel(k)] = typeof v === 'string' && k.endsWith('_at') ? new Date(v) : v
      } else if (k === 'outputs' && Array.isArray(v)) {
        out.outputs = v.map((o) => taggedFromWire(o, KNOWN.outputItem))
      } else if (k === 'output' && !Array.isArray(v)) {
        // A stream event's output item (RESPONSE_OUTPUT_DELTA).
        out.output = taggedFromWire(v, KNOWN.outputItem)
      } else if (k === 'content') {
        out.content = taggedFromWire(v, KNOWN.content)
      } else if (k === 'actions' && Array.isArray(v)) {
        // A message's buttons (rest/v1), a tagged union like content.
        out.actions = v.map((a) => taggedFromWire(a, KNOWN.action))
      } else if (k === 'action' && !Array.isArray(v)) {
        // A "Get Help" menu entry's button.
        out.action = taggedFromWire(v, KNOWN.action)
      } else if (k === 'text' && typeof v.type === 'string') {
        // A "Get Help" menu entry's text is a Content (elsewhere `text` is a string).
        out.text = taggedFromWire(v, KNOWN.content)
      } else if (k === 'citations' && Array.isArray(v)) {
        out.citations = v.map(citationFromWire)
      } else {
        out[camel(k)] = fromWire(v)
      }
    }
    return keepWire(out, value)
  }

  /**
   * A stream event from the addon's `{event, known}` record: a known event converts like
   * any model (`event` stays the wire name, the discriminant); an event name the core
   * does not know becomes `{ event: 'UNKNOWN', sequenceNumber, eventName, data }`, as
   * unknown `type`s do.
   */
  function streamEventFromWire(wire, known, requestId, httpHeaders) {
    if (!known) {
      const unknown = { event: 'UNKNOWN', sequenceNumber: wire.sequence_number ?? null, eventName: String(wire.event), data: wire.data }
      return keepWire(unknown, wire)
    }
    const event = fromWire(wire)
    // The response an event carries (created, in progress, completed, failed) has the streaming request's id.
    if (event.response != null && typeof event.response === 'object') traced(event.response, requestId, httpHeaders)
    return event
  }

  /** A page: items plus `nextCursor` (null after the last page). */
  function pageFromWire(wire, key) {
    const page = { [key]: fromWire(wire[key] ?? []), nextCursor: wire.metadata?.next_cursor ?? null }
    return keepWire(page, wire)
  }

  /**
   * Gives a returned object the `x-moveworks-root-uuid` of the HTTP answer it came from
   * (the core's `request_id`, handed over by the addon beside the wire JSON) as
   * `requestId`: non-enumerable like the wire JSON, so JSON.stringify, spreading and
   * deepStrictEqual ignore it, as the core's `==` does. The only place it is defined.
   */
  function traced(value, requestId, httpHeaders) {
    Object.defineProperty(value, 'requestId', { value: requestId ?? null, enumerable: false })
    Object.defineProperty(value, 'httpHeaders', { value: httpHeaders ?? null, enumerable: false })
    return value
  }

  /**
   * What every call and page does with the addon's result (`{ json, requestId }`: the
   * core's wire JSON and the request id beside it): `convert` shapes the wire JSON, then
   * the request id is attached.
   */
  function fromNative(result, convert = fromWire) {
    return traced(convert(JSON.parse(result.json)), result.requestId, result.httpHeaders)
  }

  /** A Response the addon hands to `onUpdate` as one string, `{"value": <wire>, "request_id": ..., "http_headers": ...}`. */
  function fromCallbackJson(json) {
    const { value, request_id: requestId, http_headers: httpHeaders } = JSON.parse(json)
    return traced(fromWire(value), requestId, httpHeaders)
  }

  /**
   * The exact wire JSON (snake_case, timestamps as strings, unknown values
   * verbatim) that a model object returned by this SDK was made from, as the
   * core serialized it.
   */
  function toWire(model) {
    const wire = Wired.of(model)
    if (wire === undefined) throw invalid('model', 'is not an object returned by this SDK')
    return wire
  }

  /** The wire JSON text of `model` for a core helper; `argument` names it in the error. */
  function wireText(argument, model) {
    const wire = Wired.of(model)
    if (wire === undefined) throw invalid(argument, 'is not an object returned by this SDK')
    return JSON.stringify(wire)
  }

  // ---- helpers: each one is the core's, run on the model's wire JSON ------------

  /** The assistant's answer (its final messages' text joined by blank lines), or null when there is none yet. */
  function assistantText(response) {
    return native.assistantText(wireText('response', response))
  }

  /** The final messages written by the assistant, in output order (the `message` objects of `response.outputs`). */
  function assistantMessages(response) {
    const wire = wireText('response', response)
    return native.assistantMessageIndexes(wire).map((i) => response.outputs[i].message)
  }

  /** The reasoning messages shown so far, in output order (the `reasoningMessage` objects of `response.outputs`). */
  function reasoningMessages(response) {
    const wire = wireText('response', response)
    return native.reasoningMessageIndexes(wire).map((i) => response.outputs[i].reasoningMessage)
  }

  /**
   * One message's text with `[n]` markers (n: the cited citation's position in
   * `message.citations`, from 1) where its `contentReferences` place them, several
   * references at one offset side by side (the core's `Message::text_with_citation_markers`;
   * a message without references falls back to the citations' deprecated `offset`s).
   */
  function textWithCitationMarkers(message) {
    if (message != null && typeof message === 'object' && 'outputs' in message) {
      // The old Node helper took a Response; say what to pass instead of a decode error.
      throw invalid('message', 'is a Response: pass one of assistantMessages(response)')
    }
    return native.textWithCitationMarkers(wireText('message', message))
  }

  /** A message's text; unknown content types are read best-effort (the core's `Message::text`). */
  function messageText(message) {
    return native.messageText(wireText('message', message))
  }

  /** The text of known content types, null for an unknown type (the core's `Content::text`). */
  function contentText(content) {
    return native.contentText(wireText('content', content))
  }

  /** As `contentText`, also reading unknown types of the usual `{type, <type>: {text}}` shape (the core's `Content::text_lossy`). */
  function contentTextLossy(content) {
    return native.contentTextLossy(wireText('content', content))
  }

  // ---- inputs -------------------------------------------------------------------

  /**
   * The explicit input variants of a turn (`createResponse`, `createResponseAndWait`,
   * `streamResponse`, `streamResponseAndWait` take one where they take text): plain
   * objects with one key, `{ chat }`, `{ text }`, `{ callbackId }` or `{ raw }`, made
   * here or written as literals. A plain string is a typed turn in the client's
   * generation (`chat` on rest/v1, `text` on the beta). What each sends, and which
   * generation takes it, is the core's to decide.
   */
  const Input = Object.freeze({
    /** `{"chat": {"text": …}}` (rest/v1): a typed turn as Moveworks' own app sends it. */
    chat: (text) => ({ chat: text }),
    /** `{"text": …}`: documented on both generations. */
    text: (text) => ({ text }),
    /** `{"callback_id": …}` (rest/v1): a button press, the id passed back as received. */
    callback: (callbackId) => ({ callbackId }),
    /** Any other input object, sent as given (e.g. `{ action: {...} }`): the escape hatch. */
    raw: (input) => ({ raw: input }),
  })

  /**
   * A turn's input as JSON for the addon: a string as is, an input object with its
   * `callbackId` key in the wire's spelling; the core checks the rest.
   */
  function inputJson(input) {
    if (typeof input === 'string') return JSON.stringify(input)
    if (input === null || typeof input !== 'object' || Array.isArray(input)) {
      throw invalid('text', `must be a string or an Input ({ chat }, { text }, { callbackId }, { raw }), got ${input === null ? 'null' : typeof input}`)
    }
    const wire = {}
    for (const [key, value] of Object.entries(input)) {
      if (value !== undefined) wire[key === 'callbackId' ? 'callback_id' : key] = value
    }
    return JSON.stringify(wire)
  }

  return {
    // The converters.
    camel, fromWire, streamEventFromWire, pageFromWire, fromNative, fromCallbackJson, toWire, wireText,
    // The core's helpers (exported by index.js) and the turn inputs.
    assistantText, assistantMessages, reasoningMessages, textWithCitationMarkers, messageText, contentText,
    contentTextLossy, Input, inputJson,
  }
}

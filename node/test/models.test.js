'use strict'
// The model shapes and helpers against the simulator's real responses (a reasoning
// message, then a CommonMark answer with citations), unknown union types, withOptions,
// and that index.js, index.mjs and index.d.ts declare the same names.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const mw = require('..')
const { startSim } = require('./sim')

let sim
test.before(async () => {
  sim = await startSim()
})
test.after(() => sim.stop())
test.beforeEach(async () => {
  await sim.reset()
  await sim.config({ response_duration_ms: 60 })
})

const FAST = { initialIntervalMs: 10, maxIntervalMs: 30, deadlineMs: 10_000 }
const client = (extra) => new mw.Client(sim.options(extra))
const isInvalid = (argument) => (e) => e instanceof mw.InvalidArgumentError && e.argument === argument
const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/
const instants = (v) =>
  typeof v === 'string' && RFC3339.test(v) ? new Date(v).getTime()
    : Array.isArray(v) ? v.map(instants)
      : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, instants(x)]))
        : v
const DTS = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')

async function answered(c, text = 'Who does John Doe report to?') {
  const conv = await c.createConversation()
  return c.createResponseAndWait(conv.conversationId, text, FAST)
}

test('outputs are tagged unions; the helpers return the very objects of outputs', async () => {
  const done = await answered(client())
  assert.deepEqual(done.outputs.map((o) => o.type), ['REASONING_MESSAGE', 'MESSAGE'])
  const [reasoning, final] = done.outputs

  const messages = mw.assistantMessages(done)
  assert.equal(messages.length, 1)
  assert.equal(messages[0], final.message, 'the same object, not a copy')
  const reasonings = mw.reasoningMessages(done)
  assert.equal(reasonings.length, 1)
  assert.equal(reasonings[0], reasoning.reasoningMessage)
  assert.match(reasonings[0].reasoningMessageId, /./)
  assert.ok(reasonings[0].createdAt instanceof Date)

  // Before completion the answer is not there yet: the helpers say so, not throw.
  const conv = await client().createConversation()
  const created = await client().createResponse(conv.conversationId, 'hi')
  assert.deepEqual(mw.assistantMessages(created), [])
  assert.equal(mw.assistantText(created), null)
})

test('message text, content text and citation markers come from the core', async () => {
  const done = await answered(client())
  const [msg] = mw.assistantMessages(done)
  assert.equal(msg.actor, 'ASSISTANT')
  assert.equal(msg.content.type, 'COMMONMARK_TEXT')
  const text = msg.content.commonmarkText.text
  assert.equal(mw.contentText(msg.content), text)
  assert.equal(mw.contentTextLossy(msg.content), text)
  assert.equal(mw.messageText(msg), text)
  assert.equal(mw.assistantText(done), mw.assistantMessages(done).map(mw.messageText).join('\n\n'))
  const thought = mw.reasoningMessages(done)[0].content
  assert.equal(thought.type, 'PLAIN_TEXT')
  assert.equal(mw.contentText(thought), thought.plainText.text)

  // Citations as published: an id, a display with opaque attributes, no location; where
  // their markers go is the message's contentReferences.
  assert.ok(msg.citations.length >= 1)
  for (const c of msg.citations) {
    assert.match(c.citationId, /^cite_/)
    assert.equal(c.offset, undefined, 'no deprecated offset from a current server')
    assert.equal(c.location, undefined, 'nor its hidden alias')
    assert.ok(!('location' in mw.toWire(c)))
    if (c.display?.title) assert.equal(typeof mw.contentTextLossy(c.display.title), 'string')
    for (const a of c.display?.attributes ?? []) assert.deepEqual(Object.keys(a), ['key', 'value'])
  }
  assert.ok(msg.contentReferences.length >= 1)
  const ids = msg.citations.map((c) => c.citationId)
  for (const r of msg.contentReferences) {
    assert.deepEqual(Object.keys(r), ['citationId', 'offset'])
    assert.ok(ids.includes(r.citationId), r.citationId)
  }
  assert.deepEqual(mw.toWire(msg).content_references.map((r) => r.citation_id), msg.contentReferences.map((r) => r.citationId))

  // The marker [n] of citation n-1 sits at each reference's offset, counted in
  // characters (code points): checked by taking the markers out again in offset order.
  const marked = mw.textWithCitationMarkers(msg)
  assert.match(marked, /\[1\]/)
  let rest = Array.from(marked)
  const seen = new Set()
  const order = msg.contentReferences
    .map((r) => [r.offset, ids.indexOf(r.citationId)])
    .filter(([offset, i]) => !seen.has(`${offset}:${i}`) && seen.add(`${offset}:${i}`))
    .sort((a, b) => a[0] - b[0])
  for (const [offset, i] of order) {
    const marker = Array.from(`[${i + 1}]`)
    const at = Math.min(offset, Array.from(text).length)
    assert.deepEqual(rest.slice(at, at + marker.length), marker, `marker ${i + 1} at character ${offset}`)
    rest = [...rest.slice(0, at), ...rest.slice(at + marker.length)]
  }
  assert.equal(rest.join(''), text, 'only markers were inserted')

  // The old response-level call gets a clear error naming the argument.
  assert.throws(() => mw.textWithCitationMarkers(done), isInvalid('message'))
  assert.throws(() => mw.textWithCitationMarkers({ messageId: 'x' }), isInvalid('message'))
  assert.throws(() => mw.contentText('hi'), isInvalid('content'))
  assert.throws(() => mw.assistantMessages(null), isInvalid('response'))
})

test('events: `payload` as in the core and Python; `eventPayload` is a hidden alias', async () => {
  const c = client()
  const conv = await c.createConversation()
  const injected = await sim.injectEvent({ conversation_id: conv.conversationId, text: 'Your request is done.', kind: 'async_response' })
  const { events } = await c.listEvents({ conversationId: conv.conversationId })
  const [e] = events
  assert.equal(e.payload.type, 'MESSAGE_EVENT')
  assert.equal(e.payload.message.responseId, injected.event_payload.message.response_id)
  assert.equal(e.eventPayload, e.payload)
  assert.ok(!Object.keys(e).includes('eventPayload'))
  // Timestamps compare as instants: the simulator writes `…:58.000Z`, the core `…:58Z`, both RFC 3339.
  assert.deepEqual(instants(mw.toWire(e)), instants(injected), 'list events returns the event as injected')
  assert.equal(mw.messageText(e.payload.message), 'Your request is done.')
  // An async answer is a response of its own: gettable, with the same text.
  const response = await c.getResponse(conv.conversationId, e.payload.message.responseId)
  assert.equal(mw.assistantText(response), 'Your request is done.')
})

test('unknown union types: { type: UNKNOWN, typeName, raw } with the verbatim wire JSON', async () => {
  const c = client()
  await sim.config({ unknown_values: true })
  const done = await answered(c, '[unknown] what is new?')
  const tool = done.outputs.find((o) => o.type === 'UNKNOWN')
  assert.ok(tool, `outputs: ${JSON.stringify(done.outputs.map((o) => o.type))}`)
  assert.equal(tool.typeName, 'TOOL_CALL')
  assert.deepEqual(Object.keys(tool), ['type', 'typeName', 'raw'])
  assert.equal(tool.raw.type, 'TOOL_CALL')
  assert.equal(mw.toWire(tool), tool.raw)
  assert.ok(!mw.assistantMessages(done).includes(undefined))

  const [reasoning] = mw.reasoningMessages(done)
  assert.equal(reasoning.content.type, 'UNKNOWN')
  assert.equal(reasoning.content.typeName, 'HTML_TEXT')
  assert.equal(mw.contentText(reasoning.content), null)
  assert.equal(typeof mw.contentTextLossy(reasoning.content), 'string')

  await sim.injectEvent({ conversation_id: done.conversationId, text: 'Heads up', event_type: 'NOTIFICATION_EVENT' })
  const { events } = await c.listEvents({ conversationId: done.conversationId })
  const note = events.find((e) => e.payload.type === 'UNKNOWN')
  assert.equal(note.payload.typeName, 'NOTIFICATION_EVENT')
  assert.equal(mw.toWire(note).event_payload.type, 'NOTIFICATION_EVENT')
})

test("index.d.ts declares exactly the core's known union types", () => {
  const native = require('../native.js')
  const known = native.knownTypeNames()
  const declared = [...DTS.matchAll(/^\s*type: '([A-Z_]+)'$/gm)].map((m) => m[1]).filter((t) => t !== 'UNKNOWN')
  const core = [...known.content, ...known.outputItem, ...known.eventPayload, ...known.action]
  assert.deepEqual([...declared].sort(), [...core].sort())
  for (const t of core) assert.notEqual(t, 'UNKNOWN', 'the unknown variant tag must not be a real type')
})

test('rest/v1: a message carries its buttons (tagged, in order), its Get Help menu and the api version', async () => {
  // The simulator's bare origin: the client appends /rest/v1 (the default generation).
  const origin = new URL(sim.options().baseUrl).origin
  const c = client({ baseUrl: origin })
  assert.ok(c.baseUrl.endsWith('/rest/v1'), c.baseUrl)
  const done = await answered(c, 'I need a new laptop')
  const m = mw.assistantMessages(done)[0]
  assert.deepEqual(m.actions.map((a) => [a.type, a.label]), [
    ['CALLBACK_ACTION', 'File it'],
    ['MODAL_ACTION', 'Edit details'],
    ['URL_ACTION', 'Open portal'],
  ])
  assert.ok(m.actions[0].callbackAction.callbackId.startsWith('cb_file_'))
  assert.equal(m.actions[2].urlAction.url, 'https://app.moveworks.ai/r?sim_portal')
  const [agent, hours] = m.handoff.handoffCategories[0].handoffItems
  assert.equal(agent.action.type, 'CALLBACK_ACTION')
  assert.equal(hours.type, 'TEXT')
  assert.equal(hours.text.type, 'MARKDOWN_TEXT')
  assert.equal(mw.toWire(m).actions[0].type, 'CALLBACK_ACTION')
  assert.throws(() => client({ apiVersion: 'v2' }), isInvalid('api_version'))

  // Pressing File it answers; a link is not pressed.
  const pressed = await c.press(conv(m), m.actions[0])
  const filed = await c.waitForResponse(conv(m), pressed.responseId, FAST)
  assert.match(mw.assistantText(filed), /^Filed ticket INC/)
  await assert.rejects(c.press(conv(m), m.actions[2]), isInvalid('action'))
  // get one event
  await sim.injectEvent({ conversation_id: conv(m), text: 'Your laptop shipped' })
  const { events } = await c.listEvents({ conversationId: conv(m) })
  const one = await c.getEvent(conv(m), events[0].eventId)
  assert.deepEqual(mw.toWire(one), mw.toWire(events[0]))
  assert.ok(one.createdAt instanceof Date)
})

const conv = (m) => m.conversationId

test('withOptions: a client with other per-call limits, sharing the original', async () => {
  const c = client()
  const once = c.withOptions({ maxRetries: 0 })
  assert.ok(once instanceof mw.Client)
  assert.equal(once.baseUrl, c.baseUrl)
  await sim.faults([{ kind: 'status', status: 503, method: 'GET', retry_after_ms: 5 }])
  await assert.rejects(once.listConversations(), mw.InternalServerError)
  const log = (await sim.requests()).filter((r) => r.path.endsWith('/conversations'))
  assert.equal(log.length, 1, 'no retry')
  // The original keeps its retries.
  await sim.faults([{ kind: 'status', status: 503, method: 'GET', retry_after_ms: 5 }])
  assert.deepEqual((await c.listConversations()).conversations, [])
  assert.throws(() => c.withOptions({ timeoutMs: -1 }), isInvalid('timeoutMs'))
  assert.throws(() => c.withOptions({ maxRetries: 'x' }), isInvalid('maxRetries'))
  assert.throws(() => c.withOptions(7), isInvalid('options'))
})

test('index.js, index.mjs and index.d.ts export the same names', async () => {
  const cjs = Object.keys(mw).sort()
  const esm = Object.keys(await import('../index.mjs')).filter((k) => k !== 'default').sort()
  const dts = [...DTS.matchAll(/^export declare (?:function|class|const) (\w+)/gm)].map((m) => m[1]).sort()
  assert.deepEqual(esm, cjs)
  assert.deepEqual(dts, cjs)
})

'use strict'
// The model shapes against the simulator's real responses (a reasoning message,
// then a CommonMark answer with citations) and unknown union types.
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
const DTS = fs.readFileSync(path.join(__dirname, '..', 'index.d.ts'), 'utf8')

async function answered(c, text = 'Who does John Doe report to?') {
  const conv = await c.createConversation()
  return c.createResponseAndWait(conv.conversationId, text, FAST)
}

test('citations: `offset` as in the core and Python; `location` is a hidden alias', async () => {
  const done = await answered(client())
  const msg = done.outputs.find((o) => o.type === 'MESSAGE').message
  assert.equal(msg.citations.length, 2)
  for (const c of msg.citations) {
    assert.equal(typeof c.offset, 'number')
    assert.deepEqual(Object.keys(c).filter((k) => k === 'location' || k === 'offset'), ['offset'])
    assert.deepEqual(c.location, { offset: c.offset }, 'deprecated alias still readable')
    assert.equal(mw.toWire(c).location.offset, c.offset, 'the wire keeps its nesting')
  }
})

test('events: `payload` as in the core and Python; `eventPayload` is a hidden alias', async () => {
  const c = client()
  const done = await answered(c)
  const { events } = await c.listEvents({ conversationId: done.conversationId })
  const [e] = events
  assert.equal(e.payload.type, 'MESSAGE_EVENT')
  assert.equal(e.payload.message.responseId, done.responseId)
  assert.equal(e.eventPayload, e.payload)
  assert.ok(!Object.keys(e).includes('eventPayload'))
  assert.equal(mw.toWire(e).event_payload.type, 'MESSAGE_EVENT')
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
  const reasoning = done.outputs.find((o) => o.type === 'REASONING_MESSAGE').reasoningMessage
  assert.equal(reasoning.content.type, 'UNKNOWN')
  assert.equal(reasoning.content.typeName, 'HTML_TEXT')

  const { events } = await c.listEvents({ conversationId: done.conversationId })
  const note = events.find((e) => e.payload.type === 'UNKNOWN')
  assert.equal(note.payload.typeName, 'NOTIFICATION_EVENT')
  assert.equal(mw.toWire(note).event_payload.type, 'NOTIFICATION_EVENT')
})

test("index.d.ts declares exactly the core's known union types", () => {
  const native = require('../native.js')
  const known = native.knownTypeNames()
  const declared = [...DTS.matchAll(/^\s*type: '([A-Z_]+)'$/gm)].map((m) => m[1]).filter((t) => t !== 'UNKNOWN')
  const core = [...known.content, ...known.outputItem, ...known.eventPayload]
  assert.deepEqual([...declared].sort(), [...core].sort())
  for (const t of core) assert.notEqual(t, 'UNKNOWN', 'the unknown variant tag must not be a real type')
})

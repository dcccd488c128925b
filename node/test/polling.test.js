'use strict'
// Polling helpers: COMPLETED, FAILED, deadline, abort, onUpdate, and concurrency
// without starving libuv's thread pool.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const mw = require('..')
const { startSim } = require('./sim')

let sim
test.before(async () => {
  sim = await startSim()
})
test.after(() => sim.stop())
test.beforeEach(() => sim.reset())

const client = () => new mw.Client(sim.options())
const FAST = { initialIntervalMs: 20, maxIntervalMs: 50 }
const responsePolls = async () => {
  const log = await sim.requests()
  return (Array.isArray(log) ? log : log.requests).filter((r) => r.method === 'GET' && r.path.includes('/responses/')).length
}

test('COMPLETED: onUpdate sees every change, all delivered before the promise settles', async () => {
  const c = client()
  const conv = await c.createConversation()
  const seen = []
  const done = await c.createResponseAndWait(conv.conversationId, 'hello', { ...FAST, onUpdate: (r) => seen.push(r.status) })
  assert.equal(done.status, 'COMPLETED')
  assert.equal(seen.at(-1), 'COMPLETED', `updates: ${seen}`)
  assert.ok(seen.length >= 2, `updates: ${seen}`)
  assert.match(mw.assistantText(done), /./)
})

test('FAILED rejects with ResponseFailedError carrying the response', async () => {
  const c = client()
  const conv = await c.createConversation()
  const created = await c.createResponse(conv.conversationId, 'this will [fail]')
  const seen = []
  const err = await c
    .waitForResponse(conv.conversationId, created.responseId, { ...FAST, onUpdate: (r) => seen.push(r.status) })
    .catch((e) => e)
  assert.ok(err instanceof mw.ResponseFailedError, String(err))
  assert.equal(err.responseId, created.responseId)
  assert.equal(err.lastStatus, 'FAILED')
  assert.equal(err.response.status, 'FAILED')
  assert.equal(seen.at(-1), 'FAILED')
})

test('deadline rejects with PollTimeoutError', async () => {
  const c = client()
  await sim.config({ response_duration_ms: 10000 })
  const conv = await c.createConversation()
  const err = await c.createResponseAndWait(conv.conversationId, 'slow', { ...FAST, deadlineMs: 300 }).catch((e) => e)
  assert.ok(err instanceof mw.PollTimeoutError, String(err))
  assert.match(err.responseId, /./)
  assert.ok(['CREATED', 'IN_PROGRESS'].includes(err.lastStatus), err.lastStatus)
})

test('AbortSignal stops a wait promptly and polling stops', async () => {
  const c = client()
  await sim.config({ response_duration_ms: 10000 })
  const conv = await c.createConversation()
  const created = await c.createResponse(conv.conversationId, 'slow')
  const ac = new AbortController()
  const started = Date.now()
  // Long intervals: the abort must wake the timer, not wait for the next poll.
  const pending = c.waitForResponse(conv.conversationId, created.responseId, { initialIntervalMs: 2000, maxIntervalMs: 2000, signal: ac.signal })
  setTimeout(() => ac.abort(), 100)
  await assert.rejects(pending, mw.CancelledError)
  assert.ok(Date.now() - started < 1800, 'rejected before the next poll was due')
  const polls = await responsePolls()
  await new Promise((r) => setTimeout(r, 2500))
  assert.equal(await responsePolls(), polls, 'no poll after the abort')
  // An already-aborted signal never starts.
  await assert.rejects(c.waitForResponse(conv.conversationId, created.responseId, { signal: AbortSignal.abort() }), mw.CancelledError)
})

test('an onUpdate that throws stops the wait with its error', async () => {
  const c = client()
  await sim.config({ response_duration_ms: 3000 })
  const conv = await c.createConversation()
  const boom = new Error('stop now')
  await assert.rejects(
    c.createResponseAndWait(conv.conversationId, 'x', { ...FAST, onUpdate: () => { throw boom } }),
    (e) => e === boom,
  )
})

test('64 concurrent waits run concurrently and fs stays responsive', async (t) => {
  const c = client()
  const DURATION = 2000
  await sim.config({ response_duration_ms: DURATION })
  const conv = await c.createConversation()
  const created = await Promise.all(Array.from({ length: 64 }, (_, i) => c.createResponse(conv.conversationId, `q${i}`)))
  let waiting = true
  const started = Date.now()
  const waits = Promise.all(
    created.map((r) => c.waitForResponse(conv.conversationId, r.responseId, { initialIntervalMs: 100, maxIntervalMs: 200 })),
  ).finally(() => (waiting = false))
  // fs.promises.readFile runs on libuv's pool: it must not queue behind the waits.
  const latencies = []
  while (waiting) {
    const t0 = process.hrtime.bigint()
    await fs.promises.readFile(__filename)
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    await new Promise((r) => setTimeout(r, 20))
  }
  const done = await waits
  const elapsed = Date.now() - started
  assert.equal(done.length, 64)
  for (const r of done) assert.equal(r.status, 'COMPLETED')
  const maxRead = Math.max(...latencies)
  t.diagnostic(`64 waits took ${elapsed} ms (each response ~${DURATION} ms); ${latencies.length} readFile calls, max ${maxRead.toFixed(1)} ms`)
  assert.ok(latencies.length >= 5, 'readFile completed repeatedly while the waits ran')
  // Serialised 4 at a time they would take 16 x DURATION; generous bound.
  assert.ok(elapsed < 8 * DURATION, `waits ran concurrently (${elapsed} ms)`)
  // Had the waits held libuv's threads, a read would have queued for about the whole run.
  assert.ok(maxRead < elapsed / 2, `readFile never queued behind the waits (max ${maxRead} ms of ${elapsed} ms)`)
})

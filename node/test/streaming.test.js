'use strict'
// Streaming: client.streamResponse (an async iterable over the core's ResponseStream)
// and client.streamResponseAndWait, against the simulator's stream faults.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const mw = require('..')
const { startSim, readerThreads } = require('./sim')

let sim
test.before(async () => {
  sim = await startSim()
})
test.after(() => sim.stop())
test.beforeEach(() => sim.reset())

const client = () => new mw.Client(sim.options())
const FAST = { initialIntervalMs: 20, maxIntervalMs: 60, deadlineMs: 10_000 }
const requests = async (method, pathContains) => {
  const log = await sim.requests()
  return (Array.isArray(log) ? log : log.requests).filter((r) => r.method === method && r.path.includes(pathContains)).length
}
const openFds = () => fs.readdirSync('/proc/self/fd').length

async function conversation(c, durationMs = 150) {
  await sim.config({ response_duration_ms: durationMs })
  return (await c.createConversation({ title: 'Streaming' })).conversationId
}

async function collect(stream) {
  const events = []
  for await (const e of stream) events.push(e)
  return events
}

test('a streamed turn: the published events in order, ending with RESPONSE_COMPLETED whose response equals getResponse', async () => {
  const c = client()
  const conv = await conversation(c)
  const stream = c.streamResponse(conv, 'Who does John Doe report to?', FAST)
  assert.ok(stream instanceof mw.ResponseStream)
  assert.equal(stream.response, undefined)
  const events = await collect(stream)
  const names = events.map((e) => e.event)
  assert.equal(names[0], 'RESPONSE_CREATED', names.join())
  assert.equal(names.at(-1), 'RESPONSE_COMPLETED', names.join())
  assert.ok(names.includes('RESPONSE_OUTPUT_DELTA'), names.join())
  assert.equal(names.filter((n) => n === 'RESPONSE_COMPLETED').length, 1)
  const PUBLISHED = ['RESPONSE_CREATED', 'RESPONSE_IN_PROGRESS', 'RESPONSE_OUTPUT_DELTA', 'RESPONSE_COMPLETED', 'RESPONSE_FAILED', 'ERROR']
  for (const n of names) assert.ok(PUBLISHED.includes(n), `${n} is a published event name`)
  // Every event has the server's counter, increasing over the whole stream.
  const numbers = events.map((e) => e.sequenceNumber)
  for (const n of numbers) assert.ok(Number.isInteger(n) && n >= 0, `sequenceNumber ${n}`)
  for (let i = 1; i < numbers.length; i++) assert.ok(numbers[i] > numbers[i - 1], `increasing: ${numbers.join()}`)
  // Created, in progress and completed carry the response.
  for (const e of events.filter((x) => x.event !== 'RESPONSE_OUTPUT_DELTA')) {
    assert.equal(e.response?.responseId, events[0].responseId, `${e.event} carries the response`)
  }
  assert.equal(events[0].response.status, 'CREATED')

  const created = events[0]
  assert.match(created.responseId, /^resp_/)
  assert.equal(stream.responseId, created.responseId)
  assert.match(stream.requestId, /./)
  const deltas = events.filter((e) => e.event === 'RESPONSE_OUTPUT_DELTA')
  const seq = deltas.map((d) => d.sequenceNumber)
  assert.deepEqual(seq, [...seq].sort((a, b) => a - b), 'sequence numbers increase')
  for (const d of deltas) {
    assert.ok(['MESSAGE', 'REASONING_MESSAGE'].includes(d.output.type), d.output.type)
    assert.equal(d.outputType, d.output.type)
  }
  const lastMessage = deltas.filter((d) => d.output.type === 'MESSAGE').at(-1)
  assert.equal(mw.messageText(lastMessage.output.message).length > 0, true)

  const completed = events.at(-1)
  assert.equal(completed.status, 'COMPLETED')
  assert.equal(completed.response.status, 'COMPLETED')
  assert.ok(completed.response.createdAt instanceof Date)
  assert.equal(stream.response, completed.response, 'stream.response is the last event\'s response')
  assert.equal(await stream.finalResponse(), completed.response, 'finalResponse after the loop, repeatable')
  assert.equal(mw.toWire(events[0]).event, 'RESPONSE_CREATED', 'events keep their wire JSON')

  const polled = await c.getResponse(conv, completed.response.responseId)
  assert.deepEqual(mw.toWire(polled), mw.toWire(completed.response))
  assert.equal(mw.assistantText(completed.response), mw.assistantText(polled))
  assert.equal(await requests('POST', '/responses'), 1, 'the message was sent once')
  // The iteration is over: more next() calls are done.
  assert.deepEqual(await stream.next(), { done: true, value: undefined })
})

test('finalResponse() without iterating drives the stream to the final response', async () => {
  const c = client()
  const conv = await conversation(c)
  const response = await c.streamResponse(conv, 'hello', FAST).finalResponse()
  assert.equal(response.status, 'COMPLETED')
  assert.deepEqual(mw.toWire(await c.getResponse(conv, response.responseId)), mw.toWire(response))
})

test('a stream dropped mid-way ends with the same response by polling, with one POST', async () => {
  const c = client()
  const conv = await conversation(c, 300)
  await sim.faults([{ kind: 'stream_drop', after_events: 2 }])
  const stream = c.streamResponse(conv, 'Who does John Doe report to?', FAST)
  const events = await collect(stream)
  assert.equal(events[0].event, 'RESPONSE_CREATED')
  assert.equal(events.at(-1).event, 'RESPONSE_COMPLETED', events.map((e) => e.event).join())
  assert.equal(stream.response.status, 'COMPLETED')
  const polled = await c.getResponse(conv, stream.responseId)
  assert.deepEqual(mw.toWire(polled), mw.toWire(stream.response))
  assert.equal(await requests('POST', '/responses'), 1, 'never sent twice')
  assert.ok((await requests('GET', `/responses/${stream.responseId}`)) >= 2, 'finished by polling')
})

test('aborting during a stalled stream throws CancelledError promptly, naming the response', async () => {
  const c = client()
  const conv = await conversation(c)
  await sim.faults([{ kind: 'stream_stall', after_events: 1, ms: 20_000 }])
  const ac = new AbortController()
  const stream = c.streamResponse(conv, 'hi', { ...FAST, idleTimeoutMs: 30_000, signal: ac.signal })
  const seen = []
  let started
  const err = await (async () => {
    for await (const e of stream) {
      seen.push(e.event)
      started = Date.now()
      setTimeout(() => ac.abort(new Error('user left')), 200)
    }
  })().catch((e) => e)
  assert.ok(err instanceof mw.CancelledError, String(err))
  assert.ok(Date.now() - started < 5000, 'returned well before the stall ended')
  assert.deepEqual(seen, ['RESPONSE_CREATED'])
  assert.match(err.responseId, /^resp_/)
  assert.equal(err.responseId, stream.responseId)
  assert.equal(err.cause?.message, 'user left')
  assert.equal(stream.response, undefined)
  await assert.rejects(stream.finalResponse(), mw.CancelledError)
  assert.equal(await requests('POST', '/responses'), 1)
  // An already-aborted signal never sends the message.
  await assert.rejects(collect(c.streamResponse(conv, 'hi', { signal: AbortSignal.abort() })), mw.CancelledError)
  assert.equal(await requests('POST', '/responses'), 1)
})

test('close() while a next() waits on a stalled stream ends the iteration promptly', async () => {
  const c = client()
  const conv = await conversation(c)
  await sim.faults([{ kind: 'stream_stall', after_events: 1, ms: 20_000 }])
  const stream = c.streamResponse(conv, 'hi', FAST)
  assert.equal((await stream.next()).value.event, 'RESPONSE_CREATED')
  const pending = stream.next()
  await new Promise((r) => setTimeout(r, 100))
  const t0 = Date.now()
  stream.close()
  assert.deepEqual(await pending, { done: true, value: undefined })
  assert.ok(Date.now() - t0 < 3000, 'the blocked read was interrupted')
  const err = await stream.finalResponse().catch((e) => e)
  assert.ok(err instanceof mw.CancelledError, String(err))
  assert.equal(err.responseId, stream.responseId)
  stream.close() // idempotent
})

test('an unknown event arrives as an UNKNOWN event, never an error', async () => {
  const c = client()
  const conv = await conversation(c)
  await sim.faults([{ kind: 'stream_unknown_event', after_events: 2, event: 'RESPONSE_AUDIT', data: '{"x":1}' }])
  const stream = c.streamResponse(conv, 'hi', FAST)
  const events = await collect(stream)
  const unknown = events.filter((e) => e.event === 'UNKNOWN')
  assert.equal(unknown.length, 1, events.map((e) => e.event).join())
  assert.deepEqual({ ...unknown[0] }, { event: 'UNKNOWN', sequenceNumber: null, eventName: 'RESPONSE_AUDIT', data: '{"x":1}' })
  assert.deepEqual(mw.toWire(unknown[0]), { event: 'RESPONSE_AUDIT', sequence_number: null, data: '{"x":1}' })
  assert.equal(events.at(-1).event, 'RESPONSE_COMPLETED')
  assert.equal(stream.response.status, 'COMPLETED')
})

test('an error before the stream starts is the typed API error, from the loop and finalResponse', async () => {
  const c = client()
  const conv = await conversation(c)
  await sim.faults([{ kind: 'status', status: 500, path_contains: '/responses/stream' }])
  const err = await collect(c.streamResponse(conv, 'hi', FAST)).catch((e) => e)
  assert.ok(err instanceof mw.InternalServerError, String(err))
  assert.ok(err instanceof mw.APIStatusError)
  assert.equal(err.status, 500)
  assert.equal(await requests('POST', '/responses/stream'), 1, 'a POST that reached the server is not repeated')

  const missing = c.streamResponse('conv_00000000000000000000000000', 'hi')
  await assert.rejects(missing.finalResponse(), (e) => e instanceof mw.NotFoundError && e.status === 404)
  assert.equal(missing.responseId, null)
  // Wrong JS types throw at once; bad values come from the core, through the loop.
  assert.throws(() => c.streamResponse(conv, 42), mw.InvalidArgumentError)
  assert.throws(() => c.streamResponse(conv, 'hi', { idleTimeoutMs: '5' }), mw.InvalidArgumentError)
  await assert.rejects(collect(c.streamResponse(conv, 'hi', { idleTimeoutMs: 0 })), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'idle_timeout')
})

test('a FAILED turn: RESPONSE_FAILED carrying the failed response, then ResponseFailedError from the loop', async () => {
  const c = client()
  const conv = await conversation(c, 100)
  const stream = c.streamResponse(conv, '[fail] please break', FAST)
  const seen = []
  const err = await (async () => {
    for await (const e of stream) seen.push(e)
  })().catch((e) => e)
  assert.ok(err instanceof mw.ResponseFailedError, String(err))
  assert.match(err.responseId, /^resp_/)
  const failed = seen.at(-1)
  assert.equal(failed.event, 'RESPONSE_FAILED', seen.map((e) => e.event).join())
  assert.ok(!seen.some((e) => e.event === 'RESPONSE_COMPLETED'))
  assert.equal(typeof failed.sequenceNumber, 'number')
  assert.equal(failed.response.status, 'FAILED')
  assert.equal(failed.response.responseId, err.responseId)
  assert.equal(typeof failed.response.error.code, 'string')
  assert.deepEqual(mw.toWire(err.response), mw.toWire(failed.response), 'the error carries the failed response')
  assert.equal(stream.response, undefined)
  await assert.rejects(stream.finalResponse(), mw.ResponseFailedError)
})

test('the response_failed fault streams RESPONSE_FAILED, then ResponseFailedError carrying the response', async () => {
  const c = client()
  const conv = await conversation(c, 100)
  await sim.faults([{ kind: 'response_failed' }])
  const seen = []
  const err = await c.streamResponseAndWait(conv, 'hi', { ...FAST, onEvent: (e) => seen.push(e) }).catch((e) => e)
  assert.ok(err instanceof mw.ResponseFailedError, String(err))
  assert.equal(err.kind, 'response_failed')
  assert.deepEqual([seen[0].event, seen.at(-1).event], ['RESPONSE_CREATED', 'RESPONSE_FAILED'], seen.map((e) => e.event).join())
  assert.equal(err.response.status, 'FAILED')
  assert.equal(err.response.responseId, seen.at(-1).response.responseId)
  assert.equal(err.responseId, seen[0].responseId)
  assert.equal(await requests('POST', '/responses'), 1)
})

test('an ERROR event mid-stream: delivered, then the turn is finished by polling and completes', async () => {
  const c = client()
  const conv = await conversation(c, 300)
  await sim.faults([{ kind: 'stream_error', after_events: 2, code: 'INTERNAL_ERROR', message: 'the stream failed' }])
  const stream = c.streamResponse(conv, 'Who does John Doe report to?', FAST)
  const events = await collect(stream)
  const names = events.map((e) => e.event)
  assert.equal(names[0], 'RESPONSE_CREATED', names.join())
  const error = events.find((e) => e.event === 'ERROR')
  assert.ok(error, names.join())
  assert.deepEqual({ ...error.error }, { code: 'INTERNAL_ERROR', message: 'the stream failed' })
  assert.equal(typeof error.sequenceNumber, 'number')
  assert.equal(names.at(-1), 'RESPONSE_COMPLETED', names.join())
  assert.ok(names.indexOf('ERROR') < names.indexOf('RESPONSE_COMPLETED'))
  assert.equal(stream.response.status, 'COMPLETED')
  assert.ok(mw.assistantText(stream.response).length > 0)
  assert.deepEqual(mw.toWire(await c.getResponse(conv, stream.responseId)), mw.toWire(stream.response))
  assert.equal(await requests('POST', '/responses'), 1, 'the message is never sent again')
  assert.ok((await requests('GET', `/responses/${stream.responseId}`)) >= 2, 'finished by polling')

  // ERROR before the response exists: the loop throws the error class of its code, with that code.
  await sim.faults([{ kind: 'stream_error', after_events: 0, code: 'RATE_LIMIT_EXCEEDED', message: 'slow down' }])
  const early = []
  const err = await (async () => {
    for await (const e of c.streamResponse(conv, 'hi', FAST)) early.push(e.event)
  })().catch((e) => e)
  assert.deepEqual(early, ['ERROR'])
  assert.ok(err instanceof mw.RateLimitError, String(err))
  assert.equal(err.code, 'RATE_LIMIT_EXCEEDED')
})

test('a handoff (completed with no outputs) is a successful turn', async () => {
  const c = client()
  const conv = await conversation(c, 100)
  await sim.faults([{ kind: 'handoff' }])
  const stream = c.streamResponse(conv, 'I want a human', FAST)
  const events = await collect(stream)
  const completed = events.at(-1)
  assert.equal(completed.event, 'RESPONSE_COMPLETED', events.map((e) => e.event).join())
  assert.equal(completed.response.status, 'COMPLETED')
  assert.deepEqual(completed.response.outputs, [])
  assert.equal(await stream.finalResponse(), completed.response)
  assert.equal(mw.assistantText(completed.response), null)
  assert.deepEqual(mw.assistantMessages(completed.response), [])
})

test('a raw_message answer: contentReferences sharing an offset render side by side', async () => {
  const c = client()
  const conv = await conversation(c, 100)
  const text = 'John Doe 📘 reports to Jane Roe.'
  const md = (t) => ({ type: 'MARKDOWN_TEXT', markdown_text: { text: t } })
  await sim.faults([
    {
      kind: 'raw_message',
      message: {
        message_id: 'msg_raw',
        conversation_id: 'conv_raw',
        response_id: 'resp_raw',
        actor: 'ASSISTANT',
        content: md(text),
        citations: [
          { citation_id: 'cite_a', url: 'https://acme.example/a', display: { title: md('A'), attributes: [{ key: 'source', value: 'Workday' }] } },
          { citation_id: 'cite_b', display: { title: md('B') } },
          { citation_id: 'cite_c', location: { offset: 0 } },
        ],
        content_references: [
          { citation_id: 'cite_a', offset: 8 },
          { citation_id: 'cite_b', offset: 8 },
          { citation_id: 'cite_a', offset: 8 },
          { citation_id: 'cite_c', offset: 31 },
        ],
        created_at: '2026-09-14T16:02:11.482Z',
      },
    },
  ])
  const response = await c.streamResponse(conv, 'Who does John Doe report to?', FAST).finalResponse()
  const [msg] = mw.assistantMessages(response)
  assert.equal(mw.messageText(msg), text)
  assert.deepEqual(msg.citations.map((x) => x.citationId), ['cite_a', 'cite_b', 'cite_c'])
  assert.deepEqual(msg.citations[0].display.attributes, [{ key: 'source', value: 'Workday' }])
  assert.equal(msg.citations[0].offset, undefined)
  assert.equal(msg.citations[2].offset, 0, 'the deprecated offset still reads when sent')
  assert.deepEqual(msg.citations[2].location, { offset: 0 })
  assert.deepEqual(
    msg.contentReferences.map((r) => [r.citationId, r.offset]),
    [['cite_a', 8], ['cite_b', 8], ['cite_a', 8], ['cite_c', 31]],
  )
  // Offsets count characters (📘 is two UTF-16 units); references win over the deprecated offset.
  assert.equal(mw.textWithCitationMarkers(msg), 'John Doe[1][2] 📘 reports to Jane Roe.[3]')
})

test('leaving the loop early (break, throw) releases the stream: 200 abandoned streams leave the fd count flat', async () => {
  const c = client()
  const conv = await conversation(c, 5000)
  const abandon = async (i) => {
    const stream = c.streamResponse(conv, `q${i}`, FAST)
    if (i % 2) {
      for await (const e of stream) {
        assert.equal(e.event, 'RESPONSE_CREATED')
        break
      }
    } else {
      await assert.rejects(
        (async () => {
          for await (const e of stream) throw new Error(`stop at ${e.event}`)
        })(),
        /stop at RESPONSE_CREATED/,
      )
    }
    assert.match(stream.responseId, /^resp_/)
    await assert.rejects(stream.finalResponse(), mw.CancelledError)
  }
  for (let i = 0; i < 10; i++) await abandon(i) // warm up the pool and the runtime
  const before = openFds()
  for (let i = 0; i < 200; i++) await abandon(i)
  // A stream's reader closes its socket once its interrupted read returns (within a read
  // slice, longer on a loaded machine): give the last few up to 5 s to get there.
  let after = openFds()
  for (let waited = 0; after > before + 5 && waited < 5000; waited += 20) {
    await new Promise((resolve) => setTimeout(resolve, 20))
    after = openFds()
  }
  assert.ok(after <= before + 5, `open fds went from ${before} to ${after}`)
  // The client is still healthy: a full turn on the same connections.
  await sim.config({ response_duration_ms: 100 })
  assert.equal((await c.streamResponse(conv, 'and now', FAST).finalResponse()).status, 'COMPLETED')
})

test('a long answer read ahead of the loop arrives whole and in order (handed over in pieces of at most 64 KiB)', async () => {
  const c = client()
  const conv = await conversation(c, 100)
  // A real turn's SSE body, its last MESSAGE delta repeated 300 times (~600 KB) with a
  // text of its own each, answered at once by a `raw` fault.
  const o = sim.options()
  const res = await fetch(`${o.baseUrl}/conversations/${conv}/responses/stream`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${o.token}`, 'Assistant-Name': o.assistantName, Accept: 'text/event-stream', 'Content-Type': 'application/json' },
    body: JSON.stringify({ input: { text: 'template' } }),
  })
  const frames = (await res.text()).split('\n\n').filter((f) => f.includes('data: '))
  const data = (name) => frames.filter((f) => f.startsWith(`event: ${name}\n`)).map((f) => JSON.parse(f.slice(f.indexOf('data: ') + 6)))
  const created = data('RESPONSE_CREATED')[0]
  const delta = data('RESPONSE_OUTPUT_DELTA').filter((d) => d.output.type === 'MESSAGE').at(-1)
  const completed = data('RESPONSE_COMPLETED')[0]
  const N = 300
  const texts = Array.from({ length: N }, (_, i) => `part ${i} `.repeat(100))
  const sse = (name, value) => `event: ${name}\ndata: ${JSON.stringify(value)}\n\n`
  let body = sse('RESPONSE_CREATED', { ...created, sequence_number: 1 })
  for (let i = 0; i < N; i++) {
    const d = structuredClone(delta)
    d.sequence_number = i + 2
    d.output.message.content.commonmark_text.text = texts[i]
    body += sse('RESPONSE_OUTPUT_DELTA', d)
  }
  body += sse('RESPONSE_COMPLETED', { ...completed, sequence_number: N + 2 })
  assert.ok(body.length > 8 * 64 * 1024, `${body.length} bytes`)
  await sim.faults([{ kind: 'raw', status: 200, body, headers: { 'Content-Type': 'text/event-stream' }, path_contains: '/responses/stream', count: 1 }])

  const stream = c.streamResponse(conv, 'a long answer', FAST)
  // The reader reads the whole answer before the loop asks: one batch of ~600 KB.
  await new Promise((resolve) => setTimeout(resolve, 300))
  const events = await collect(stream)
  assert.equal(events.length, N + 2)
  assert.deepEqual(events.map((e) => e.sequenceNumber), Array.from({ length: N + 2 }, (_, i) => i + 1))
  assert.deepEqual(events.slice(1, -1).map((e) => e.output.message.content.commonmarkText.text), texts)
  assert.equal(events.at(-1).event, 'RESPONSE_COMPLETED')
  assert.equal((await stream.finalResponse()).responseId, created.response.response_id)
})

test('streamResponseAndWait: every event to onEvent before it resolves to the final response', async () => {
  const c = client()
  const conv = await conversation(c)
  const seen = []
  const response = await c.streamResponseAndWait(conv, 'Who does John Doe report to?', { ...FAST, onEvent: (e) => seen.push(e) })
  assert.equal(response.status, 'COMPLETED')
  assert.equal(seen[0].event, 'RESPONSE_CREATED')
  assert.equal(seen.at(-1).event, 'RESPONSE_COMPLETED')
  assert.ok(seen.some((e) => e.event === 'RESPONSE_OUTPUT_DELTA' && e.output.type === 'MESSAGE'))
  assert.deepEqual(mw.toWire(seen.at(-1).response), mw.toWire(response))
  assert.deepEqual(mw.toWire(await c.getResponse(conv, response.responseId)), mw.toWire(response))

  // A throwing onEvent stops the turn with its error.
  const boom = new Error('enough')
  await assert.rejects(c.streamResponseAndWait(conv, 'x', { ...FAST, onEvent: () => { throw boom } }), (e) => e === boom)
  // An abort during a stall: CancelledError naming the response, promptly.
  await sim.faults([{ kind: 'stream_stall', after_events: 1, ms: 20_000 }])
  const ac = new AbortController()
  const t0 = Date.now()
  setTimeout(() => ac.abort(), 300)
  const err = await c.streamResponseAndWait(conv, 'hi', { ...FAST, signal: ac.signal }).catch((e) => e)
  assert.ok(err instanceof mw.CancelledError, String(err))
  assert.match(err.responseId, /^resp_/)
  assert.ok(Date.now() - t0 < 5000)
})

test('streams opened in one run of JS code start after it: one closed in that run sends nothing', async () => {
  const c = client()
  const conv = await conversation(c)
  const before = await requests('POST', '/responses/stream')
  const closed = c.streamResponse(conv, 'closed at once')
  const kept = c.streamResponse(conv, 'kept')
  closed.close()
  const events = []
  for await (const e of kept) events.push(e.event)
  assert.equal(events.at(-1), 'RESPONSE_COMPLETED')
  assert.equal((await requests('POST', '/responses/stream')) - before, 1, 'only the stream left open was sent')
  for await (const _e of closed) assert.fail('a closed stream yields nothing')
  await assert.rejects(closed.finalResponse(), mw.CancelledError)
})

test('64 concurrent streams run concurrently and fs stays responsive', async (t) => {
  const c = client()
  const DURATION = 2000
  const conv = await conversation(c, DURATION)
  let streaming = true
  const started = Date.now()
  const all = Promise.all(
    Array.from({ length: 64 }, async (_, i) => {
      const stream = c.streamResponse(conv, `q${i}`, FAST)
      let n = 0
      for await (const _e of stream) n++
      return { n, status: stream.response.status }
    }),
  ).finally(() => (streaming = false))
  // fs.promises.readFile runs on libuv's pool: it must not queue behind blocked stream reads.
  const latencies = []
  while (streaming) {
    const t0 = process.hrtime.bigint()
    await fs.promises.readFile(__filename)
    latencies.push(Number(process.hrtime.bigint() - t0) / 1e6)
    await new Promise((r) => setTimeout(r, 20))
  }
  const done = await all
  const elapsed = Date.now() - started
  for (const r of done) {
    assert.equal(r.status, 'COMPLETED')
    assert.ok(r.n >= 3)
  }
  const maxRead = Math.max(...latencies)
  t.diagnostic(`64 streams took ${elapsed} ms (each response ~${DURATION} ms); ${latencies.length} readFile calls, max ${maxRead.toFixed(1)} ms`)
  assert.ok(latencies.length >= 5, 'readFile completed repeatedly while the streams ran')
  assert.ok(elapsed < 8 * DURATION, `streams ran concurrently (${elapsed} ms)`)
  assert.ok(maxRead < elapsed / 2, `readFile never queued behind the streams (max ${maxRead} ms of ${elapsed} ms)`)
})

// Before each stream had a thread of its own, every waiting `next()` held a thread of
// tokio's blocking pool (512 threads), which every other call shared: with that many
// streams waiting, nothing else ran until one of them got an event. 520 is just past it.
test('520 streams waiting at once on stalled answers hold up no other call', async () => {
  const STREAMS = 520
  const c = client()
  const conv = await conversation(c, 600_000)
  // Each answer stalls after RESPONSE_CREATED for longer than this test may run.
  await sim.faults([{ kind: 'stream_stall', after_events: 1, ms: 600_000, count: STREAMS }])
  const opts = { ...FAST, idleTimeoutMs: 600_000, deadlineMs: 600_000 }
  const streams = Array.from({ length: STREAMS }, (_, i) => c.streamResponse(conv, `q${i}`, opts))
  const firsts = await Promise.all(streams.map((s) => s.next()))
  assert.deepEqual(new Set(firsts.map((f) => f.value.event)), new Set(['RESPONSE_CREATED']))
  // Every stream now waits for an event that cannot come while the stall lasts.
  let settled = 0
  const waiting = streams.map((s) =>
    s.next().finally(() => {
      settled++
    }),
  )
  // Past the microtasks that carry each next() into the addon, then another call: it
  // completes although every stream is waiting.
  await new Promise((resolve) => setImmediate(resolve))
  const conversation_ = await c.getConversation(conv)
  assert.equal(conversation_.conversationId, conv)
  assert.equal(settled, 0, 'no stream got an event: the call did not wait for one')
  for (const s of streams) s.close()
  for (const step of await Promise.all(waiting)) assert.deepEqual(step, { done: true, value: undefined })
})

test('a stream dropped unread without close() is released when collected: its reader thread and connection end', async () => {
  require('node:v8').setFlagsFromString('--expose-gc')
  const gc = require('node:vm').runInNewContext('gc')
  const c = client()
  const conv = await conversation(c, 600_000)
  const [threadsBefore, fdsBefore] = [readerThreads(), openFds()]
  await sim.faults([{ kind: 'stream_stall', after_events: 1, ms: 600_000, count: 50 }])
  const opts = { ...FAST, idleTimeoutMs: 600_000, deadlineMs: 600_000 }
  await (async () => {
    const streams = Array.from({ length: 50 }, (_, i) => c.streamResponse(conv, `q${i}`, opts))
    for (const s of streams) assert.equal((await s.next()).value.event, 'RESPONSE_CREATED')
    assert.ok(readerThreads() >= 50, `${readerThreads()} reader threads while 50 streams are open`)
  })()
  // Nothing references the streams any more: collecting them must close them. (Waits
  // for the collector and the reader threads, bounded by the test timeout.)
  while (readerThreads() > threadsBefore || openFds() > fdsBefore + 5) {
    gc()
    await new Promise((r) => setTimeout(r, 50))
  }
})

test("index.d.ts declares exactly the core's stream events, each with sequenceNumber", () => {
  const dts = fs.readFileSync(path.resolve(__dirname, '../index.d.ts'), 'utf8')
  const core = require('../native.js').knownTypeNames().streamEvent
  const names = dts.match(/export type StreamEventName =([^/]*?)\n\n/)[1]
  assert.deepEqual([...names.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1]).sort(), [...core].sort())
  const declared = [...dts.matchAll(/^ {2}event: '([A-Z_]+)'$/gm)].map((m) => m[1]).filter((n) => n !== 'UNKNOWN')
  assert.deepEqual(declared.sort(), [...core].sort(), 'one event interface per name')
  const union = dts.match(/export type StreamEvent =([\s\S]*?)\n\n/)[1]
  for (const member of union.matchAll(/\| (\w+)/g)) {
    const body = dts.match(new RegExp(`export interface ${member[1]} \\{([\\s\\S]*?)\\n\\}`))[1]
    assert.match(body, /^ {2}sequenceNumber: number \| null$/m, `${member[1]} has sequenceNumber`)
  }
})

test("the README's streaming example runs", async () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Streaming'))
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(code, 'a js block under "## Streaming"')
  const c = client()
  const conv = { conversationId: await conversation(c) }
  const logged = []
  const AsyncFunction = (async () => {}).constructor
  const run = new AsyncFunction('client', 'conversation', 'require', 'console', code)
  const fakeRequire = (name) => (name === 'moveworks' ? mw : require(name))
  await run(c, conv, fakeRequire, { log: (...args) => logged.push(args.join(' ')) })
  assert.ok(logged.some((l) => l.startsWith('COMPLETED')), logged.join('\n'))
})

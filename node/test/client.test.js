'use strict'
// Every method, every error class, pagination, unknown enum values and bad input.
const test = require('node:test')
const assert = require('node:assert/strict')
const mw = require('..')
const { startSim } = require('./sim')

let sim
test.before(async () => {
  sim = await startSim()
})
test.after(() => sim.stop())
test.beforeEach(() => sim.reset())

const client = (extra) => new mw.Client(sim.options(extra))

test('every endpoint method, with Dates and camelCase', async () => {
  const c = client()
  assert.equal(c.baseUrl.replace(/\/$/, ''), sim.info.base_url)
  assert.match(c.userAgent, /node\//)
  const conv = await c.createConversation({ title: 'Permissions' })
  assert.match(conv.conversationId, /^conv_/)
  assert.equal(conv.title, 'Permissions')
  assert.equal(conv.archived, false)
  assert.ok(conv.createdAt instanceof Date && !Number.isNaN(conv.createdAt.getTime()))
  assert.equal(mw.toWire(conv).conversation_id, conv.conversationId)

  const got = await c.getConversation(conv.conversationId)
  assert.equal(got.title, 'Permissions')
  const upd = await c.updateConversation(conv.conversationId, { title: 'Renamed', archived: true })
  assert.equal(upd.title, 'Renamed')
  assert.equal(upd.archived, true)
  const archived = await c.listConversations({ archived: true })
  assert.deepEqual(archived.conversations.map((x) => x.conversationId), [conv.conversationId])
  assert.equal(archived.nextCursor, null)

  const created = await c.createResponse(conv.conversationId, 'Who does John Doe report to?')
  assert.match(created.responseId, /./)
  assert.ok(['CREATED', 'IN_PROGRESS'].includes(created.status))
  const polled = await c.getResponse(conv.conversationId, created.responseId)
  assert.equal(polled.responseId, created.responseId)
  const done = await c.waitForResponse(conv.conversationId, created.responseId, { initialIntervalMs: 20, maxIntervalMs: 50 })
  assert.equal(done.status, 'COMPLETED')
  assert.ok(done.completedAt instanceof Date)
  const message = done.outputs.find((o) => o.type === 'MESSAGE')
  assert.ok(message, 'a MESSAGE output')
  assert.equal(message.message.actor, 'ASSISTANT')
  assert.ok(mw.assistantText(done).length > 0)
  assert.equal(typeof mw.textWithCitationMarkers(message.message), 'string')

  // The events feed holds system-initiated messages only: the answer above is not in it.
  assert.deepEqual((await c.listEvents({ conversationId: conv.conversationId })).events, [])
  const injected = await sim.injectEvent({ conversation_id: conv.conversationId, text: 'Your laptop is ready.', kind: 'async_response' })
  const events = await c.listEvents({ conversationId: conv.conversationId })
  assert.equal(events.events.length, 1)
  assert.equal(events.events[0].eventId, injected.event_id)
  assert.equal(events.events[0].payload.type, 'MESSAGE_EVENT')
  assert.equal(mw.messageText(events.events[0].payload.message), 'Your laptop is ready.')
  assert.notEqual(events.events[0].payload.message.responseId, created.responseId)
  const all = await c.listEvents()
  assert.equal(all.events.length, 1)
})

test('Client.fromEnv reads MOVEWORKS_* and options override', () => {
  const keys = ['MOVEWORKS_BASE_URL', 'MOVEWORKS_ASSISTANT_NAME', 'MOVEWORKS_TOKEN']
  const saved = keys.map((k) => process.env[k])
  try {
    process.env.MOVEWORKS_BASE_URL = sim.info.base_url
    process.env.MOVEWORKS_ASSISTANT_NAME = sim.info.assistant_name
    process.env.MOVEWORKS_TOKEN = sim.info.token
    const c = mw.Client.fromEnv()
    assert.equal(c.baseUrl.replace(/\/$/, ''), sim.info.base_url)
    delete process.env.MOVEWORKS_ASSISTANT_NAME
    assert.throws(() => mw.Client.fromEnv(), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'MOVEWORKS_ASSISTANT_NAME')
  } finally {
    keys.forEach((k, i) => (saved[i] === undefined ? delete process.env[k] : (process.env[k] = saved[i])))
  }
})

test('userAgentSuffix is sent after the SDK User-Agent', async () => {
  const c = client({ userAgentSuffix: 'acme-helpdesk/2.1' })
  assert.match(c.userAgent, /^moveworks-sdk\/.*\(node\/.*\) acme-helpdesk\/2\.1$/)
  await c.createConversation({ title: 'ua' })
  const sent = (await sim.requests()).filter((r) => r.method === 'POST').map((r) => r.user_agent)
  assert.ok(sent.length === 1 && sent[0].endsWith(' acme-helpdesk/2.1'), String(sent))
})

test('client options: the core decides, and names the option', async () => {
  const isInvalid = (argument) => (e) => e instanceof mw.InvalidArgumentError && e.argument === argument
  const cases = [
    [{ clientId: sim.info.client_id, clientSecret: sim.info.client_secret }, 'token/client_credentials'],
    [{ clientSecret: 'secret' }, 'token/client_credentials'],
    [{ userAgentSuffix: 'a\r\nX-Evil: 1' }, 'user_agent_suffix'],
    [{ userAgentSuffix: 'x'.repeat(257) }, 'user_agent_suffix'],
    [{ timeoutMs: 5000, timeout: 5 }, 'timeout_ms/timeout'],
    [{ timeoutMs: NaN }, 'timeout_ms'],
    [{ timoutMs: 5 }, 'timout_ms'],
    [{ maxRetries: () => 1 }, 'max_retries'],
  ]
  for (const [extra, argument] of cases) {
    assert.throws(() => client(extra), isInvalid(argument), JSON.stringify(extra))
  }
  assert.deepEqual(await sim.requests(), [], 'refused before any request')
})

test('per-call options: a key the method does not take is an InvalidArgumentError naming it, before any request', async () => {
  const c = client()
  const conv = 'conv_00000000000000000000000000'
  const named = (argument) => (e) => {
    assert.ok(e instanceof mw.InvalidArgumentError, `${e?.name}: ${e?.message}`)
    assert.equal(e.argument, argument)
    assert.ok(e.message.includes(argument), e.message)
    return true
  }
  // Async methods reject; the iterables and streamResponse throw at once, like their type checks.
  await assert.rejects(c.listEvents({ limti: 5 }), named('limti'))
  await assert.rejects(c.listConversations({ limit: 2, curser: 'x' }), named('curser'))
  await assert.rejects(c.listMessages(conv, { archived: true }), named('archived'))
  await assert.rejects(c.listResponseMessages(conv, 'resp_x', { onUpdate: () => {} }), named('onUpdate'))
  await assert.rejects(c.createConversation({ titel: 'x' }), named('titel'))
  await assert.rejects(c.getConversation(conv, { timeout: 5 }), named('timeout'))
  await assert.rejects(c.updateConversation(conv, { title: 'x' }, { archived: true }), named('archived'))
  await assert.rejects(c.updateConversation(conv, { titel: 'x' }), named('titel'))
  await assert.rejects(c.createResponse(conv, 'hi', { idleTimeoutMs: 5 }), named('idleTimeoutMs'))
  await assert.rejects(c.getResponse(conv, 'resp_x', { limit: 1 }), named('limit'))
  await assert.rejects(c.submitFeedback(conv, 'resp_x', 'msg_x', 'cb', { feedback: 'x' }), named('feedback'))
  await assert.rejects(c.waitForResponse(conv, 'resp_x', { timeoutMs: 5 }), named('timeoutMs'))
  await assert.rejects(c.createResponseAndWait(conv, 'hi', { onEvent: () => {} }), named('onEvent'))
  await assert.rejects(c.streamResponseAndWait(conv, 'hi', { onUpdate: () => {} }), named('onUpdate'))
  assert.throws(() => c.streamResponse(conv, 'hi', { idleTimeout: 5 }), named('idleTimeout'))
  assert.throws(() => c.iterEvents({ startingAter: 'evt_1' }), named('startingAter'))
  assert.throws(() => c.iterConversations({ timeoutMs: 5 }), named('timeoutMs'))
  assert.throws(() => c.iterMessages(conv, { limti: 5 }), named('limti'))
  assert.throws(() => c.iterResponseMessages(conv, 'resp_x', { maxRetries: 0 }), named('maxRetries'))
  assert.throws(() => c.withOptions({ signal: AbortSignal.abort() }), named('signal'))
  // A key set to undefined counts as absent (spreading partial options stays possible).
  assert.deepEqual((await c.listEvents({ limti: undefined, limit: 5 })).events, [])
  assert.deepEqual(await sim.requests().then((l) => (Array.isArray(l) ? l : l.requests).filter((r) => !r.path.endsWith('/events'))), [], 'refused before any request')
})

test('listEvents/iterEvents: startEventId and lastEventId are deprecated names of startingAfter and endingAt', async () => {
  const c = client()
  const conv = (await c.createConversation()).conversationId
  const ids = []
  for (const text of ['a', 'b', 'c', 'd']) ids.push((await sim.injectEvent({ conversation_id: conv, text })).event_id)
  const warnings = []
  const onWarning = (w) => warnings.push(w)
  process.on('warning', onWarning)
  try {
    const now = await c.listEvents({ conversationId: conv, startingAfter: ids[0], endingAt: ids[2] })
    assert.deepEqual(now.events.map((e) => e.eventId), ids.slice(1, 3))
    const old = await c.listEvents({ conversationId: conv, startEventId: ids[0], lastEventId: ids[2] })
    assert.deepEqual(mw.toWire(old), mw.toWire(now), 'the same result')
    const iterated = []
    for await (const e of c.iterEvents({ conversationId: conv, startEventId: ids[1] })) iterated.push(e.eventId)
    assert.deepEqual(iterated, ids.slice(2))
    await new Promise((r) => setImmediate(r)) // warnings are emitted on the next tick
    const ours = warnings.filter((w) => w.name === 'DeprecationWarning' && /moveworks/.test(w.message))
    assert.equal(ours.length, 2, 'one warning per old name, once: ' + ours.map((w) => w.message).join(' | '))
    assert.match(ours.find((w) => w.message.includes('`startEventId`')).message, /`startingAfter`/)
    assert.match(ours.find((w) => w.message.includes('`lastEventId`')).message, /`endingAt`/)
    assert.deepEqual(ours.map((w) => w.code).sort(), ['MOVEWORKS_DEP_LAST_EVENT_ID', 'MOVEWORKS_DEP_START_EVENT_ID'])
  } finally {
    process.off('warning', onWarning)
  }
  // Old and new together: refused, naming both.
  const both = (argument) => (e) => e instanceof mw.InvalidArgumentError && e.argument === argument
  await assert.rejects(c.listEvents({ startingAfter: ids[0], startEventId: ids[0] }), both('startingAfter/startEventId'))
  await assert.rejects(c.listEvents({ endingAt: ids[2], lastEventId: ids[1] }), both('endingAt/lastEventId'))
  assert.throws(() => c.iterEvents({ startingAfter: ids[0], startEventId: ids[1] }), both('startingAfter/startEventId'))
  await assert.rejects(c.listEvents({ startEventId: 7 }), both('startEventId'))
})

test('index.d.ts ClientOptions lists exactly the core options, and the binding\'s log hooks', () => {
  const dts = require('node:fs').readFileSync(require.resolve('../index.d.ts'), 'utf8')
  const block = dts.match(/export interface ClientOptions \{([\s\S]*?)\n\}/)[1]
  const keys = [...block.matchAll(/^ {2}(\w+)\?:/gm)].map((m) => m[1].replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`))
  // onLog and logger are this binding's: index.js takes them out before the core sees the options.
  const core = keys.filter((k) => k !== 'on_log' && k !== 'logger')
  assert.deepEqual(keys.length - core.length, 2)
  assert.deepEqual(core.sort(), require('../native.js').clientOptionNames().sort())
})

test('pagination: pages with nextCursor and async iterables', async () => {
  const c = client()
  for (const t of ['one', 'two', 'three', 'four', 'five']) await c.createConversation({ title: t })
  const p1 = await c.listConversations({ limit: 2 })
  assert.deepEqual(p1.conversations.map((x) => x.title), ['five', 'four'])
  assert.equal(typeof p1.nextCursor, 'string')
  const p2 = await c.listConversations({ limit: 2, cursor: p1.nextCursor })
  assert.deepEqual(p2.conversations.map((x) => x.title), ['three', 'two'])

  const titles = []
  for await (const x of c.iterConversations({ limit: 2 })) titles.push(x.title)
  assert.deepEqual(titles, ['five', 'four', 'three', 'two', 'one'])

  const sizes = []
  for await (const page of c.iterConversations({ limit: 2 }).pages()) sizes.push([page.conversations.length, page.nextCursor === null])
  assert.deepEqual(sizes, [[2, false], [2, false], [1, true]])

  // Events iterate the same way.
  const conv = await c.createConversation()
  const injected = []
  for (const text of ['a', 'b', 'c']) injected.push((await sim.injectEvent({ conversation_id: conv.conversationId, text })).event_id)
  const ids = []
  for await (const e of c.iterEvents({ conversationId: conv.conversationId, limit: 2 })) ids.push(e.eventId)
  assert.deepEqual(ids, injected, 'events come oldest first')

  // Errors surface from the iterator as typed errors.
  await assert.rejects(async () => {
    for await (const _ of c.iterConversations({ limit: 0 })) void _
  }, mw.InvalidArgumentError)
})

test('unknown enum values come through as raw strings, unknown union types as UNKNOWN', async () => {
  const c = client()
  await sim.config({ unknown_values: true })
  const conv = await c.createConversation({ title: 'new server' })
  const seen = new Set()
  const done = await c.createResponseAndWait(conv.conversationId, 'hi', {
    initialIntervalMs: 10,
    maxIntervalMs: 30,
    onUpdate: (r) => seen.add(r.status),
  })
  assert.ok(seen.has('THINKING'), `statuses seen: ${[...seen]}`)
  assert.equal(done.status, 'COMPLETED')
  const unknownTypes = done.outputs.filter((o) => o.type === 'UNKNOWN').map((o) => o.typeName)
  assert.ok(unknownTypes.includes('TOOL_CALL'), `unknown output types: ${unknownTypes}`)
  assert.ok(mw.toWire(done).outputs.some((o) => o.type === 'TOOL_CALL'), 'unknown output kept verbatim on the wire')
  await sim.injectEvent({ conversation_id: conv.conversationId, text: 'Heads up', event_type: 'NOTIFICATION_EVENT' })
  const events = await c.listEvents({ conversationId: conv.conversationId })
  assert.ok(events.events.some((e) => e.payload.type === 'UNKNOWN' && e.payload.typeName === 'NOTIFICATION_EVENT'))
})

/** One case per error class: how to provoke it and what it must look like. */
const ERROR_CASES = [
  ['InvalidArgumentError', 'invalid_argument', async (c) => c.getConversation('a/b')],
  ['BadRequestError', 'bad_request', async (c) => { await sim.faults([{ kind: 'status', status: 400, code: 'INVALID_INPUT' }]); return c.listConversations() }, 400, 'INVALID_INPUT'],
  ['AuthenticationError', 'authentication', async () => client({ token: 'wrong' }).listConversations(), 401, 'UNAUTHORIZED'],
  ['PermissionDeniedError', 'permission_denied', async (c) => { await sim.faults([{ kind: 'status', status: 403 }]); return c.listConversations() }, 403, 'FORBIDDEN'],
  ['NotFoundError', 'not_found', async (c) => c.getConversation('conv_missing'), 404, 'NOT_FOUND'],
  ['RateLimitError', 'rate_limit', async (c) => { await sim.faults([{ kind: 'status', status: 429, retry_after_ms: '1500' }]); return c.listConversations({ maxRetries: 0 }) }, 429, 'RATE_LIMIT_EXCEEDED'],
  ['InternalServerError', 'internal_server', async (c) => { await sim.faults([{ kind: 'status', status: 500 }]); return c.listConversations({ maxRetries: 0 }) }, 500, 'INTERNAL_ERROR'],
  ['APIStatusError', 'api_status', async (c) => { await sim.faults([{ kind: 'status', status: 409, code: 'CONFLICT' }]); return c.listConversations({ maxRetries: 0 }) }, 409, 'CONFLICT'],
  ['APIConnectionError', 'connection', async (c) => { await sim.faults([{ kind: 'reset' }]); return c.listConversations({ maxRetries: 0 }) }],
  ['APITimeoutError', 'timeout', async (c) => { await sim.faults([{ kind: 'delay', ms: 1500 }]); return c.listConversations({ maxRetries: 0, timeoutMs: 100 }) }],
  ['DecodeError', 'decode', async (c) => { await sim.faults([{ kind: 'malformed_json' }]); return c.listConversations() }],
  ['OAuthError', 'oauth', async () => client({ token: undefined, clientId: sim.info.client_id, clientSecret: 'nope', tokenUrl: sim.info.token_url }).listConversations()],
  ['ResponseFailedError', 'response_failed', async (c) => { const v = await c.createConversation(); return c.createResponseAndWait(v.conversationId, 'please [fail]', { initialIntervalMs: 10 }) }],
  ['PollTimeoutError', 'poll_timeout', async (c) => { await sim.config({ response_duration_ms: 5000 }); const v = await c.createConversation(); return c.createResponseAndWait(v.conversationId, 'slow', { deadlineMs: 200, initialIntervalMs: 20 }) }],
  ['CancelledError', 'cancelled', async (c) => c.listConversations({ signal: AbortSignal.abort() })],
]

test('every core error kind has a class, and each is raised with its fields', async (t) => {
  assert.deepEqual(Object.keys(mw.ERROR_CLASSES).sort(), ERROR_CASES.map((x) => x[1]).sort())
  for (const [name, kind, provoke, status, code] of ERROR_CASES) {
    await t.test(name, async () => {
      await sim.reset()
      const Cls = mw[name]
      assert.equal(mw.ERROR_CLASSES[kind], Cls)
      const err = await provoke(client()).then(
        (v) => assert.fail(`expected ${name}, got ${JSON.stringify(v)}`),
        (e) => e,
      )
      assert.ok(err instanceof Cls, `${err?.name}: ${err?.message}`)
      assert.ok(err instanceof mw.MoveworksError)
      assert.ok(err instanceof Error)
      assert.equal(err.name, name)
      assert.equal(err.kind, kind)
      assert.equal(typeof err.message, 'string')
      if (status !== undefined) {
        assert.ok(err instanceof mw.APIStatusError)
        assert.equal(err.status, status)
        assert.equal(err.code, code)
        assert.match(err.requestId, /./, 'API errors carry the request id')
      }
      if (kind === 'rate_limit') assert.equal(err.retryAfter, 1.5)
      if (kind === 'invalid_argument') assert.equal(err.argument, 'conversation_id')
      if (kind === 'response_failed' || kind === 'poll_timeout') {
        assert.match(err.responseId, /./)
        assert.equal(err.response.responseId, err.responseId)
      }
      if (kind === 'decode') assert.ok(err.bodyExcerpt.includes('{"conversations"'))
    })
  }
})

test('bad input gives InvalidArgumentError, never a crash', async () => {
  const c = client()
  const isInvalid = (argument) => (e) => {
    assert.ok(e instanceof mw.InvalidArgumentError, `${e?.name}: ${e?.message}`)
    if (argument) assert.equal(e.argument, argument)
    return true
  }
  // Wrong JS types.
  await assert.rejects(c.getConversation(42), isInvalid('conversation_id'))
  await assert.rejects(c.getConversation(), isInvalid('conversation_id'))
  await assert.rejects(c.listConversations({ limit: '10' }), isInvalid('limit'))
  await assert.rejects(c.listConversations({ archived: 'yes' }), isInvalid('archived'))
  await assert.rejects(c.listConversations('nope'), isInvalid('options'))
  await assert.rejects(c.createResponse('conv_x', 42), isInvalid('text'))
  await assert.rejects(c.createResponse('conv_x', { txt: 'hi' }), isInvalid('input'))
  await assert.rejects(c.createResponse('conv_x', { chat: 'hi', text: 'hi' }), isInvalid('input'))
  await assert.rejects(c.updateConversation('conv_x', { title: 5 }), isInvalid('title'))
  await assert.rejects(c.waitForResponse('conv_x', 'resp_x', { onUpdate: 'no' }), isInvalid('onUpdate'))
  await assert.rejects(c.listConversations({ signal: {} }), isInvalid('signal'))
  // Bad values (decided by the core).
  await assert.rejects(c.listConversations({ limit: 0 }), isInvalid('limit'))
  await assert.rejects(c.listConversations({ limit: 101 }), isInvalid('limit'))
  await assert.rejects(c.listConversations({ limit: 1.5 }), isInvalid('limit'))
  await assert.rejects(c.listConversations({ limit: -1 }), isInvalid('limit'))
  await assert.rejects(c.listConversations({ limit: NaN }), isInvalid('limit'))
  await assert.rejects(c.listConversations({ cursor: '' }), isInvalid('cursor'))
  await assert.rejects(c.getConversation('..'), isInvalid('conversation_id'))
  await assert.rejects(c.createConversation({ title: 'x'.repeat(257) }), isInvalid('title'))
  await assert.rejects(c.updateConversation('conv_x', {}), isInvalid('update'))
  await assert.rejects(c.getConversation('conv_x', { timeoutMs: -5 }), isInvalid('timeoutMs'))
  await assert.rejects(c.getConversation('conv_x', { timeoutMs: Infinity }), isInvalid('timeoutMs'))
  await assert.rejects(c.waitForResponse('conv_x', 'resp_x', { deadlineMs: 0 }), isInvalid('deadline'))
  await assert.rejects(c.waitForResponse('conv_x', 'resp_x', { backoffFactor: 0.5 }), isInvalid('backoff_factor'))
  await assert.rejects(c.waitForResponse('conv_x', 'a b'), isInvalid('response_id'))
  assert.throws(() => mw.assistantText({}), isInvalid('response'))
  // Bad client options.
  // No credential: refused when building on the beta; on rest/v1 (every call acts for one user,
  // through forUser views) the client's own calls are refused before sending.
  assert.throws(() => new mw.Client({ assistantName: 'x', apiVersion: 'v1beta1' }), isInvalid('token'))
  await assert.rejects(new mw.Client({ assistantName: 'x', baseUrl: 'http://127.0.0.1:9' }).listConversations(), isInvalid('token'))
  assert.throws(() => new mw.Client({ ...sim.options(), baseUrl: 'http://example.com' }), isInvalid('base_url'))
  // Client options are checked by the core, which names them in snake_case in every language.
  assert.throws(() => new mw.Client({ ...sim.options(), baseUrl: 7 }), isInvalid('base_url'))
  assert.throws(() => new mw.Client({ ...sim.options(), token: undefined, clientId: 'id' }), isInvalid('client_secret'))
  assert.throws(() => new mw.Client({ ...sim.options(), maxRetries: -1 }), isInvalid('max_retries'))
  assert.throws(() => new mw.Client(null), isInvalid('assistant_name'))
  assert.throws(() => new mw.Client('x'), isInvalid('options'))
  const log = await sim.requests()
  assert.equal((Array.isArray(log) ? log : log.requests).length, 0, 'no request was sent')
})

test('AbortSignal cancels a plain call promptly', async () => {
  const c = client()
  await sim.faults([{ kind: 'delay', ms: 3000 }])
  const ac = new AbortController()
  const started = Date.now()
  const pending = c.listConversations({ signal: ac.signal })
  setTimeout(() => ac.abort(new Error('user left')), 50)
  await assert.rejects(pending, (e) => e instanceof mw.CancelledError && e.cause?.message === 'user left')
  assert.ok(Date.now() - started < 2500, 'rejected before the delayed answer arrived')
  // Iterators take a signal too.
  await assert.rejects(async () => {
    for await (const _ of c.iterConversations({ signal: AbortSignal.abort() })) void _
  }, mw.CancelledError)
})

test('ESM import gives the same classes', async () => {
  const esm = await import('../index.mjs')
  assert.equal(esm.Client, mw.Client)
  assert.equal(esm.NotFoundError, mw.NotFoundError)
  assert.equal(esm.default.Client, mw.Client)
})

test('close() releases the client: later calls (also on withOptions copies) reject without sending', async () => {
  const c = client()
  const copy = c.withOptions({ maxRetries: 0 })
  await c.createConversation({ title: 'closing' })
  c.close()
  c.close() // idempotent
  const before = (await sim.requests()).length
  for (const x of [c, copy]) {
    await assert.rejects(x.listConversations(), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'client')
  }
  assert.equal((await sim.requests()).length, before)
})

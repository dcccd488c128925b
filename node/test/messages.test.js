'use strict'
// Messages, feedback and request ids against the simulator: listMessages (newest first,
// paged), listResponseMessages, submitFeedback with a callback id taken from a listed
// message, the server's and the core's refusals, and `requestId` on every returned
// object and page equal to the simulator's logged root uuid.
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

/** The simulator's request log. */
async function requests() {
  const log = await sim.requests()
  return Array.isArray(log) ? log : log.requests
}

/** Asserts `value.requestId` is the root uuid the simulator logged for one `method` request to a path containing `pathPart`. */
async function assertLogged(value, method, pathPart) {
  assert.equal(typeof value.requestId, 'string', `requestId of ${method} ${pathPart}`)
  const entry = (await requests()).find((r) => r.root_uuid === value.requestId)
  assert.ok(entry, `no logged request has root_uuid ${value.requestId}`)
  assert.equal(entry.method, method)
  assert.ok(entry.path.includes(pathPart), `${entry.path} contains ${pathPart}`)
}

/** A conversation with `n` answered turns; resolves to `{ conv, responses }` (oldest turn first). */
async function conversationWith(c, n) {
  const conv = await c.createConversation({ title: 'messages' })
  const responses = []
  for (let i = 0; i < n; i++) responses.push(await c.createResponseAndWait(conv.conversationId, `question ${i}`, FAST))
  return { conv, responses }
}

test('listMessages: newest first, paged by cursor; iterMessages follows the cursors', async () => {
  const c = client()
  const { conv, responses } = await conversationWith(c, 3)
  const id = conv.conversationId

  const all = await c.listMessages(id)
  assert.equal(all.messages.length, 6, 'a user and an assistant message per turn')
  assert.equal(all.nextCursor, null)
  const times = all.messages.map((m) => m.createdAt.getTime())
  assert.deepEqual(times, [...times].sort((a, b) => b - a), 'newest first')
  assert.deepEqual(
    all.messages.map((m) => m.actor),
    ['ASSISTANT', 'USER', 'ASSISTANT', 'USER', 'ASSISTANT', 'USER'],
  )
  assert.equal(all.messages[0].responseId, responses[2].responseId, 'the newest turn first')
  assert.equal(mw.messageText(all.messages[1]), 'question 2')
  assert.equal(mw.messageText(all.messages[0]), mw.assistantText(responses[2]))
  // The assistant message listed is the one the response holds (feedback included).
  assert.deepStrictEqual(all.messages[0], mw.assistantMessages(responses[2])[0])
  assert.equal(typeof all.messages[0].feedback.helpful.callbackId, 'string')
  assert.equal(typeof all.messages[0].feedback.unhelpful.callbackId, 'string')
  assert.equal(all.messages[1].feedback, undefined, 'user messages cannot be rated')

  // Pages of 4, then 2; following nextCursor gives the same order.
  const p1 = await c.listMessages(id, { limit: 4 })
  assert.equal(p1.messages.length, 4)
  assert.equal(typeof p1.nextCursor, 'string')
  const p2 = await c.listMessages(id, { limit: 4, cursor: p1.nextCursor })
  assert.equal(p2.nextCursor, null)
  const ids = (page) => page.messages.map((m) => m.messageId)
  assert.deepEqual([...ids(p1), ...ids(p2)], ids(all))

  const iterated = []
  for await (const m of c.iterMessages(id, { limit: 2 })) iterated.push(m.messageId)
  assert.deepEqual(iterated, ids(all))
  const sizes = []
  for await (const page of c.iterMessages(id, { limit: 4 }).pages()) sizes.push([page.messages.length, page.nextCursor === null])
  assert.deepEqual(sizes, [[4, false], [2, true]])

  // Bad input is the core's InvalidArgumentError, before anything is sent.
  await assert.rejects(c.listMessages(id, { limit: 0 }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'limit')
  await assert.rejects(c.listMessages(''), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'conversation_id')
  await assert.rejects(async () => {
    for await (const _ of c.iterMessages(id, { limit: 101 })) void _
  }, mw.InvalidArgumentError)
  await assert.rejects(c.listMessages('conv_doesNotExist'), mw.NotFoundError)
})

test('listResponseMessages: the input message and the assistant answer of one response', async () => {
  const c = client()
  const { conv, responses } = await conversationWith(c, 2)
  const [first] = responses
  const page = await c.listResponseMessages(conv.conversationId, first.responseId)
  assert.equal(page.nextCursor, null)
  assert.ok(page.messages.every((m) => m.responseId === first.responseId))
  const user = page.messages.filter((m) => m.actor === 'USER')
  assert.deepEqual(user.map(mw.messageText), ['question 0'])
  const assistant = page.messages.filter((m) => m.actor === 'ASSISTANT')
  assert.deepStrictEqual(assistant, mw.assistantMessages(first))

  const iterated = []
  for await (const m of c.iterResponseMessages(conv.conversationId, first.responseId)) iterated.push(m)
  assert.deepStrictEqual(iterated, page.messages)
  await assert.rejects(c.listResponseMessages(conv.conversationId, 'resp_doesNotExist'), mw.NotFoundError)
})

test('submitFeedback with the callback id of a listed message; the simulator records it', async () => {
  const c = client()
  const { conv } = await conversationWith(c, 1)
  const { messages } = await c.listMessages(conv.conversationId)
  const message = messages.find((m) => m.actor === 'ASSISTANT')
  const text = 'Clear and correct — merci ✓'
  const result = await c.submitFeedback(
    conv.conversationId,
    message.responseId,
    message.messageId,
    message.feedback.helpful.callbackId,
    { additionalFeedback: text },
  )
  assert.deepStrictEqual(result, { status: 'SUBMITTED' })
  await assertLogged(result, 'POST', '/feedback')
  const unhelpful = await c.submitFeedback(conv.conversationId, message.responseId, message.messageId, message.feedback.unhelpful.callbackId)
  assert.equal(unhelpful.status, 'SUBMITTED')

  const recorded = await sim.feedback()
  const list = Array.isArray(recorded) ? recorded : recorded.feedback
  assert.equal(list.length, 2)
  assert.deepEqual(
    list.map((f) => [f.message_id, f.callback_id, f.additional_feedback ?? null]),
    [
      [message.messageId, message.feedback.helpful.callbackId, text],
      [message.messageId, message.feedback.unhelpful.callbackId, null],
    ],
  )
  assert.deepEqual(list.map((f) => f.rating.toLowerCase()), ['helpful', 'unhelpful'])
})

test("submitFeedback: another message's callback id is the server's 400, sent once", async () => {
  const c = client()
  const { conv, responses } = await conversationWith(c, 2)
  const [a, b] = responses.map((r) => mw.assistantMessages(r)[0])
  const err = await c.submitFeedback(conv.conversationId, a.responseId, a.messageId, b.feedback.helpful.callbackId).then(
    () => assert.fail('expected a BadRequestError'),
    (e) => e,
  )
  assert.ok(err instanceof mw.BadRequestError, `${err}`)
  assert.ok(err instanceof mw.APIStatusError)
  assert.ok(!(err instanceof mw.InvalidArgumentError))
  assert.equal(err.status, 400)
  assert.equal(err.code, 'INVALID_REQUEST', 'what the API answers for a callback id it does not accept')
  assert.equal(typeof err.requestId, 'string')
  const posts = (await requests()).filter((r) => r.method === 'POST' && r.path.includes('/feedback'))
  assert.equal(posts.length, 1, 'not retried')
  assert.equal(posts[0].root_uuid, err.requestId)
  assert.deepEqual(await sim.feedback().then((f) => (Array.isArray(f) ? f : f.feedback)), [])
})

test('submitFeedback: a too long text or an empty callback id fails before anything is sent', async () => {
  const c = client()
  const before = (await requests()).length
  const long = 'é'.repeat(1001) // 1,001 characters (2,002 bytes): counted as characters
  await assert.rejects(
    c.submitFeedback('conv_x', 'resp_x', 'msg_x', 'cb', { additionalFeedback: long }),
    (e) => e instanceof mw.InvalidArgumentError && e.argument === 'additional_feedback',
  )
  await assert.rejects(
    c.submitFeedback('conv_x', 'resp_x', 'msg_x', ''),
    (e) => e instanceof mw.InvalidArgumentError && e.argument === 'callback_id',
  )
  await assert.rejects(
    c.submitFeedback('conv_x', 'resp_x', 'msg_x', 'cb', { additionalFeedback: 42 }),
    (e) => e instanceof mw.InvalidArgumentError && e.argument === 'additional_feedback',
  )
  assert.equal((await requests()).length, before, 'zero requests sent')
  // Exactly 1,000 characters is allowed through to the server (which 404s the made-up ids).
  await assert.rejects(c.submitFeedback('conv_x', 'resp_x', 'msg_x', 'cb', { additionalFeedback: 'é'.repeat(1000) }), mw.NotFoundError)
})

test('requestId: the root uuid of the answer, on every returned object and page, not enumerable', async () => {
  const c = client()
  const conv = await c.createConversation({ title: 'ids' })
  await assertLogged(conv, 'POST', '/conversations')
  const got = await c.getConversation(conv.conversationId)
  await assertLogged(got, 'GET', conv.conversationId)
  assert.notEqual(got.requestId, conv.requestId)
  // Not enumerable: what logs, JSON and deepStrictEqual see is the value alone.
  assert.ok(!Object.keys(got).includes('requestId'))
  assert.ok(!JSON.stringify(got).includes(got.requestId))
  assert.deepStrictEqual(got, conv, 'two fetches of the same conversation are equal')
  assert.equal({ ...got }.requestId, undefined)
  await assertLogged(await c.updateConversation(conv.conversationId, { title: 'renamed' }), 'PATCH', conv.conversationId)

  const page = await c.listConversations()
  await assertLogged(page, 'GET', '/conversations')
  assert.equal(page.conversations[0].requestId, undefined, 'items of a page: the page has the id')
  for await (const p of c.iterConversations().pages()) await assertLogged(p, 'GET', '/conversations')

  const created = await c.createResponse(conv.conversationId, 'hello')
  await assertLogged(created, 'POST', '/responses')
  const updates = []
  const done = await c.waitForResponse(conv.conversationId, created.responseId, { ...FAST, onUpdate: (r) => updates.push(r) })
  await assertLogged(done, 'GET', created.responseId)
  assert.ok(updates.length > 0)
  for (const u of updates) await assertLogged(u, 'GET', created.responseId)
  await assertLogged(await c.getResponse(conv.conversationId, created.responseId), 'GET', created.responseId)
  await assertLogged(await c.createResponseAndWait(conv.conversationId, 'again', FAST), 'GET', '/responses/')

  await assertLogged(await c.listMessages(conv.conversationId), 'GET', '/messages')
  for await (const p of c.iterMessages(conv.conversationId).pages()) await assertLogged(p, 'GET', '/messages')
  const rm = await c.listResponseMessages(conv.conversationId, created.responseId)
  await assertLogged(rm, 'GET', `${created.responseId}/messages`)

  await sim.injectEvent({ conversation_id: conv.conversationId, text: 'note' })
  await assertLogged(await c.listEvents(), 'GET', '/events')
  for await (const p of c.iterEvents().pages()) await assertLogged(p, 'GET', '/events')

  // A streamed turn's final response carries the streaming request's id.
  const stream = c.streamResponse(conv.conversationId, 'streamed')
  const final = await stream.finalResponse()
  assert.equal(final.requestId, stream.requestId)
  await assertLogged(final, 'POST', '/responses')
  const waited = await c.streamResponseAndWait(conv.conversationId, 'streamed again')
  await assertLogged(waited, 'POST', '/responses')
})

test("the README's messages example runs", async () => {
  const readme = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8')
  const section = readme.slice(readme.indexOf('## Messages and feedback'))
  const code = /```js\n([\s\S]*?)```/.exec(section)?.[1]
  assert.ok(code, 'a js block under "## Messages and feedback"')
  const c = client()
  const { conv } = await conversationWith(c, 2)
  const logged = []
  const AsyncFunction = (async () => {}).constructor
  const run = new AsyncFunction('client', 'conversation', 'require', 'console', code)
  const fakeRequire = (name) => (name === 'moveworks' ? mw : require(name))
  await run(c, conv, fakeRequire, { log: (...args) => logged.push(args.join(' ')) })
  assert.ok(logged.some((l) => l.startsWith('feedback SUBMITTED')), logged.join('\n'))
  const recorded = await sim.feedback()
  assert.equal((Array.isArray(recorded) ? recorded : recorded.feedback).length, 1)
})

'use strict'
// moveworks/testing: the in-process sandbox, tested the way a user tests their app
// (the region between the README markers is shown verbatim in README.md, "Testing
// your app"), then the Sandbox API itself, the README's quickstart, and start-up time.
const fs = require('node:fs')
const path = require('node:path')
const { execFileSync } = require('node:child_process')
const mw = require('..')

// README: testing-begin
const test = require('node:test')
const assert = require('node:assert/strict')
const { Sandbox } = require('moveworks/testing')
const { ask } = require('../examples/app.js') // the app code under test

test('ask() retries a rate limit and reports a failed answer', async (t) => {
  const sandbox = await Sandbox.start({ responseDurationMs: 50 })
  t.after(() => sandbox.close())
  const client = sandbox.client()

  // The first POST of a message gets 429 with Retry-After: 1; the client retries it.
  sandbox.fault({ kind: 'status', status: 429, retryAfter: 1, method: 'POST', pathContains: '/responses' })
  const first = await ask(client, 'Who does John Doe report to?')
  assert.equal(first.ok, true)
  assert.match(first.answer, /John Doe/)

  const posts = sandbox.requests({ method: 'POST', pathContains: '/responses' })
  assert.deepEqual(posts.map((r) => r.status), [429, 202]) // sent twice, the retry accepted
  assert.ok(posts.every((r) => r.userAgent.startsWith('moveworks-sdk/') && r.authorized))
  assert.ok(!JSON.stringify(sandbox.requests()).includes(sandbox.token)) // no secrets logged

  // The next answer ends FAILED: ask() reports it instead of throwing, and sends it once.
  sandbox.clearRequests()
  sandbox.failNextResponse()
  const second = await ask(client, 'And who does she report to?')
  assert.equal(second.ok, false)
  assert.match(second.responseId, /^resp_/)
  assert.equal(sandbox.requests({ method: 'POST', pathContains: '/responses' }).length, 1)
})
// README: testing-end

test('the 429 was waited out for its Retry-After before the retry', async (t) => {
  const sandbox = await Sandbox.start({ responseDurationMs: 20 })
  t.after(() => sandbox.close())
  const conv = await sandbox.client().createConversation()
  sandbox.fault({ kind: 'status', status: 429, retryAfter: 1, pathContains: '/responses' })
  const started = Date.now()
  await sandbox.client().createResponse(conv.conversationId, 'hi')
  assert.ok(Date.now() - started >= 900, `retried after ${Date.now() - started} ms`)
  // With retries off (options merged over the sandbox's), the 429 is the app's RateLimitError.
  sandbox.fault({ kind: 'status', status: 429, retryAfter: 2, pathContains: '/responses' })
  const e = await sandbox.client({ maxRetries: 0 }).createResponse(conv.conversationId, 'hi').catch((err) => err)
  assert.ok(e instanceof mw.RateLimitError, String(e))
  assert.equal(e.retryAfterMs, 2000)
})

test('the stream faults of testing.d.ts through sandbox.fault, camelCase keys (afterEvents)', async (t) => {
  const sandbox = await Sandbox.start({ responseDurationMs: 100 })
  t.after(() => sandbox.close())
  const client = sandbox.client()
  const conv = (await client.createConversation()).conversationId
  const FAST = { initialIntervalMs: 20, maxIntervalMs: 60, deadlineMs: 10_000 }
  const names = async (text) => {
    const events = []
    const error = await client.streamResponseAndWait(conv, text, { ...FAST, onEvent: (e) => events.push(e) }).then(() => null, (e) => e)
    return { names: events.map((e) => e.event), events, error }
  }
  sandbox.fault({ kind: 'stream_error', afterEvents: 2, code: 'INTERNAL_ERROR', message: 'boom' })
  const broken = await names('a')
  assert.equal(broken.error, null)
  assert.deepEqual(broken.names.slice(0, 3), ['RESPONSE_CREATED', 'RESPONSE_IN_PROGRESS', 'ERROR'])
  assert.deepEqual({ ...broken.events[2].error }, { code: 'INTERNAL_ERROR', message: 'boom' })
  assert.equal(broken.names.at(-1), 'RESPONSE_COMPLETED')

  sandbox.fault({ kind: 'handoff' })
  const handoff = await names('b')
  assert.deepEqual(handoff.names, ['RESPONSE_CREATED', 'RESPONSE_COMPLETED'])
  assert.deepEqual(handoff.events[1].response.outputs, [])

  sandbox.fault({ kind: 'response_failed' })
  const failed = await names('c')
  assert.ok(failed.error instanceof mw.ResponseFailedError, String(failed.error))
  assert.equal(failed.names.at(-1), 'RESPONSE_FAILED')
  assert.throws(() => sandbox.fault({ kind: 'raw_message' }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'fault')
})

test('properties, camelCase both ways, and the generic run()', async (t) => {
  const sandbox = await Sandbox.start({ assistantName: 'acme' })
  t.after(() => sandbox.close())
  assert.match(sandbox.baseUrl, /^http:\/\/127\.0\.0\.1:\d+\/rest\/v1beta1$/)
  assert.equal(sandbox.baseUrl, `${sandbox.origin}/rest/v1beta1`)
  assert.ok(sandbox.tokenUrl.startsWith(sandbox.origin))
  assert.equal(sandbox.assistantName, 'acme')
  for (const k of ['token', 'clientId', 'clientSecret']) assert.ok(sandbox[k].length > 0, k)

  // A client built by hand from the properties works like sandbox.client().
  const own = new mw.Client({ baseUrl: sandbox.baseUrl, assistantName: sandbox.assistantName, token: sandbox.token })
  const conv = await own.createConversation()
  assert.equal(sandbox.requests()[0].assistantName, 'acme')

  // Nested camelCase keys reach the vocabulary as snake_case; answers come back camelCase.
  const settings = sandbox.configure({ responseDurationMs: 10, rateLimit: { maxRequests: 100, windowMs: 1000 } })
  assert.equal(settings.responseDurationMs, 10)
  assert.deepEqual(settings.rateLimit, { maxRequests: 100, windowMs: 1000 })
  const event = sandbox.injectEvent({ conversationId: conv.conversationId, text: 'Your laptop is ready.' })
  assert.equal(event.conversationId, conv.conversationId)
  const page = await own.listEvents()
  assert.deepEqual(page.events.map((e) => e.conversationId), [conv.conversationId])
  assert.deepEqual(sandbox.run('revoke_tokens'), { revoked: 0 })
  assert.deepEqual(sandbox.feedback(), [])
  assert.deepEqual(sandbox.run('fail_next_response', { count: 2 }), { queued: 1 })
  assert.deepEqual(sandbox.reset(), {})
  assert.equal((await own.listConversations()).conversations.length, 0)

  // Unknown actions and bad arguments are InvalidArgumentError naming the action.
  assert.throws(() => sandbox.run('explode'), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'explode')
  assert.throws(() => sandbox.fault({ kind: 'nope' }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'fault')
  assert.throws(() => sandbox.requests({ method: 3 }), (e) => e.argument === 'requests')
  assert.throws(() => sandbox.run('reset', { x: NaN }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'x')
  assert.throws(() => sandbox.run(42), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'action')
  await assert.rejects(Sandbox.start({ colour: 'blue' }), mw.InvalidArgumentError)
  assert.throws(() => new Sandbox(), TypeError)
})

test('an oauth sandbox hands out client credentials and never logs them', async (t) => {
  const sandbox = await Sandbox.start({ oauth: true })
  t.after(() => sandbox.close())
  await sandbox.client().listConversations()
  const log = sandbox.requests()
  assert.deepEqual(log.map((r) => r.path), ['/oauth/v1/token', '/rest/v1beta1/conversations'])
  const text = JSON.stringify(log)
  assert.ok(!text.includes(sandbox.clientSecret) && !text.includes(sandbox.token))
  assert.ok(sandbox.revokeTokens().revoked >= 1)
})

test('a closed sandbox fails cleanly', async () => {
  const sandbox = await Sandbox.start()
  const client = sandbox.client({ maxRetries: 0 })
  await sandbox.close()
  await sandbox.close() // idempotent
  const closed = (e) => e instanceof mw.InvalidArgumentError && e.argument === 'sandbox'
  assert.throws(() => sandbox.reset(), closed)
  assert.throws(() => sandbox.requests(), closed)
  assert.throws(() => sandbox.client(), closed)
  assert.throws(() => sandbox.baseUrl, closed)
  await assert.rejects(client.listConversations(), mw.APIConnectionError)
})

test('ESM and CJS see the same Sandbox', async () => {
  const esm = await import('moveworks/testing')
  assert.equal(esm.Sandbox, Sandbox)
  assert.equal(esm.default.Sandbox, Sandbox)
})

/** The text between `// README: NAME-begin` and `-end` markers of a file. */
function region(text, name) {
  const m = new RegExp(`// README: ${name}-begin\\n([\\s\\S]*?)// README: ${name}-end`).exec(text)
  assert.ok(m, `markers ${name}`)
  return m[1]
}
const README = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8')
const blocks = [...README.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])

/** Checks that README block `index` shows `examples/name` verbatim, then runs it with no MOVEWORKS_* settings; its output. */
function runReadmeExample(index, name) {
  const file = path.resolve(__dirname, '../examples', name)
  assert.equal(blocks[index], fs.readFileSync(file, 'utf8'), `README.md shows examples/${name} verbatim as js block ${index}`)
  const env = { ...process.env }
  for (const k of Object.keys(env)) if (k.startsWith('MOVEWORKS_')) delete env[k]
  return execFileSync(process.execPath, [file], { encoding: 'utf8', env })
}

test("the README's first example is examples/quickstart.mjs, and it runs with no account", () => {
  assert.match(runReadmeExample(0, 'quickstart.mjs'), /^COMPLETED .*John Doe/)
})

test("the README's testing section shows this file's user test and examples/app.js verbatim", () => {
  const own = fs.readFileSync(__filename, 'utf8')
  const app = fs.readFileSync(path.resolve(__dirname, '../examples/app.js'), 'utf8')
  const section = README.slice(README.indexOf('## Testing your app'))
  const shown = [...section.matchAll(/```js\n([\s\S]*?)```/g)].map((m) => m[1])
  assert.ok(shown.includes(app), 'examples/app.js shown')
  assert.ok(shown.includes(region(own, 'testing')), 'the user test shown')
})

/** Runs a README block as the body of an async function of `scope`'s names; returns what it logged. */
async function runBlock(code, scope) {
  const logged = []
  const AsyncFunction = (async () => {}).constructor
  const names = Object.keys(scope)
  await new AsyncFunction(...names, 'console', code)(...names.map((n) => scope[n]), { log: (...a) => logged.push(a.join(' ')) })
  return logged
}

test("the README's second example is examples/forms.mjs: buttons and a form on rest/v1, with no account", () => {
  const out = runReadmeExample(1, 'forms.mjs')
  const lines = out.trimEnd().split('\n')
  assert.deepEqual(lines.slice(1, 4), ['  [1] File it (CALLBACK_ACTION)', '  [2] Edit details (MODAL_ACTION)', '  [3] Open portal (URL_ACTION)'], out)
  assert.match(lines[4], /^pressed "File it": Filed ticket INC\d+ for your new laptop\.$/, out)
  assert.equal(lines[5], ':memo: New laptop request intro:DISPLAY model:CHOICE reason:TEXT', out)
  assert.equal(lines[6], 'after refresh: model needed_by', out)
  assert.deepEqual(lines.slice(7), ['submitted: SUBMITTED', 'follow-up: Your laptop request is submitted: MacBook Pro'], out)
})

test("the README's credentials example runs, its client swapped for a sandbox's", async () => {
  const code = blocks[2]
  assert.match(code, /clientId:/, "the README's third js block is no longer the credentials example")
  const sandbox = await Sandbox.start({ responseDurationMs: 50 })
  try {
    // The block's options still go to a real Client first (checked there, nothing is sent), so a
    // misspelt or conflicting option fails this test; the calls then run against the sandbox.
    function Client(options) {
      new mw.Client(options).close()
      return sandbox.client()
    }
    const fakeRequire = (name) => (name === 'moveworks' ? { ...mw, Client } : require(name))
    const logged = await runBlock(code, { require: fakeRequire })
    assert.equal(logged.at(-2), 'COMPLETED', logged.join('\n'))
    assert.match(logged.at(-1), /^Permissions /)
  } finally {
    await sandbox.close()
  }
})

test("the README's models example runs on a real answer", async () => {
  const code = /## Models\n[\s\S]*?```ts\n([\s\S]*?)```/.exec(README)?.[1]
  assert.ok(code, 'a ts block under "## Models"')
  const sandbox = await Sandbox.start({ responseDurationMs: 50 })
  try {
    const client = sandbox.client()
    const conversation = await client.createConversation()
    const response = await client.createResponseAndWait(conversation.conversationId, 'Who does John Doe report to?')
    // Plain JS apart from its fence: run as is against the answer (tsc checks the typed examples).
    const logged = await runBlock(code, { response, textWithCitationMarkers: mw.textWithCitationMarkers, assistantMessages: mw.assistantMessages })
    assert.ok(logged.length > 0 && logged.every((l) => /\[1\]/.test(l)), logged.join('\n'))
  } finally {
    await sandbox.close()
  }
})

test('start-up time', async (t) => {
  const times = []
  for (let i = 0; i < 20; i++) {
    const started = process.hrtime.bigint()
    const sandbox = await Sandbox.start()
    times.push(Number(process.hrtime.bigint() - started) / 1e6)
    await sandbox.close()
  }
  times.sort((a, b) => a - b)
  t.diagnostic(`Sandbox.start() took ${times[10].toFixed(2)} ms (median of 20; min ${times[0].toFixed(2)}, max ${times[19].toFixed(2)})`)
})

test('the sandbox hands out clients of the generation asked for', async (t) => {
  const sandbox = await Sandbox.start({ apiVersion: 'v1' })
  t.after(() => sandbox.close())
  await sandbox.client().createConversation({ title: 'on rest/v1' })
  assert.deepEqual(sandbox.requests().map((r) => r.path), ['/rest/v1/conversations'])
  await assert.rejects(
    async () => Sandbox.start({ apiVersion: 'v2' }),
    (e) => e instanceof mw.InvalidArgumentError && e.argument === 'api_version',
  )
})

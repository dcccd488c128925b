'use strict'
// SECURITY.md's promises through the Node API, against the simulator: secrets never
// shown by util.inspect / JSON.stringify / console.log / error stacks, control
// characters refused before sending, ids confined to their path segment, plain http
// only with allowInsecureHttp, no redirect followed to another origin.
const test = require('node:test')
const assert = require('node:assert/strict')
const util = require('node:util')
const { Console } = require('node:console')
const { Writable } = require('node:stream')
const mw = require('..')
const { startSim } = require('./sim')

// Distinctive values, so a leak shows up in a plain substring search.
const TOKEN = 'js-st4t1c-T0KEN-must-never-print-61fa'
const CLIENT_ID = 'js-client-77'
const CLIENT_SECRET = 'js-cl13nt-S3CRET-must-never-print-0b8e'
const ISSUED = 'js-1ssu3d-T0KEN-must-never-print-d5c3'
const SECRETS = [TOKEN, CLIENT_SECRET, ISSUED]

let sim // with the distinctive credentials
let other // a second origin, for redirects
test.before(async () => {
  sim = await startSim(['--token', TOKEN, '--client-id', CLIENT_ID, '--client-secret', CLIENT_SECRET])
  other = await startSim()
})
test.after(async () => {
  await sim.stop()
  await other.stop()
})
test.beforeEach(async () => {
  await sim.reset()
  await other.reset()
})

const clearLog = () => fetch(`${sim.info.origin}/_sim/requests`, { method: 'DELETE' })
const apiRequests = async () => (await sim.requests()).filter((r) => r.path.startsWith('/rest/'))
const staticClient = (extra) => new mw.Client(sim.options({ token: TOKEN, maxRetries: 0, ...extra }))
const oauthClient = (extra) =>
  new mw.Client(sim.options({ token: undefined, clientId: CLIENT_ID, clientSecret: CLIENT_SECRET, maxRetries: 0, ...extra }))

/** Every way a Node program might print a value. */
function renderings(value) {
  const lines = []
  const sink = new Writable({
    write(chunk, _enc, done) {
      lines.push(chunk.toString())
      done()
    },
  })
  const logger = new Console({ stdout: sink, stderr: sink })
  logger.log(value)
  logger.error(value)
  logger.dir(value, { depth: null, showHidden: true })
  const out = [util.inspect(value, { depth: null, showHidden: true, getters: true }), String(value), ...lines]
  try {
    out.push(JSON.stringify(value))
  } catch (e) {
    out.push(String(e))
  }
  if (value instanceof Error) out.push(value.stack, JSON.stringify(Object.getOwnPropertyNames(value).map((k) => value[k])))
  return out
}

function assertClean(texts) {
  for (const t of texts) {
    for (const s of SECRETS) assert.ok(!String(t).includes(s), `${s} leaked in ${t}`)
    assert.ok(!/bearer /i.test(String(t)), `an Authorization value leaked in ${t}`)
  }
}

async function caught(promiseOrFn) {
  try {
    await (typeof promiseOrFn === 'function' ? promiseOrFn() : promiseOrFn)
  } catch (e) {
    return e
  }
  assert.fail('expected an error')
}

test('secrets never appear when printing clients, options or errors', async () => {
  const texts = []
  // The token endpoint first issues a distinctive token, which the API rejects;
  // the client then refreshes to one the simulator issues.
  const body = JSON.stringify({ access_token: ISSUED, expires_in: 3600 })
  await sim.faults([{ kind: 'raw', status: 200, path_contains: '/oauth', body }])
  const oauth = oauthClient()
  await oauth.listConversations()
  const st = staticClient()
  await st.listConversations()
  for (const c of [oauth, st]) texts.push(...renderings(c))

  await sim.faults([{ kind: 'status', status: 500, method: 'GET' }])
  texts.push(...renderings(await caught(oauth.listConversations())))
  await sim.revokeTokens()
  await sim.faults([{ kind: 'status', status: 401, path_contains: '/oauth' }])
  const oauthErr = await caught(oauth.listConversations())
  assert.ok(oauthErr instanceof mw.OAuthError)
  texts.push(...renderings(oauthErr))
  const wrong = await caught(oauthClient({ clientSecret: 'js-wr0ng-S3CRET' }).createConversation())
  assert.ok(wrong instanceof mw.OAuthError)
  assert.ok(!renderings(wrong).join().includes('js-wr0ng-S3CRET'))
  texts.push(...renderings(wrong))
  const unauth = await caught(staticClient({ token: TOKEN + 'x' }).getConversation('conv_1'))
  assert.ok(unauth instanceof mw.AuthenticationError)
  assert.ok(!renderings(unauth).join().includes(TOKEN))
  await sim.faults([{ kind: 'reset' }])
  texts.push(...renderings(await caught(st.createConversation({ title: 't' }))))
  await sim.faults([{ kind: 'malformed_json' }])
  texts.push(...renderings(await caught(st.listConversations())))
  texts.push(...renderings(await caught(() => staticClient({ token: TOKEN + '\r\n' }))))
  texts.push(...renderings(await caught(() => oauthClient({ clientSecret: CLIENT_SECRET + '\n' }))))
  assertClean(texts)
})

test('control characters in header-bound values are refused before sending', async () => {
  for (const bad of ['a\r\nX-Injected: 1', 'a\nb', 'a\rb', 'a\0b', 'a\tb', 'a\x7fb', 'a\u0085b']) {
    const cases = {
      token: () => staticClient({ token: bad }),
      assistant_name: () => staticClient({ assistantName: bad }),
      client_id: () => oauthClient({ clientId: bad }),
      client_secret: () => oauthClient({ clientSecret: bad }),
    }
    for (const [argument, build] of Object.entries(cases)) {
      const e = await caught(build)
      assert.ok(e instanceof mw.InvalidArgumentError, `${argument} ${JSON.stringify(bad)}: ${e}`)
      assert.equal(e.kind, 'invalid_argument')
      assert.equal(e.argument, argument)
    }
  }
  assert.deepEqual(await sim.requests(), [])
  // A token with CR/LF from the token endpoint is never sent either.
  const body = JSON.stringify({ access_token: 'abc\r\nX-Injected: 1', expires_in: 3600 })
  await sim.faults([{ kind: 'raw', status: 200, path_contains: '/oauth', body }])
  const e = await caught(oauthClient().listConversations())
  assert.ok(!String(e.message).includes('X-Injected'))
  assert.deepEqual(await apiRequests(), [])
})

test('ids cannot escape their path segment', async () => {
  const c = staticClient()
  const conv = await c.createConversation({ title: 'sec' })
  const resp = await c.createResponse(conv.conversationId, 'hi')
  const cid = conv.conversationId
  const rid = resp.responseId
  const endpoints = [
    ['/conversations/{}', (id) => c.getConversation(id)],
    ['/conversations/{}', (id) => c.updateConversation(id, { archived: true })],
    ['/conversations/{}/responses', (id) => c.createResponse(id, 'hi')],
    [`/conversations/{}/responses/${rid}`, (id) => c.getResponse(id, rid)],
    [`/conversations/${cid}/responses/{}`, (id) => c.getResponse(cid, id)],
    ['/conversations/{}/events', (id) => c.listEvents({ conversationId: id })],
    ['/conversations/{}/messages', (id) => c.listMessages(id)],
    [`/conversations/${cid}/responses/{}/messages`, (id) => c.listResponseMessages(cid, id)],
    [`/conversations/${cid}/responses/${rid}/messages/{}/feedback`, (id) => c.submitFeedback(cid, rid, id, 'cb')],
  ]
  const ids = ['../x', '..', '.', 'a/b', '%2F', 'a%2Fb', '?x', '#x', 'a b', 'a\\b', 'a\nb', '/', 'é', '日本', 'a;b']
  for (const [template, call] of endpoints) {
    for (const id of ids) {
      await clearLog()
      let refused = false
      try {
        await call(id)
      } catch (e) {
        assert.ok(e instanceof mw.MoveworksError, String(e))
        refused = e instanceof mw.InvalidArgumentError
      }
      const log = await apiRequests()
      if (refused) {
        assert.deepEqual(log, [], `${template} ${JSON.stringify(id)} refused but sent`)
        continue
      }
      assert.equal(log.length, 1, `${template} ${JSON.stringify(id)}`)
      assert.equal(log[0].query, '')
      const got = log[0].path.replace('/rest/v1beta1', '').split('/')
      const want = template.split('/')
      assert.equal(got.length, want.length, `${JSON.stringify(id)} changed the path: ${log[0].path}`)
      want.forEach((w, i) => assert.equal(w === '{}' ? decodeURIComponent(got[i]) : got[i], w === '{}' ? id : w))
    }
  }
})

test('plain http to a non-loopback host needs allowInsecureHttp', async () => {
  // 0.0.0.0 is not loopback for the SDK, but Linux connects it to this machine.
  const baseUrl = sim.info.base_url.replace('127.0.0.1', '0.0.0.0')
  for (const extra of [{ baseUrl }, { baseUrl, allowInsecureHttp: false }]) {
    const e = await caught(() => staticClient(extra))
    assert.ok(e instanceof mw.InvalidArgumentError)
    assert.equal(e.argument, 'base_url')
  }
  const e = await caught(() => oauthClient({ tokenUrl: sim.info.token_url.replace('127.0.0.1', '0.0.0.0') }))
  assert.equal(e.argument, 'token_url')
  assert.ok((await caught(() => staticClient({ baseUrl, allowInsecureHttp: 'yes' }))) instanceof mw.InvalidArgumentError)
  assert.deepEqual(await sim.requests(), [])
  await staticClient({ baseUrl, allowInsecureHttp: true }).createConversation({ title: 'over http' })
  assert.deepEqual((await sim.requests()).map((r) => r.path), ['/rest/v1beta1/conversations'])
})

test('redirects to another origin are not followed', async () => {
  const c = staticClient()
  for (const status of [302, 307]) {
    const headers = { Location: `${other.info.base_url}/conversations` }
    await sim.faults([{ kind: 'raw', status, body: '', headers }])
    const e = await caught(c.createConversation({ title: 't' }))
    assert.equal(e.kind, 'api_status')
    assert.equal(e.status, status)
  }
  const headers = { Location: other.info.token_url }
  await sim.faults([{ kind: 'raw', status: 307, body: '', path_contains: '/oauth', headers }])
  assert.ok((await caught(oauthClient().listConversations())) instanceof mw.OAuthError)
  assert.deepEqual(await other.requests(), [], 'a request reached the other origin')
})

'use strict'
// Behind a company network: https with the sandbox's CA, real proxies (tinyproxy and
// mitmproxy, started by node/test.sh with scripts/proxies.sh), the proxy environment with
// NO_PROXY (in child processes: the environment is the process's), per-call extras on the
// wire, answer headers, and logs (onLog, logger, MOVEWORKS_LOG) that never hold a secret.
// Without the proxies' variables the proxy tests are skipped, or fail when CI is set.
// One TLS sandbox serves the file, and a second one with OAuth (so a token fetch is logged
// too) the log tests and the README example.
const { test, before, after } = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const path = require('node:path')
const util = require('node:util')
const { spawn } = require('node:child_process')
const { once } = require('node:events')
const mw = require('..')
const { Sandbox } = require('../testing')

const PROXY_PASSWORD = 'proxy-secret-7f3a'
const WRONG_PASSWORD = 'not-the-password-91'
const TESTING = path.resolve(__dirname, '../testing.js')

let sandbox
let oauthSandbox
before(async () => {
  sandbox = await Sandbox.start({ tls: true, responseDurationMs: 60 })
  oauthSandbox = await Sandbox.start({ tls: true, oauth: true, responseDurationMs: 60 })
})
after(() => Promise.all([sandbox.close(), oauthSandbox.close()]))

/** A proxy variable of scripts/proxies.sh; skips the test when missing (fails under CI). */
function proxyEnv(t, name) {
  const v = process.env[name]
  if (v) return v
  if (process.env.CI) assert.fail(`${name} is not set: run eval "$(bash scripts/proxies.sh start)"`)
  t.skip(`${name} is not set (scripts/proxies.sh start)`)
  return null
}

const port = (url) => new URL(url).port

/** Every way an error can be shown. */
const shown = (e) => `${e} ${e.message} ${util.inspect(e)} ${JSON.stringify(e)} ${e.stack}`

/** A streamed turn to its end; its final response. */
async function streamedTurn(client) {
  const conv = await client.createConversation()
  const stream = client.streamResponse(conv.conversationId, 'How do I reset my password?', { initialIntervalMs: 10 })
  let events = 0
  for await (const event of stream) {
    assert.ok(event.event)
    events++
  }
  assert.ok(events >= 3, `${events} events`)
  assert.equal(stream.response.status, 'COMPLETED')
  return stream.response
}

/** Waits until `check()` holds (log records arrive on the JS thread shortly after they happen). */
async function until(check, what) {
  const deadline = Date.now() + 5000
  while (!check()) {
    assert.ok(Date.now() < deadline, `timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}

/** Runs `code` in a child node process with `env` (over a copy of this one's, proxy variables removed). */
async function child(code, env = {}) {
  const base = { ...process.env }
  for (const k of Object.keys(base)) if (/^(https?|all|no)_proxy$/i.test(k) || k === 'MOVEWORKS_LOG') delete base[k]
  const p = spawn(process.execPath, ['-e', code], { env: { ...base, ...env }, stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  p.stdout.on('data', (d) => (stdout += d))
  p.stderr.on('data', (d) => (stderr += d))
  const timer = setTimeout(() => p.kill(), 30000)
  const [status] = await once(p, 'exit')
  clearTimeout(timer)
  return { status, stdout, stderr }
}

test("https with the sandbox's CA; without it, the unknown-issuer error", async () => {
  assert.match(sandbox.baseUrl, /^https:\/\/127\.0\.0\.1:\d+\//)
  assert.match(sandbox.caCertificate, /^-----BEGIN CERTIFICATE-----/)
  const plain = await Sandbox.start()
  assert.equal(plain.caCertificate, null)
  await plain.close()

  const conv = await sandbox.client().createConversation({ title: 'over TLS' })
  assert.equal(conv.title, 'over TLS')

  for (const tlsRoots of [undefined, 'webpki', 'platform']) {
    const untrusting = sandbox.client({ caCertificates: undefined, tlsRoots, maxRetries: 0 })
    await assert.rejects(untrusting.createConversation(), (e) => {
      assert.ok(e instanceof mw.APIConnectionError, `${e.name}: ${e.message}`)
      assert.match(e.message, /^TLS error:.*unknown issuer/)
      assert.match(e.message, /ca_certificates/)
      return true
    })
  }
  // custom-only trusts nothing but caCertificates, given as a file path this time.
  const dir = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'mw-ca-'))
  try {
    const file = path.join(dir, 'sandbox-ca.pem')
    fs.writeFileSync(file, sandbox.caCertificate)
    await sandbox.client({ caCertificates: file, tlsRoots: 'custom-only' }).createConversation()
    assert.throws(() => sandbox.client({ caCertificates: path.join(dir, 'absent.pem') }), (e) => e.argument === 'ca_certificates')
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  assert.throws(() => sandbox.client({ tlsRoots: 'system' }), (e) => e instanceof mw.InvalidArgumentError && e.argument === 'tls_roots')
})

test('mutual TLS options reach the core: a certificate needs its key, and the key is never shown', () => {
  const key = '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS0xMjM=\n-----END PRIVATE KEY-----\n'
  assert.throws(() => sandbox.client({ clientKey: key }), (e) => {
    assert.ok(e instanceof mw.InvalidArgumentError)
    assert.equal(e.argument, 'client_certificate')
    assert.ok(!shown(e).includes('c2VjcmV0LWtleS0xMjM='), shown(e))
    return true
  })
  assert.throws(() => sandbox.client({ clientCertificate: sandbox.caCertificate }), (e) => e.argument === 'client_key')
})

test('calls and a streamed turn pass through a real forward proxy; a wrong password is never shown', async (t) => {
  const proxy = proxyEnv(t, 'MOVEWORKS_TEST_FORWARD_PROXY')
  const log = proxyEnv(t, 'MOVEWORKS_TEST_FORWARD_PROXY_LOG')
  if (!proxy || !log) return
  const client = sandbox.client({ proxy })
  const logged = fs.statSync(log).size // earlier suites' CONNECTs may name this port too
  await client.createConversation({ title: 'via tinyproxy' })
  await streamedTurn(client)
  const seen = fs.readFileSync(log).subarray(logged).toString('utf8')
  assert.ok(seen.includes(`CONNECT 127.0.0.1:${port(sandbox.baseUrl)} `), 'tinyproxy saw the CONNECT')
  for (const printed of [util.inspect(client), util.inspect(client, { showHidden: true, depth: 9 }), JSON.stringify(client)]) {
    assert.ok(!printed.includes(PROXY_PASSWORD), printed)
  }

  const wrong = sandbox.client({ proxy: proxy.replace(PROXY_PASSWORD, WRONG_PASSWORD), maxRetries: 0 })
  await assert.rejects(wrong.createConversation(), (e) => {
    assert.ok(e instanceof mw.APIConnectionError, `${e.name}: ${e.message}`)
    const text = shown(e)
    assert.ok(!text.includes(WRONG_PASSWORD) && !text.includes('sdk-test:'), text)
    return true
  })
  // A bad proxy URL is refused naming the option, not echoing the URL.
  assert.throws(() => sandbox.client({ proxy: `ftp://sdk-test:${WRONG_PASSWORD}@127.0.0.1:1` }), (e) => {
    assert.equal(e.argument, 'proxy')
    assert.ok(!shown(e).includes(WRONG_PASSWORD), shown(e))
    return true
  })
})

test('a TLS-inspecting proxy works once its CA is trusted: a call and a streamed turn', async (t) => {
  const proxy = proxyEnv(t, 'MOVEWORKS_TEST_INSPECTING_PROXY')
  const ca = proxyEnv(t, 'MOVEWORKS_TEST_INSPECTING_PROXY_CA')
  if (!proxy || !ca) return
  // Trusting only the sandbox's CA: mitmproxy's certificate is from an unknown issuer.
  await assert.rejects(sandbox.client({ proxy, maxRetries: 0 }).createConversation(), (e) => e instanceof mw.APIConnectionError && /unknown issuer/.test(e.message))
  const client = sandbox.client({ proxy, caCertificates: ca })
  const conv = await client.createConversation({ title: 'inspected' })
  assert.equal(conv.title, 'inspected')
  const done = await streamedTurn(client)
  assert.ok(done.httpHeaders['content-type'].startsWith('text/event-stream'), util.inspect(done.httpHeaders))
})

test('the proxy environment: HTTPS_PROXY is used, NO_PROXY (a CIDR range) bypasses it', async (t) => {
  const proxy = proxyEnv(t, 'MOVEWORKS_TEST_FORWARD_PROXY')
  const log = proxyEnv(t, 'MOVEWORKS_TEST_FORWARD_PROXY_LOG')
  if (!proxy || !log) return
  // Each child starts its own TLS sandbox, makes one call and prints the sandbox's port.
  const code = `
    const { Sandbox } = require(${JSON.stringify(TESTING)})
    ;(async () => {
      const sandbox = await Sandbox.start({ tls: true })
      try {
        await sandbox.client({ maxRetries: 0 }).createConversation()
        console.log(JSON.stringify({ port: new URL(sandbox.baseUrl).port }))
      } catch (e) {
        console.log(JSON.stringify({ port: new URL(sandbox.baseUrl).port, error: e.message }))
      } finally {
        await sandbox.close()
      }
    })()`
  // Only what the proxy logs from now on: earlier suites' CONNECTs stay in the log, and
  // one of them may name the port a sandbox here gets.
  const logged = fs.statSync(log).size
  const [viaProxy, bypassed, deadProxy] = await Promise.all([
    child(code, { HTTPS_PROXY: proxy }),
    child(code, { HTTPS_PROXY: proxy, NO_PROXY: 'example.com,127.0.0.0/8' }),
    // Nothing listens on port 9: only a bypass lets the call through.
    child(code, { https_proxy: 'http://127.0.0.1:9', no_proxy: '127.0.0.1' }),
  ])
  const seen = fs.readFileSync(log).subarray(logged).toString('utf8')
  const results = [viaProxy, bypassed, deadProxy].map((r) => {
    assert.equal(r.status, 0, r.stderr)
    return JSON.parse(r.stdout)
  })
  assert.deepEqual(results.map((r) => r.error), [undefined, undefined, undefined])
  assert.ok(seen.includes(`CONNECT 127.0.0.1:${results[0].port} `), 'HTTPS_PROXY was used')
  assert.ok(!seen.includes(`CONNECT 127.0.0.1:${results[1].port} `), 'NO_PROXY bypassed the proxy')
})

test('extras reach the server; headers the SDK owns and a body on a GET are refused', async () => {
  const client = sandbox.client()
  const conv = await client.createConversation({
    title: 'extras',
    extraHeaders: { 'X-Feature-Flag': 'beta' },
    extraQuery: { trace: true },
    extraBody: { client_context: { app: 'helpdesk' } },
  })
  assert.equal(conv.title, 'extras')
  const last = sandbox.run('requests', { pathContains: '/conversations', method: 'POST' }).at(-1)
  assert.deepEqual(last.xHeaders, { 'x-feature-flag': 'beta' })
  assert.equal(last.query, 'trace=true')
  assert.deepEqual(last.bodyKeys, ['client_context', 'title'])
  // withOptions carries them to every call of the copy, streamed turns included.
  const flagged = client.withOptions({ extraHeaders: { 'X-Feature-Flag': 'gamma' } })
  await flagged.getConversation(conv.conversationId)
  assert.deepEqual(sandbox.run('requests', { pathContains: conv.conversationId, method: 'GET' }).at(-1).xHeaders, { 'x-feature-flag': 'gamma' })

  const isInvalid = (argument) => (e) => {
    assert.ok(e instanceof mw.InvalidArgumentError, `${e.name}: ${e.message}`)
    assert.equal(e.argument, argument)
    return true
  }
  await assert.rejects(client.getConversation(conv.conversationId, { extraBody: { x: 1 } }), isInvalid('extraBody'))
  for (const owned of ['Authorization', 'assistant-name', 'User-Agent', 'Proxy-Authorization']) {
    await assert.rejects(client.getConversation(conv.conversationId, { extraHeaders: { [owned]: 'x' } }), isInvalid('extraHeaders'))
    assert.throws(() => client.withOptions({ extraHeaders: { [owned]: 'x' } }), isInvalid('extraHeaders'))
  }
  await assert.rejects(client.getConversation(conv.conversationId, { extraHeaders: 'X-A: 1' }), isInvalid('extraHeaders'))
  await assert.rejects(client.getConversation(conv.conversationId, { extraHeader: {} }), isInvalid('extraHeader'))
})

test('answers, pages, streamed responses and errors carry their HTTP headers', async () => {
  const client = sandbox.client()
  const conv = await client.createConversation()
  assert.equal(conv.httpHeaders['content-type'], 'application/json')
  assert.equal(conv.httpHeaders['x-moveworks-root-uuid'], conv.requestId)
  assert.ok(!Object.keys(conv).includes('httpHeaders'), 'not enumerable, like requestId')
  const page = await client.listConversations()
  assert.equal(page.httpHeaders['x-moveworks-root-uuid'], page.requestId)
  const done = await client.createResponseAndWait(conv.conversationId, 'hi', { initialIntervalMs: 10 })
  assert.equal(done.httpHeaders['x-moveworks-root-uuid'], done.requestId)
  await assert.rejects(client.getConversation('conv_does_not_exist'), (e) => {
    assert.ok(e instanceof mw.NotFoundError)
    assert.ok(e.requestId)
    assert.equal(e.httpHeaders['x-moveworks-root-uuid'], e.requestId)
    return true
  })
  // No answer, no headers.
  const e = await sandbox.client({ caCertificates: undefined, maxRetries: 0 }).createConversation().catch((err) => err)
  assert.equal(e.httpHeaders, null)
})

test('onLog: each attempt with its retry decision, the token fetch, bodies at trace, and no secret', async (t) => {
  const proxy = process.env.MOVEWORKS_TEST_FORWARD_PROXY // through the proxy when it runs: its password is a secret too
  const records = []
  mw.setLogLevel('trace')
  try {
    assert.equal(mw.logLevel(), 'trace')
    const client = oauthSandbox.client({ onLog: (r) => records.push(r), ...(proxy ? { proxy } : {}) })
    oauthSandbox.fault({ kind: 'status', status: 503, method: 'GET', count: 1 })
    const conv = await client.createConversation({ title: 'logged' })
    await client.getConversation(conv.conversationId)
    const gets = () => records.filter((r) => r.level === 'debug' && r.method === 'GET')
    await until(() => gets().length >= 2, 'two GET attempt records')
    const [first, second] = gets()
    assert.deepEqual(Object.keys(first), ['level', 'message', 'method', 'path', 'status', 'attempt', 'durationMs', 'requestId', 'errorKind', 'retry'])
    assert.equal(first.status, 503)
    assert.equal(first.attempt, 1)
    assert.match(first.retry, /^retry in/)
    assert.equal(second.status, 200)
    assert.equal(second.attempt, 2)
    assert.equal(second.retry, null)
    assert.ok(second.requestId && second.durationMs != null && second.path.endsWith(conv.conversationId))
    assert.ok(records.some((r) => r.level === 'info' && r.retry), 'the retry decision at info')
    assert.ok(records.some((r) => r.level === 'trace' && r.message.includes('logged')), 'bodies at trace')
    assert.ok(records.some((r) => r.path?.includes('/oauth/v1/token')), 'the token fetch')
    const all = JSON.stringify(records)
    for (const secret of [oauthSandbox.clientSecret, oauthSandbox.token, 'access_token":"', 'Bearer', PROXY_PASSWORD]) {
      assert.ok(!all.includes(secret), `${secret} appears in the logs`)
    }
    t.diagnostic(`${records.length} records${proxy ? ' (through the forward proxy)' : ''}`)

    // A hook that throws is ignored; `logger` takes a console-like object.
    await oauthSandbox.client({ onLog: () => { throw new Error('broken hook') } }).listConversations()
    const lines = []
    const logger = Object.fromEntries(['error', 'warn', 'info', 'debug'].map((m) => [m, (line) => lines.push([m, line])]))
    await oauthSandbox.client({ logger }).listConversations()
    await until(() => lines.some(([m, l]) => m === 'debug' && l.startsWith('moveworks: GET /rest/v1beta1/conversations')), 'a logger line')
    const invalid = (argument) => (e) => e instanceof mw.InvalidArgumentError && e.argument === argument
    assert.throws(() => oauthSandbox.client({ onLog: 'console' }), invalid('onLog'))
    assert.throws(() => oauthSandbox.client({ logger: {} }), invalid('logger'))
    assert.throws(() => oauthSandbox.client({ logger: console, onLog: () => {} }), invalid('onLog/logger'))
    assert.throws(() => mw.setLogLevel('loud'), mw.InvalidArgumentError)
  } finally {
    mw.setLogLevel('warn')
  }
})

test('MOVEWORKS_LOG=debug writes the attempts to stderr with no option; an onLog client never keeps the process alive', async () => {
  const code = (onLog) => `
    const { Sandbox } = require(${JSON.stringify(TESTING)})
    ;(async () => {
      const sandbox = await Sandbox.start()
      const client = sandbox.client(${onLog ? '{ onLog: (r) => console.log(r.level, r.message) }' : '{}'})
      await client.createConversation()
      await sandbox.close()
      // The client stays referenced: only its log hook could keep the process alive now.
      globalThis.kept = client
    })()`
  const [stderrLogged, hooked] = await Promise.all([child(code(false), { MOVEWORKS_LOG: 'debug' }), child(code(true), { MOVEWORKS_LOG: 'debug' })])
  assert.equal(stderrLogged.status, 0, stderrLogged.stderr)
  assert.match(stderrLogged.stderr, /^\[moveworks debug\] POST \/rest\/v1beta1\/conversations -> 201 attempt=1/m)
  assert.equal(hooked.status, 0, hooked.stderr)
  assert.match(hooked.stdout, /^debug POST \/rest\/v1beta1\/conversations -> 201/m)
  assert.doesNotMatch(hooked.stderr, /\[moveworks/, 'onLog replaces stderr')
})

test("the README's corporate-proxy example runs through the inspecting proxy", async (t) => {
  const proxy = proxyEnv(t, 'MOVEWORKS_TEST_INSPECTING_PROXY')
  const ca = proxyEnv(t, 'MOVEWORKS_TEST_INSPECTING_PROXY_CA')
  if (!proxy || !ca) return
  const README = fs.readFileSync(path.resolve(__dirname, '../README.md'), 'utf8')
  const code = /## Behind a corporate proxy\n[\s\S]*?```js\n([\s\S]*?)```/.exec(README)?.[1]
  assert.ok(code, 'a js block under "## Behind a corporate proxy"')
  const env = {
    MOVEWORKS_ASSISTANT_NAME: oauthSandbox.assistantName,
    MOVEWORKS_CLIENT_ID: oauthSandbox.clientId,
    MOVEWORKS_CLIENT_SECRET: oauthSandbox.clientSecret,
    COMPANY_PROXY: proxy,
    COMPANY_ROOT_CA: ca,
  }
  // The block's own options, plus the sandbox's URL (an account has the default one).
  function Client(options) {
    return new mw.Client({ ...options, baseUrl: oauthSandbox.baseUrl })
  }
  const fakeRequire = (name) => (name === 'moveworks' ? { ...mw, Client } : require(name))
  const logged = []
  const AsyncFunction = (async () => {}).constructor
  try {
    await new AsyncFunction('require', 'process', 'console', code)(fakeRequire, { env }, { log: (...a) => logged.push(a.join(' ')) })
    await until(() => logged.some((l) => l.startsWith('debug POST /rest/v1beta1/conversations -> 201')), 'the logged attempt')
  } finally {
    mw.setLogLevel('warn')
  }
  const answer = logged.find((l) => !/^(error|warn|info|debug|trace) /.test(l))
  assert.match(answer, /^\S+ application\/json$/, logged.join('\n'))
  assert.ok(!logged.join('\n').includes(oauthSandbox.clientSecret))
})

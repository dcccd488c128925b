'use strict'
// Runs every scenario of tests/conformance/scenarios.json and v1-scenarios.json (rest/v1)
// against the simulator, through the package's public API only.
const test = require('node:test')
const assert = require('node:assert/strict')
const fs = require('node:fs')
const os = require('node:os')
const path = require('node:path')
const mw = require('..')
const { startSim } = require('./sim')
const { match } = require('./matcher')

const scenarios = (file) =>
  JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../tests/conformance', file), 'utf8')).scenarios
const FILES = { 'scenarios.json': scenarios('scenarios.json'), 'v1-scenarios.json': scenarios('v1-scenarios.json') }

/** The keys the format defines (tests/conformance/README.md); any other fails the scenario. */
const SCENARIO_KEYS = new Set(['name', 'description', 'client', 'users', 'steps', 'expect_client_error'])
const STEP_KEYS = new Set(['call', 'sim', 'args', 'as', 'expect', 'expect_error', 'save_as'])
const CLIENT_KEYS = new Set([
  'auth', 'token', 'client_secret', 'client_credentials_too', 'assistant_name', 'max_retries', 'timeout_ms',
  'deadline_ms', 'user_agent_suffix', 'api_version', 'base_url',
])
function onlyKnownKeys(what, value, keys) {
  for (const k of Object.keys(value ?? {})) if (!keys.has(k)) throw new Error(`unknown ${what} key ${k}`)
}

/**
 * Wire JSON -> the model object it came from, so helpers and calls can take saved models
 * (a saved Response, one of its messages' actions, a fetched Modal): every model object
 * nested in a result is registered, its wire JSON being the matching part of the result's.
 */
const models = new WeakMap()
function register(model) {
  if (model === null || typeof model !== 'object') return
  if (Array.isArray(model)) return model.forEach(register)
  if (model instanceof Date) return
  try {
    models.set(mw.toWire(model), model)
  } catch {}
  for (const v of Object.values(model)) register(v)
}
function wireOf(model) {
  register(model)
  return mw.toWire(model)
}
function modelOf(wire, what) {
  const model = models.get(wire)
  if (!model) throw new Error(`${what} is not a model saved by an earlier step`)
  return model
}

/** A turn's input: `text`, or `input` with exactly one of chat, text, callback_id, raw (the package's Input variants). */
function inputOf(a) {
  if (typeof a.text === 'string') return a.text
  const entries = Object.entries(a.input ?? {})
  if (entries.length !== 1) throw new Error(`missing text or input: ${JSON.stringify(a)}`)
  const [[kind, value]] = entries
  const make = { chat: mw.Input.chat, text: mw.Input.text, callback_id: mw.Input.callback, raw: mw.Input.raw }[kind]
  if (!make) throw new Error(`unknown input kind ${kind}`)
  return make(value)
}

function modalRefOf(a) {
  return { conversationId: a.conversation_id, responseId: a.response_id, messageId: a.message_id, modalId: a.modal_id }
}

/**
 * `follow_events`: a new follower (a restart) on the file checkpoint `checkpoint` in the
 * scenario's scratch directory, polled once; its handler takes `handle` events and refuses the next.
 */
async function followEvents(c, a, scratch) {
  const follower = c.followEvents({ checkpoint: path.join(scratch, a.checkpoint), replay: a.replay, pageSize: a.page_size })
  const handled = []
  await follower.pollOnce((event) => {
    if (a.handle != null && handled.length === a.handle) return false
    handled.push(wireOf(event))
  })
  return { events: handled, checkpoint: follower.checkpoint }
}

function lookup(saved, ref) {
  const [name, ...parts] = ref.split('.')
  if (!(name in saved)) throw new Error(`unknown reference \${${ref}}`)
  let v = saved[name]
  for (const p of parts) {
    if (v == null) throw new Error(`reference \${${ref}} runs past null`)
    v = v[Array.isArray(v) ? Number(p) : p]
  }
  return v
}

function substitute(value, saved) {
  if (typeof value === 'string') {
    const m = /^\$\{([^}]+)\}$/.exec(value)
    return m ? lookup(saved, m[1]) : value
  }
  if (Array.isArray(value)) return value.map((v) => substitute(v, saved))
  if (value && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, substitute(v, saved)]))
  }
  return value
}

function waitOptions(a) {
  return { deadlineMs: a.deadline_ms, initialIntervalMs: a.initial_interval_ms, maxIntervalMs: a.max_interval_ms }
}

/**
 * A streamed turn the way a user writes it: `for await` over `client.streamResponse`,
 * `cancel_after_ms` as an AbortController timer. Any error of the loop is the call's error.
 */
async function streamTurn(c, a) {
  const ac = new AbortController()
  const timer = a.cancel_after_ms == null ? null : setTimeout(() => ac.abort(), a.cancel_after_ms)
  try {
    const stream = c.streamResponse(a.conversation_id, inputOf(a), {
      ...waitOptions(a),
      idleTimeoutMs: a.idle_timeout_ms,
      signal: ac.signal,
    })
    const names = []
    for await (const event of stream) names.push(event.event === 'UNKNOWN' ? event.eventName : event.event)
    return {
      response: wireOf(stream.response),
      event_names: names.join(','),
      first_event: names[0] ?? null,
      last_event: names.at(-1) ?? null,
    }
  } finally {
    clearTimeout(timer)
  }
}

/** Each call returns wire JSON from the core's serializer (via toWire). */
const CALLS = {
  list_conversations: async (c, a) => wireOf(await c.listConversations({ limit: a.limit, cursor: a.cursor, archived: a.archived })),
  iter_conversations: async (c, a) => {
    const out = []
    for await (const x of c.iterConversations({ limit: a.limit, archived: a.archived })) out.push(wireOf(x))
    return out
  },
  create_conversation: async (c, a) => wireOf(await c.createConversation({ title: a.title })),
  get_conversation: async (c, a) => wireOf(await c.getConversation(a.conversation_id)),
  update_conversation: async (c, a) => wireOf(await c.updateConversation(a.conversation_id, { title: a.title, archived: a.archived })),
  list_events: async (c, a) =>
    wireOf(
      await c.listEvents({
        conversationId: a.conversation_id,
        startingAfter: a.starting_after,
        endingAt: a.ending_at,
        cursor: a.cursor,
        limit: a.limit,
      }),
    ),
  iter_events: async (c, a) => {
    const out = []
    const it = c.iterEvents({ conversationId: a.conversation_id, startingAfter: a.starting_after, endingAt: a.ending_at, limit: a.limit })
    for await (const x of it) out.push(wireOf(x))
    return out
  },
  list_messages: async (c, a) => wireOf(await c.listMessages(a.conversation_id, { cursor: a.cursor, limit: a.limit })),
  iter_messages: async (c, a) => {
    const out = []
    for await (const m of c.iterMessages(a.conversation_id, { limit: a.limit })) out.push(wireOf(m))
    return out
  },
  list_response_messages: async (c, a) =>
    wireOf(await c.listResponseMessages(a.conversation_id, a.response_id, { cursor: a.cursor, limit: a.limit })),
  submit_feedback: async (c, a) =>
    wireOf(
      await c.submitFeedback(a.conversation_id, a.response_id, a.message_id, a.callback_id, {
        additionalFeedback: a.additional_feedback,
      }),
    ),
  create_response: async (c, a) => wireOf(await c.createResponse(a.conversation_id, inputOf(a))),
  get_response: async (c, a) => wireOf(await c.getResponse(a.conversation_id, a.response_id)),
  wait_for_response: async (c, a) => wireOf(await c.waitForResponse(a.conversation_id, a.response_id, waitOptions(a))),
  create_response_and_wait: async (c, a) => wireOf(await c.createResponseAndWait(a.conversation_id, inputOf(a), waitOptions(a))),
  stream_response: streamTurn,
  assistant_text: async (c, a) => mw.assistantText(models.get(a.response)),
  // As the spec says (and Python does): the first assistant message, rendered by the per-message helper.
  text_with_citation_markers: async (c, a) => mw.textWithCitationMarkers(mw.assistantMessages(models.get(a.response))[0]),
  press: async (c, a) => wireOf(await c.press(a.conversation_id, modelOf(a.action, 'action'))),
  get_event: async (c, a) => wireOf(await c.getEvent(a.conversation_id, a.event_id)),
  get_modal: async (c, a) => wireOf(await c.getModal(modalRefOf(a))),
  refresh_modal: async (c, a) => {
    // The saved Modal knows where it was fetched (its `source`): the four ids name that place.
    const previous = modelOf(a.previous, 'previous')
    assert.deepStrictEqual({ ...previous.source }, modalRefOf(a), 'refresh_modal: previous was fetched from these ids')
    return wireOf(await c.refreshModal(previous, a.values))
  },
  submit_modal: async (c, a) => wireOf(await c.submitModal(modalRefOf(a), a.values)),
  webhook_message: async (c, a) => {
    const body = typeof a.body === 'string' ? a.body : JSON.stringify(a.body)
    const delivery = mw.WebhookDelivery.parse(Buffer.from(body))
    const event = await delivery.fetch(c)
    const { id, conversationId, userId, eventType } = delivery
    return { delivery: { id, conversation_id: conversationId, user_id: userId, event_type: eventType }, event: wireOf(event) }
  },
}

/** The simulator URL a scenario's `base_url` (and `api_version`) names. */
function baseUrlOf(sim, spec) {
  const which = spec.base_url ?? (spec.api_version == null ? 'beta' : 'origin')
  if (which === 'beta') return sim.info.base_url
  if (which === 'v1') return sim.info.v1_base_url
  if (which === 'origin') return sim.info.origin
  if (which.startsWith('/')) return `${sim.info.origin}${which}`
  throw new Error(`unknown base_url ${which}`)
}

function makeClient(sim, spec = {}) {
  onlyKnownKeys('client', spec, CLIENT_KEYS)
  const auth = spec.auth ?? 'token'
  const base = {
    baseUrl: baseUrlOf(sim, spec),
    apiVersion: spec.api_version,
    assistantName: spec.assistant_name ?? sim.info.assistant_name,
  }
  const creds =
    auth === 'oauth'
      ? { clientId: sim.info.client_id, clientSecret: spec.client_secret ?? sim.info.client_secret, tokenUrl: sim.info.token_url }
      : { token: spec.token ?? sim.info.token }
  if (auth !== 'oauth' && auth !== 'token') throw new Error(`unknown client auth ${auth}`)
  const alsoCredentials = spec.client_credentials_too ? { clientId: sim.info.client_id, clientSecret: sim.info.client_secret } : {}
  return new mw.Client({
    ...base,
    ...creds,
    ...alsoCredentials,
    maxRetries: spec.max_retries ?? 2,
    timeoutMs: spec.timeout_ms,
    deadlineMs: spec.deadline_ms,
    userAgentSuffix: spec.user_agent_suffix,
  })
}

function checkError(err, expected, what) {
  assert.ok(err instanceof mw.MoveworksError, `${what}: expected a MoveworksError, got ${err}`)
  for (const [k, v] of Object.entries(expected)) {
    if (k === 'response_id') {
      if (typeof v === 'string') {
        assert.strictEqual(err.responseId, v, `${what}: error response_id (${err.message})`)
      } else {
        assert.deepStrictEqual(v, { $ne: null }, 'response_id must be a string or {"$ne": null}')
        assert.ok(err.responseId, `${what}: the error names no response (${err.message})`)
      }
      // The last response seen, when there is one, is the response named.
      if (err.response != null) assert.strictEqual(err.response.responseId, err.responseId)
      continue
    }
    if (k === 'is_a' || k === 'not_a') {
      // "Caught by the class of kind c" in JS: instanceof ERROR_CLASSES[c].
      for (const kind of v) {
        const Cls = mw.ERROR_CLASSES[kind]
        assert.ok(Cls, `${k}: unknown kind ${kind}`)
        assert.strictEqual(err instanceof Cls, k === 'is_a', `${err.name}: expected ${k} ${Cls.name}`)
      }
      continue
    }
    const field = { kind: 'kind', status: 'status', code: 'code', argument: 'argument' }[k]
    if (!field) throw new Error(`unknown expect_error key ${k}`)
    assert.deepStrictEqual(err[field], v, `${what}: error ${k} (${err.message})`)
  }
  assert.ok(err instanceof mw.ERROR_CLASSES[err.kind], `class of ${err.kind}`)
}

async function runStep(sim, clients, step, saved) {
  onlyKnownKeys('step', step, STEP_KEYS)
  if ('sim' in step) {
    const result = await runSim(sim, step, saved)
    if (step.save_as) saved[step.save_as] = result
    return
  }
  const client = step.as == null ? clients.main : clients.users.get(step.as)
  if (step.as != null && !client) throw new Error(`no client for user ${step.as} (see \`users\`)`)
  return runCall(client, step, saved, clients.scratch)
}

/** A `sim` step; resolves to what the simulator answered (kept under `save_as`). */
async function runSim(sim, step, saved) {
  const a = substitute(step.args ?? {}, saved)
  switch (step.sim) {
    case 'fault':
      return sim.faults([a])
    case 'config':
      return sim.config(a)
    case 'revoke_tokens':
      return sim.revokeTokens()
    case 'sleep':
      return new Promise((r) => setTimeout(r, a.ms))
    case 'inject_event':
      return sim.injectEvent(a)
    case 'script':
      return sim.script(a.action, a.args ?? {})
    case 'expect_requests': {
      const log = await sim.requests()
      const entries = Array.isArray(log) ? log : log.requests
      const matching = entries.filter(
        (r) =>
          (a.method == null || r.method === a.method) &&
          (a.path_contains == null || r.path.includes(a.path_contains)) &&
          (a.user_agent_ends_with == null || String(r.user_agent ?? '').endsWith(a.user_agent_ends_with)),
      )
      const n = matching.length
      assert.equal(n, a.count, `expected ${a.count} ${a.method ?? ''} requests to ${a.path_contains ?? '*'}, saw ${n}`)
      if (a.connections != null) {
        // Per-user views share the client's pool: the log's `connection` serial tells connections apart.
        const connections = new Set(matching.map((r) => JSON.stringify(r.connection)))
        assert.equal(connections.size, a.connections, `expected the matching requests on ${a.connections} connections, got ${[...connections]}`)
      }
      return
    }
    default:
      throw new Error(`unknown sim action ${step.sim}`)
  }
}

async function runCall(client, step, saved, scratch) {
  if (!('call' in step)) throw new Error(`step is neither call nor sim: ${JSON.stringify(step)}`)
  if (!client) throw new Error(`a call step, but the client failed to build: ${JSON.stringify(step)}`)
  const fn = step.call === 'follow_events' ? (c, a) => followEvents(c, a, scratch) : CALLS[step.call]
  if (!fn) throw new Error(`unknown call ${step.call}`)
  const args = substitute(step.args ?? {}, saved)
  let result
  try {
    result = await fn(client, args)
  } catch (err) {
    if (!step.expect_error) throw err
    checkError(err, substitute(step.expect_error, saved), step.call)
    return
  }
  if (step.expect_error) assert.fail(`${step.call}: expected error ${JSON.stringify(step.expect_error)}, got ${JSON.stringify(result)}`)
  if ('expect' in step) match(result, substitute(step.expect, saved), step.call)
  if (step.save_as) saved[step.save_as] = result
}

/**
 * The scenario's per-user views (`users`): `client.forUser` with a provider returning
 * the bearer the simulator's `user_token` action minted for that user.
 */
async function userViews(sim, client, users = []) {
  const views = new Map()
  for (const user of users) {
    if (!client) throw new Error('`users` in a scenario whose client failed to build')
    const { token } = await sim.script('user_token', { user_id: user })
    views.set(user, client.forUser(() => token))
  }
  return views
}

for (const [file, list] of Object.entries(FILES)) {
  test(`conformance scenarios (${file})`, async (t) => {
    const sim = await startSim()
    t.after(() => sim.stop())
    assert.ok(list.length > 0)
    for (const scenario of list) {
      await t.test(scenario.name, async () => {
        onlyKnownKeys('scenario', scenario, SCENARIO_KEYS)
        await sim.reset()
        let client = null
        try {
          client = makeClient(sim, scenario.client)
        } catch (err) {
          if (!scenario.expect_client_error) throw err
          checkError(err, scenario.expect_client_error, 'building the client')
        }
        if (client && scenario.expect_client_error) {
          assert.fail(`expected building the client to fail with ${JSON.stringify(scenario.expect_client_error)}`)
        }
        const scratch = fs.mkdtempSync(path.join(os.tmpdir(), 'mw-conformance-'))
        try {
          const clients = { main: client, users: await userViews(sim, client, scenario.users), scratch }
          const saved = {}
          for (const [i, step] of scenario.steps.entries()) {
            try {
              await runStep(sim, clients, step, saved)
            } catch (err) {
              err.message = `step ${i} (${step.call ?? step.sim}): ${err.message}`
              throw err
            }
          }
        } finally {
          fs.rmSync(scratch, { recursive: true, force: true })
        }
      })
    }
  })
}

test('the matcher rejects mismatches (so the runner can fail)', () => {
  const bad = [
    [{ a: 1 }, { a: 2 }],
    [{ a: [1] }, { a: { $len: 2 } }],
    [{}, { a: { $present: true } }],
    [{ a: 1 }, { a: { $absent: true } }],
    [{ a: 'x' }, { a: { $ne: 'x' } }],
    [{ a: 'x' }, { a: { $contains: 'y' } }],
    [[1, 2], [1]],
    [{}, { a: 1 }],
  ]
  for (const [actual, expected] of bad) assert.throws(() => match(actual, expected), assert.AssertionError)
  match({ a: 'xyz', b: [1, 2], c: null, d: 3 }, { a: { $contains: 'y' }, b: { $len: 2 }, c: { $present: true, $absent: true }, d: { $ne: 4 } })
})

'use strict'
// `moveworks/testing`: the Sandbox, the project's simulator of the Conversations API
// running inside this process on a free 127.0.0.1 port, to try the SDK with no account
// and to test app code that calls it. A thin layer like index.js: the addon's
// NativeSandbox wraps the core's `moveworks::sandbox::Sandbox`, which owns the
// scripting vocabulary; every method below forwards to it by action name.

const mw = require('./index.js')

const { native, snakeJson, fromWire, convertError, str } = mw[Symbol.for('moveworks.internal')]

/** Runs `f`, converting what the addon throws into the package's error classes. */
function converted(f) {
  try {
    return f()
  } catch (err) {
    throw convertError(err)
  }
}

/** snake_case keys -> camelCase (the sandbox's client options, from the core as JSON). */
function camelKeys(record) {
  const out = {}
  for (const [k, v] of Object.entries(record)) out[k.replace(/_([a-z0-9])/g, (_, c) => c.toUpperCase())] = v
  return out
}

/**
 * A running sandbox: `const sandbox = await Sandbox.start()`, then `sandbox.client()`
 * for a ready client, the scripting methods to shape what the next requests get, and
 * `await sandbox.close()` to stop it. Scripting methods are synchronous (they only
 * take the simulator's in-process lock); after `close()` every call throws
 * `InvalidArgumentError` (`argument` "sandbox").
 */
class Sandbox {
  constructor() {
    throw new TypeError('use `await Sandbox.start(options)`')
  }

  /**
   * Starts a sandbox on a free 127.0.0.1 port. Options (all optional):
   * `responseDurationMs` (creation to terminal status, default 600), `assistantName`
   * (default "sandbox"), `oauth` (clients use client credentials and the token endpoint),
   * `tls` (serve https with a throwaway CA: `caCertificate`; `client()` trusts it),
   * `apiVersion` (`'v1'` or `'v1beta1'`, the default for now: the generation of `client()`).
   */
  static async start(options = {}) {
    if (typeof native.NativeSandbox !== 'function') {
      throw new Error('moveworks: this build of the addon has no sandbox (built without the `sandbox` feature)')
    }
    const json = converted(() => snakeJson('options', options))
    let n
    try {
      n = await native.NativeSandbox.start(json)
    } catch (err) {
      throw convertError(err)
    }
    const sandbox = Object.create(Sandbox.prototype)
    Object.defineProperty(sandbox, '_native', { value: n })
    return sandbox
  }

  /** The API base URL, `http://127.0.0.1:PORT/rest/v1beta1`. */
  get baseUrl() {
    return converted(() => this._native.baseUrl)
  }
  /** `http://127.0.0.1:PORT`. */
  get origin() {
    return converted(() => this._native.origin)
  }
  /** The OAuth token endpoint. */
  get tokenUrl() {
    return converted(() => this._native.tokenUrl)
  }
  /** The `Assistant-Name` the sandbox expects. */
  get assistantName() {
    return converted(() => this._native.assistantName)
  }
  /** A bearer token the sandbox always accepts. */
  get token() {
    return converted(() => this._native.token)
  }
  /** The OAuth client id the token endpoint accepts. */
  get clientId() {
    return converted(() => this._native.clientId)
  }
  /** The OAuth client secret the token endpoint accepts. */
  get clientSecret() {
    return converted(() => this._native.clientSecret)
  }
  /**
   * The PEM of the throwaway CA that signed a TLS sandbox's certificate (started with
   * `tls: true`), for clients that do not come from `client()` (`caCertificates`); null
   * for a plain-http sandbox.
   */
  get caCertificate() {
    return converted(() => this._native.caCertificate) ?? null
  }

  /**
   * A `Client` for this sandbox: the sandbox's options (base URL, assistant name, and
   * its token or, started with `oauth`, its client credentials) with `options` merged
   * over them, e.g. `sandbox.client({ maxRetries: 0 })`.
   */
  client(options = {}) {
    const own = converted(() => JSON.parse(this._native.clientOptionsJson()))
    if (options == null || typeof options !== 'object' || Array.isArray(options)) {
      return new mw.Client(options) // the client's own error for a non-object
    }
    return new mw.Client({ ...camelKeys(own), ...options })
  }

  /**
   * Runs one action of the scripting vocabulary by name with its arguments (camelCase
   * keys become snake_case) and returns its answer (camelCase keys). A new action of
   * the core works here with no package change; an unknown action or bad arguments
   * throw `InvalidArgumentError` naming the action.
   */
  run(action, args = {}) {
    return converted(() => fromWire(JSON.parse(this._native.run(str('action', action), snakeJson('args', args ?? {}, true)))))
  }

  /** Queues a simulator fault, e.g. `{ kind: 'status', status: 429, retryAfter: 1, pathContains: '/responses' }`. */
  fault(fault) {
    return this.run('fault', fault)
  }
  /** The next `count` (default 1) responses created end FAILED. */
  failNextResponse(options = {}) {
    return this.run('fail_next_response', options)
  }
  /** Changes settings, e.g. `{ responseDurationMs: 50 }`; returns the settings after the change. */
  configure(patch) {
    return this.run('configure', patch)
  }
  /** Adds a system-initiated message to the events feed (`{ conversationId, text, kind? }`); returns the event. */
  injectEvent(spec) {
    return this.run('inject_event', spec)
  }
  /** Every issued OAuth token stops working (the static token stays valid); returns `{ revoked }`. */
  revokeTokens() {
    return this.run('revoke_tokens', {})
  }
  /** The request log, oldest first, optionally filtered by `{ method, pathContains }`; never holds secrets. */
  requests(filter = {}) {
    return this.run('requests', filter)
  }
  /** Empties the request log. */
  clearRequests() {
    return this.run('clear_requests', {})
  }
  /** Every feedback the API accepted, oldest first. */
  feedback() {
    return this.run('feedback', {})
  }
  /** Forgets all state and returns to the start-up settings. */
  reset() {
    return this.run('reset', {})
  }

  /** Stops the server; clients made for it then fail with connection errors. Idempotent. */
  async close() {
    await this._native.close()
  }
}

module.exports = { Sandbox }

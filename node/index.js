'use strict'
// The thin JS layer of the `moveworks` package. The native addon (native.js,
// built from bindings/node) does all the work and returns wire JSON; the JS layer
// only converts: wire JSON -> camelCase objects with Dates (models.js), error JSON ->
// error classes and option checks (here), AbortSignal -> native cancel handle and
// streams -> async iterables (stream.js), pagers, forms and the `Client` (here), the
// events follower (follower.js) and webhook deliveries (webhook.js).

const native = loadNative()

/**
 * Loads the addon through napi's generated loader (native.js), which finds it next
 * to itself (a development build) or in the platform package that npm installs as an
 * optional dependency (`moveworks-linux-x64-gnu`, ...). When none loads, napi's error
 * names neither the platform nor the package, so it is replaced by one that does and
 * says how to fix it; napi's error (with every load failure as its `cause` chain)
 * becomes the new error's `cause`.
 */
function loadNative() {
  try {
    return require('./native.js')
  } catch (err) {
    if (!(err instanceof Error) || !/^(Cannot find|Failed to load) native binding/.test(err.message)) throw err
    throw noBindingError(err)
  }
}

/** The error thrown when no addon fits or loads: names platform, arch, libc and package. */
function noBindingError(cause) {
  const { platform, arch } = process
  let libc = ''
  let abi = ''
  if (platform === 'linux') {
    // Node reports the glibc it runs on; no glibc version means musl (as napi's loader decides).
    const glibc = process.report?.getReport()?.header?.glibcVersionRuntime
    libc = glibc ? `glibc ${glibc}` : 'musl'
    abi = `-${glibc ? 'gnu' : 'musl'}${arch === 'arm' ? 'eabihf' : ''}`
  } else if (platform === 'win32') {
    abi = '-msvc'
  }
  const wanted = `moveworks-${platform}-${arch}${abi}`
  const prebuilt = Object.keys(require('./package.json').optionalDependencies ?? {})
  const detected = [platform, arch, libc].filter(Boolean).join(' ')
  let message
  if (prebuilt.includes(wanted)) {
    // The package's own load failure is the useful detail (not installed, or e.g. too old a glibc).
    let why = ''
    for (let e = cause.cause; e; e = e.cause) {
      if (typeof e.message === 'string' && e.message.includes(wanted)) {
        why = ` (${e.message.split('\n')[0]})`
        break
      }
    }
    message =
      `moveworks: no native addon for ${detected}: its package ${wanted}, an optional dependency of ` +
      `moveworks, is not installed or did not load${why}. npm installs it with moveworks unless optional ` +
      'dependencies are left out: reinstall without --omit=optional / --no-optional. If an earlier install ' +
      'skipped it, delete node_modules and package-lock.json and run npm install again ' +
      '(https://github.com/npm/cli/issues/4828).'
  } else {
    message =
      `moveworks: ${detected} is not a supported platform: no prebuilt native addon (it would be the ` +
      `package ${wanted}). Prebuilt addons: ${prebuilt.join(', ')}. Other platforms need the addon built ` +
      'from source (the package README, "Install and platforms").'
  }
  const error = new Error(message)
  error.code = 'MOVEWORKS_NO_NATIVE_ADDON'
  error.cause = cause
  return error
}

const ERROR_MARKER = '\u0000moveworks-error:'
/**
 * Stamps a model object with the wire JSON (from the core's serializer) it was converted
 * from, as a private field: invisible to `JSON.stringify`, spreading, `util.inspect` and
 * `deepStrictEqual`, and added by an inline-cached store, where a non-enumerable
 * property (`Object.defineProperty`) cost a runtime call per object, the larger part of
 * converting a streamed event. (`Stamp` returning its argument makes `Wired`'s
 * constructor add the field to that plain object, whose prototype stays `Object.prototype`.)
 */
class Stamp {
  constructor(model) {
    return model
  }
}
class Wired extends Stamp {
  #wire
  constructor(model, wire) {
    super(model)
    this.#wire = wire
  }
  /** The wire JSON `model` was made from; undefined for anything else. */
  static of(model) {
    return model !== null && typeof model === 'object' && #wire in model ? model.#wire : undefined
  }
}
/** On errors of the polling helpers: how many onUpdate calls the addon sent. */
const UPDATES = Symbol('moveworks.updates')
const BINDING = `node/${process.versions.node}`

// ---- errors ---------------------------------------------------------------

/** Base class of every error this SDK raises. */
class MoveworksError extends Error {
  constructor(fields = {}) {
    super(fields.message ?? 'moveworks error')
    this.name = new.target.name
    /** The core's stable kind string, e.g. `"not_found"`. */
    this.kind = fields.kind ?? 'unknown'
    this.status = fields.status ?? null
    this.code = fields.code ?? null
    this.requestId = fields.requestId ?? null
    /** The headers of the failing HTTP answer (names lowercase), when one arrived. */
    this.httpHeaders = fields.httpHeaders ?? null
    this.retryAfterMs = fields.retryAfterMs ?? null
    this.retryAfter = this.retryAfterMs == null ? null : this.retryAfterMs / 1000
    this.argument = fields.argument ?? null
    this.responseId = fields.responseId ?? null
    this.lastStatus = fields.lastStatus ?? null
    this.response = fields.response == null ? null : fromWire(fields.response)
    this.bodyExcerpt = fields.bodyExcerpt ?? null
    this.isTransient = fields.isTransient ?? false
  }
}
/** A caller-supplied argument was rejected before any request was sent. */
class InvalidArgumentError extends MoveworksError {}
/** The connection could not be made or broke. */
class APIConnectionError extends MoveworksError {}
/**
 * An attempt or the whole call ran out of time. A kind of APIConnectionError (as in
 * Python and in OpenAI's and Anthropic's SDKs): one catch handles "no answer came".
 */
class APITimeoutError extends APIConnectionError {}
/** The server answered something that is not the documented JSON. */
class DecodeError extends MoveworksError {}
/** The OAuth token endpoint refused or failed to issue a token. */
class OAuthError extends MoveworksError {}
/** A non-success HTTP status from the API (parent of the per-status classes). */
class APIStatusError extends MoveworksError {}
/** HTTP 400. */
class BadRequestError extends APIStatusError {}
/** HTTP 401. */
class AuthenticationError extends APIStatusError {}
/** HTTP 403. */
class PermissionDeniedError extends APIStatusError {}
/** HTTP 404. */
class NotFoundError extends APIStatusError {}
/** HTTP 429. */
class RateLimitError extends APIStatusError {}
/** HTTP 5xx. */
class InternalServerError extends APIStatusError {}
/** A polled or streamed response ended FAILED (`response` holds it, its `error` says why). */
class ResponseFailedError extends MoveworksError {}
/** A polled response was not terminal before the deadline. */
class PollTimeoutError extends MoveworksError {}
/** The call was aborted (AbortSignal) or an onUpdate callback stopped it. */
class CancelledError extends MoveworksError {}

/** Core error kind -> class. Every core kind must be here (checked at load). */
const ERROR_CLASSES = {
  invalid_argument: InvalidArgumentError,
  connection: APIConnectionError,
  timeout: APITimeoutError,
  decode: DecodeError,
  oauth: OAuthError,
  bad_request: BadRequestError,
  authentication: AuthenticationError,
  permission_denied: PermissionDeniedError,
  not_found: NotFoundError,
  rate_limit: RateLimitError,
  internal_server: InternalServerError,
  api_status: APIStatusError,
  response_failed: ResponseFailedError,
  poll_timeout: PollTimeoutError,
  cancelled: CancelledError,
}
for (const kind of native.errorKinds()) {
  if (!ERROR_CLASSES[kind]) throw new Error(`moveworks: no error class for core kind ${kind}`)
}

// napi's own argument-conversion failures: a wrong JS type reached the addon.
const NAPI_TYPE_CODES = new Set([
  'InvalidArg', 'ObjectExpected', 'StringExpected', 'NameExpected', 'FunctionExpected',
  'NumberExpected', 'BooleanExpected', 'ArrayExpected', 'BigintExpected', 'DateExpected',
])

/**
 * Parses the fields of a native error, or null when it is not one of ours. The addon
 * sends the core's ErrorDetails record as JSON (snake_case, retry_after in seconds);
 * its keys become this package's camelCase names here, so no field list is kept twice.
 */
function nativeFields(err) {
  if (err && typeof err.message === 'string' && err.message.startsWith(ERROR_MARKER)) {
    let record
    try {
      record = JSON.parse(err.message.slice(ERROR_MARKER.length))
    } catch {
      return null
    }
    const fields = {}
    for (const [key, value] of Object.entries(record)) fields[camel(key)] = value
    if (fields.retryAfter != null) fields.retryAfterMs = fields.retryAfter * 1000
    return fields
  }
  return null
}

/** Converts anything thrown by the addon into the matching MoveworksError subclass. */
function convertError(err) {
  if (err instanceof MoveworksError) return err
  const fields = nativeFields(err)
  if (fields) {
    const Cls = ERROR_CLASSES[fields.kind] ?? MoveworksError
    const e = new Cls(fields)
    if (fields.updates != null) Object.defineProperty(e, UPDATES, { value: fields.updates })
    return e
  }
  if (err && NAPI_TYPE_CODES.has(err.code)) {
    return new InvalidArgumentError({ kind: 'invalid_argument', message: `invalid argument: ${err.message}` })
  }
  return err
}

function invalid(argument, why) {
  return new InvalidArgumentError({ kind: 'invalid_argument', argument, message: `invalid \`${argument}\`: ${why}` })
}

// Type checks only (JS types the addon cannot convert); values are checked by the core.
function str(name, v) {
  if (typeof v !== 'string') throw invalid(name, `must be a string, got ${typeof v}`)
  return v
}
function optStr(name, v) {
  return v == null ? undefined : str(name, v)
}
function optNum(name, v) {
  if (v == null) return undefined
  if (typeof v !== 'number') throw invalid(name, `must be a number, got ${typeof v}`)
  return v
}
function optBool(name, v) {
  if (v == null) return undefined
  if (typeof v !== 'boolean') throw invalid(name, `must be a boolean, got ${typeof v}`)
  return v
}
function opts(name, v) {
  if (v == null) return {}
  if (typeof v !== 'object' || Array.isArray(v)) throw invalid(name, `must be an object, got ${typeof v}`)
  return v
}

// The keys each method's options object takes (index.d.ts declares the same). A key
// that is not there (a misspelling such as `limti`, an option of another call, a
// renamed one) is an InvalidArgumentError naming it, as an unknown client option is,
// instead of being ignored.
// The per-call options (`timeoutMs`, `extraHeaders`, ...) are the core's RequestOptions
// names in camelCase (its seconds spellings `timeout`/`deadline` left out).
const REQUEST_KEYS = native
  .requestOptionNames()
  .filter((n) => n !== 'timeout' && n !== 'deadline')
  .map((n) => n.replace(/_([a-z])/g, (_, c) => c.toUpperCase()))
const CALL_KEYS = ['signal', ...REQUEST_KEYS]
const WAIT_KEYS = ['signal', 'deadlineMs', 'initialIntervalMs', 'maxIntervalMs', 'backoffFactor']
const STREAM_KEYS = [...WAIT_KEYS, 'idleTimeoutMs']
/** Deprecated names of options of listEvents/iterEvents -> their names now (until the next minor version). */
const EVENT_ALIASES = { startEventId: 'startingAfter', lastEventId: 'endingAt' }
const EVENT_KEYS = ['conversationId', 'startingAfter', 'endingAt', 'cursor', 'limit', ...Object.keys(EVENT_ALIASES)]
const OPTION_KEYS = Object.fromEntries(
  Object.entries({
    withOptions: REQUEST_KEYS,
    listConversations: [...CALL_KEYS, 'limit', 'cursor', 'archived'],
    iterConversations: ['signal', 'limit', 'cursor', 'archived'],
    createConversation: [...CALL_KEYS, 'title'],
    getConversation: CALL_KEYS,
    updateConversation: CALL_KEYS,
    listEvents: [...CALL_KEYS, ...EVENT_KEYS],
    iterEvents: ['signal', ...EVENT_KEYS],
    listMessages: [...CALL_KEYS, 'cursor', 'limit'],
    iterMessages: ['signal', 'cursor', 'limit'],
    listResponseMessages: [...CALL_KEYS, 'cursor', 'limit'],
    iterResponseMessages: ['signal', 'cursor', 'limit'],
    submitFeedback: [...CALL_KEYS, 'additionalFeedback'],
    createResponse: CALL_KEYS,
    getResponse: CALL_KEYS,
    press: CALL_KEYS,
    getEvent: CALL_KEYS,
    getModal: CALL_KEYS,
    refreshModal: CALL_KEYS,
    submitModal: CALL_KEYS,
    followEvents: ['signal', 'checkpoint', 'replay', 'pageSize', 'intervalMs', 'maxBackoffMs'],
    waitForResponse: [...WAIT_KEYS, 'onUpdate'],
    createResponseAndWait: [...WAIT_KEYS, 'onUpdate'],
    streamResponse: STREAM_KEYS,
    streamResponseAndWait: [...STREAM_KEYS, 'onEvent'],
  }).map(([call, keys]) => [call, new Set(keys)]),
)
/** The fields `updateConversation` can change. */
const UPDATE_KEYS = new Set(['title', 'archived'])

/**
 * Checks that the object `v` (argument `name` of `call`) has only the keys in `keys`;
 * a key set to `undefined` counts as absent, as it does everywhere else.
 */
function onlyKeys(name, call, v, keys) {
  for (const key of Object.keys(v)) {
    if (v[key] !== undefined && !keys.has(key)) {
      throw invalid(key, `is not an option of ${call}${name === 'options' ? '' : ` \`${name}\``} (it takes: ${[...keys].join(', ')})`)
    }
  }
  return v
}

/** The options object of the method `call`: an object (or nothing) whose keys the method takes. */
function callOpts(call, v) {
  return onlyKeys('options', call, opts('options', v), OPTION_KEYS[call])
}

const warnedAliases = new Set()

/**
 * The options of listEvents/iterEvents with the deprecated names resolved: `startEventId`
 * and `lastEventId` mean `startingAfter` and `endingAt` (a DeprecationWarning, once per
 * name and process); giving a name and its old name together is an InvalidArgumentError
 * naming both.
 */
function eventOpts(call, v) {
  const o = callOpts(call, v)
  let out = o
  for (const [old, now] of Object.entries(EVENT_ALIASES)) {
    if (o[old] == null) continue
    optStr(old, o[old])
    if (o[now] != null) throw invalid(`${now}/${old}`, `give \`${now}\` only (\`${old}\` is its deprecated name)`)
    if (!warnedAliases.has(old)) {
      warnedAliases.add(old)
      process.emitWarning(
        `moveworks: the \`${old}\` option of listEvents/iterEvents is deprecated and will be removed in the next minor version: use \`${now}\` (same meaning)`,
        'DeprecationWarning',
        `MOVEWORKS_DEP_${old.replace(/[A-Z]/g, (c) => `_${c}`).toUpperCase()}`,
      )
    }
    if (out === o) out = { ...o }
    out[now] = o[old]
  }
  return out
}

function optSignal(v) {
  if (v == null) return undefined
  if (typeof v !== 'object' || typeof v.aborted !== 'boolean' || typeof v.addEventListener !== 'function') {
    throw invalid('signal', 'must be an AbortSignal')
  }
  return v
}
/**
 * The per-call options of `o` as JSON for the core's RequestOptions (snake_case keys; the
 * core checks the values), or undefined when none is set: most calls set none, and
 * passing nothing spares the addon a parse and a client copy. The names inside
 * `extraHeaders`, `extraQuery` and `extraBody` go as given.
 */
function callOptions(o) {
  let out
  for (const key of REQUEST_KEYS) {
    const v = o[key]
    if (v == null) continue
    if (key.startsWith('extra')) opts(key, v)
    else if (typeof v !== 'number' || !Number.isFinite(v)) throw invalid(key, `must be a finite number, got ${typeof v === 'number' ? v : typeof v}`)
    out ??= {}
    out[key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)] = v
  }
  return out === undefined ? undefined : JSON.stringify(out)
}

// ---- models, helpers and inputs (models.js) --------------------------------------

const {
  camel, fromWire, streamEventFromWire, pageFromWire, fromNative, fromCallbackJson, toWire, wireText,
  assistantText, assistantMessages, reasoningMessages, textWithCitationMarkers, messageText, contentText,
  contentTextLossy, Input, inputJson,
} = require('./models.js')({ native, Wired, invalid })

// ---- streams and cancellation (stream.js) ----------------------------------------

const { withSignal, ResponseStream, streamOptions } = require('./stream.js')({
  native,
  convertError,
  CancelledError,
  APIConnectionError,
  MoveworksError,
  optNum,
  streamEventFromWire,
})

// ---- client -----------------------------------------------------------------

/**
 * A JS options object -> JSON text for the core, which names, checks and defaults
 * every key. Only the JS-to-JSON conversion happens here: camelCase keys become the
 * core's snake_case (`timeoutMs` -> `timeout_ms`; in nested plain objects too when
 * `deep`, as the sandbox's scripting arguments have them), `undefined` is left out,
 * and values JSON cannot carry (NaN, Infinity, functions, bigints) are refused
 * instead of silently dropped or nulled by JSON.stringify.
 */
function snakeJson(argument, o, deep = false) {
  const convert = (value, name) => {
    const out = {}
    for (const [key, v] of Object.entries(value)) {
      if (v === undefined) continue
      const k = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)
      out[k] = check(v, name ? `${name}.${k}` : k)
    }
    return out
  }
  const check = (value, name) => {
    const t = typeof value
    if (t === 'number' && !Number.isFinite(value)) throw invalid(name, 'must be a finite number')
    if (t === 'function' || t === 'symbol' || t === 'bigint') throw invalid(name, `must not be a ${t}`)
    if (deep && Array.isArray(value)) return value.map((v, i) => check(v, `${name}[${i}]`))
    if (deep && t === 'object' && value !== null && Object.getPrototypeOf(value) === Object.prototype) {
      return convert(value, name)
    }
    return value
  }
  return JSON.stringify(convert(opts(argument, o), ''))
}

/** `MOVEWORKS_LOG` level names -> the method of a console-like `logger` that gets them. */
const LOGGER_METHODS = { error: 'error', warn: 'warn', info: 'info', debug: 'debug', trace: 'debug' }

/**
 * A log record from the addon's JSON (the core's LogRecord, snake_case): its keys become
 * camelCase here (`durationMs`, `requestId`, ...), so no field list is kept twice.
 */
function logRecord(json) {
  const record = {}
  for (const [key, value] of Object.entries(JSON.parse(json))) record[camel(key)] = value ?? null
  return record
}

/**
 * The client options object split in two: the JSON for the core's ClientOptions (see
 * `snakeJson`) and this binding's own keys, `onLog` (a function getting each log record)
 * or `logger` (a console-like object), as the addon's log callback (or undefined).
 */
function clientOptions(o) {
  const { onLog, logger, ...core } = opts('options', o)
  if (onLog != null && typeof onLog !== 'function') throw invalid('onLog', 'must be a function')
  if (logger != null) {
    if (typeof logger !== 'object' && typeof logger !== 'function') throw invalid('logger', 'must be a console-like object')
    for (const m of ['error', 'warn', 'info', 'debug']) {
      if (typeof logger[m] !== 'function') throw invalid('logger', `has no ${m}() method (it takes a console-like object)`)
    }
    if (onLog != null) throw invalid('onLog/logger', 'give `onLog` or `logger`, not both')
  }
  let hook
  if (onLog != null) hook = (record) => onLog(record)
  else if (logger != null) hook = (record) => logger[LOGGER_METHODS[record.level] ?? 'info'](`moveworks: ${record.message}`)
  const onLogJson = hook
    ? (json) => {
        // Runs on the JS thread from the addon's queue: a throwing hook must not crash the process.
        try {
          hook(logRecord(json))
        } catch {}
      }
    : undefined
  return [snakeJson('options', core), onLogJson]
}

/**
 * Sets the most detailed level the SDK logs, for the whole process: `'error'`, `'warn'`
 * (the default), `'info'`, `'debug'` (every HTTP attempt), `'trace'` (also bodies,
 * redacted) or `'off'`; overrides `MOVEWORKS_LOG`.
 */
function setLogLevel(level) {
  if (level !== null && typeof level !== 'string') throw invalid('level', 'must be a level name or null')
  try {
    native.setLogLevel(level ?? 'off')
  } catch (err) {
    throw convertError(err)
  }
}

/** The most detailed level the SDK logs now (`'off'` when off). */
function logLevel() {
  return native.logLevel()
}

/** An async iterable over a native pager, with `.pages()` for whole pages. */
function pageIterable(makePager, key, signal) {
  async function* pages() {
    let pager
    try {
      pager = makePager()
    } catch (err) {
      throw convertError(err)
    }
    for (;;) {
      const result = await withSignal(signal, (h) => pager.nextPage(h))
      if (result == null) return
      yield fromNative(result, (wire) => pageFromWire(wire, key))
    }
  }
  return {
    pages,
    async *[Symbol.asyncIterator]() {
      for await (const page of pages()) yield* page[key]
    },
  }
}

/**
 * Runs a native polling helper, delivering every callback (`o[callbackName]`, given
 * `convert(json)`) before settling.
 */
async function poll(o, start, callbackName = 'onUpdate', convert = fromCallbackJson) {
  o = opts('options', o)
  const signal = optSignal(o.signal)
  const onUpdate = o[callbackName]
  if (onUpdate != null && typeof onUpdate !== 'function') throw invalid(callbackName, 'must be a function')
  const wait = {
    deadlineMs: optNum('deadlineMs', o.deadlineMs),
    initialIntervalMs: optNum('initialIntervalMs', o.initialIntervalMs),
    maxIntervalMs: optNum('maxIntervalMs', o.maxIntervalMs),
    backoffFactor: optNum('backoffFactor', o.backoffFactor),
  }
  const handle = new native.CancelHandle()
  let received = 0
  let thrown
  let flushed = () => {}
  const callback = onUpdate
    ? (json) => {
        received++
        try {
          if (thrown === undefined) onUpdate(convert(json))
        } catch (err) {
          // A throwing callback stops the wait; the caller gets its error.
          thrown = err
          handle.cancel()
        }
        flushed()
      }
    : undefined
  // Updates arrive through their own queue: wait until all `sent` were delivered.
  const drain = (sent) =>
    new Promise((resolve) => {
      if (!sent || received >= sent) return resolve()
      flushed = () => received >= sent && resolve()
    })
  try {
    const result = await withSignal(signal, (h) => start(wait, callback, h), handle)
    await drain(result.updates)
    return fromNative(result)
  } catch (err) {
    await drain(err?.[UPDATES])
    if (thrown !== undefined) throw thrown
    throw err
  }
}

/** A Client around a native client made by `make` (views and copies of a client). */
function wrapClient(make) {
  const c = Object.create(Client.prototype)
  try {
    c._native = make()
  } catch (err) {
    throw convertError(err)
  }
  return c
}

/**
 * What a token provider returned, as the addon takes it: a string is the token; an
 * object gives `token` and, optionally, `expiresIn` (seconds). Anything else rejects the
 * provider's call (the call fails with OAuthError naming why).
 */
function userToken(v) {
  if (typeof v === 'string') return { token: v }
  if (v !== null && typeof v === 'object' && typeof v.token === 'string') {
    if (v.expiresIn != null && typeof v.expiresIn !== 'number') throw new TypeError('expiresIn must be a number of seconds')
    return { token: v.token, expiresIn: v.expiresIn ?? undefined }
  }
  throw new TypeError(`it must return a string or { token, expiresIn }, not ${v === null ? 'null' : typeof v}`)
}

// ---- forms ------------------------------------------------------------------

/** On a Modal: the wire JSON of the ModalRef it was fetched from (refresh and submit need it). */
const MODAL_SOURCE = Symbol('moveworks.modalSource')

/** A ModalRef (from `modalRef`/`modals`, or written as `{ conversationId, responseId, messageId, modalId }`) as wire JSON. */
function modalRefJson(argument, ref) {
  const wire = Wired.of(ref)
  if (wire !== undefined) return JSON.stringify(wire)
  return snakeJson(argument, ref)
}

/** Keeps where a Modal was fetched from beside it (not enumerable: not part of the model). */
function withSource(modal, refJson) {
  Object.defineProperty(modal, MODAL_SOURCE, { value: refJson, enumerable: false })
  Object.defineProperty(modal, 'source', { value: fromWire(JSON.parse(refJson)), enumerable: false })
  return modal
}

/** A form's values (field name -> wire value, e.g. `{ option: 'mac' }`) as JSON. */
function valuesJson(values) {
  return JSON.stringify(opts('values', values))
}

/** The form a `MODAL_ACTION` of `message` opens (the core's `Message::modal_ref`), or null for another action. */
function modalRef(message, action) {
  let json
  try {
    json = native.modalRef(wireText('message', message), wireText('action', action))
  } catch (err) {
    throw convertError(err)
  }
  return json == null ? null : fromWire(JSON.parse(json))
}

/** The forms `message` offers, one per `MODAL_ACTION`, in order (the core's `Message::modals`). */
function modals(message) {
  try {
    return native.messageModals(wireText('message', message)).map((json) => fromWire(JSON.parse(json)))
  } catch (err) {
    throw convertError(err)
  }
}

// ---- events follower --------------------------------------------------------

/**
 * A follower's checkpoint option as the addon takes it: `[path]`, `[, load, save]` for a
 * store (its methods wrapped to return Promises), or nothing (in memory).
 */
function checkpointStore(checkpoint) {
  if (checkpoint == null) return [undefined, undefined, undefined]
  if (typeof checkpoint === 'string') return [checkpoint, undefined, undefined]
  if (typeof checkpoint !== 'object' || typeof checkpoint.load !== 'function' || typeof checkpoint.save !== 'function') {
    throw invalid('checkpoint', 'must be a file path or a store with load() and save(checkpoint) methods')
  }
  const load = async () => {
    const v = await checkpoint.load()
    if (v != null && typeof v !== 'string') throw new TypeError(`load() must return a string or null, not ${typeof v}`)
    return v ?? null
  }
  const save = async (id) => {
    await checkpoint.save(id)
    return true
  }
  return [undefined, load, save]
}

const { EventsFollower } = require('./follower.js')({ convertError, invalid, fromWire })
const { WebhookDelivery } = require('./webhook.js')({ native, convertError, invalid })

/**
 * A client of the Moveworks Conversations API. Every method returns a Promise;
 * nothing blocks the event loop or libuv's thread pool.
 */
class Client {
  /** @param {import('./index').ClientOptions} options */
  constructor(options = {}) {
    try {
      const [json, onLog] = clientOptions(options)
      this._native = new native.NativeClient(json, BINDING, onLog)
    } catch (err) {
      throw convertError(err)
    }
  }

  /** A client configured from the MOVEWORKS_* environment variables (options override them). */
  static fromEnv(options = {}) {
    const c = Object.create(Client.prototype)
    try {
      const [json, onLog] = clientOptions(options)
      c._native = native.NativeClient.fromEnv(json, BINDING, onLog)
    } catch (err) {
      throw convertError(err)
    }
    return c
  }

  get baseUrl() {
    return this._native.baseUrl
  }
  get userAgent() {
    return this._native.userAgent
  }

  /**
   * A client sharing this one's connections and token cache, with other per-call
   * limits (the core's `Client::with_options`); this client is unchanged.
   */
  withOptions(options = {}) {
    const o = callOpts('withOptions', options)
    return wrapClient(() => this._native.withOptions(callOptions(o) ?? '{}'))
  }

  /**
   * A view of this client acting for one user (rest/v1 runs every request on behalf of
   * a user): same connections, options and retries, with the bearer `provider` gives.
   * `provider` returns (or resolves to) the token, or `{ token, expiresIn }` with its
   * lifetime in seconds. The SDK caches it per view, asks again a little before it
   * expires and once after a 401 (then replays the call), one call at a time; it runs
   * on the JS thread while the call waits off it. A provider that throws or rejects
   * fails the call with OAuthError (nothing is sent).
   */
  forUser(provider) {
    if (typeof provider !== 'function') throw invalid('provider', 'must be a function returning a token (or a Promise of one)')
    const call = async () => userToken(await provider())
    return wrapClient(() => this._native.forUser(call))
  }

  /** A view of this client with a fixed bearer for one user (an API key bound to a user); a 401 is the call's error. */
  forUserToken(token) {
    const t = str('token', token)
    return wrapClient(() => this._native.forUserToken(t))
  }

  /**
   * Releases the pooled connections now (the core's `Client::close`); later calls on
   * this client and its `withOptions` copies reject with InvalidArgumentError
   * (`argument` "client") without sending anything. Idempotent.
   */
  close() {
    this._native.close()
  }

  async listConversations(options = {}) {
    const o = callOpts('listConversations', options)
    const args = [optNum('limit', o.limit), optStr('cursor', o.cursor), optBool('archived', o.archived), callOptions(o)]
    const result = await withSignal(optSignal(o.signal), (h) => this._native.listConversations(...args, h))
    return fromNative(result, (wire) => pageFromWire(wire, 'conversations'))
  }

  iterConversations(options = {}) {
    const o = callOpts('iterConversations', options)
    const args = [optNum('limit', o.limit), optBool('archived', o.archived), optStr('cursor', o.cursor)]
    return pageIterable(() => this._native.iterConversations(...args), 'conversations', optSignal(o.signal))
  }

  async createConversation(options = {}) {
    const o = callOpts('createConversation', options)
    const title = optStr('title', o.title)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.createConversation(title, callOptions(o), h))
    return fromNative(result)
  }

  async getConversation(conversationId, options = {}) {
    const o = callOpts('getConversation', options)
    const id = str('conversation_id', conversationId)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.getConversation(id, callOptions(o), h))
    return fromNative(result)
  }

  async updateConversation(conversationId, update = {}, options = {}) {
    const u = onlyKeys('update', 'updateConversation', opts('update', update), UPDATE_KEYS)
    const o = callOpts('updateConversation', options)
    const id = str('conversation_id', conversationId)
    const title = optStr('title', u.title)
    const archived = optBool('archived', u.archived)
    const result = await withSignal(optSignal(o.signal), (h) =>
      this._native.updateConversation(id, title, archived, callOptions(o), h),
    )
    return fromNative(result)
  }

  async listEvents(options = {}) {
    const o = eventOpts('listEvents', options)
    const args = [
      optStr('conversation_id', o.conversationId),
      optStr('starting_after', o.startingAfter),
      optStr('ending_at', o.endingAt),
      optStr('cursor', o.cursor),
      optNum('limit', o.limit),
      callOptions(o),
    ]
    const result = await withSignal(optSignal(o.signal), (h) => this._native.listEvents(...args, h))
    return fromNative(result, (wire) => pageFromWire(wire, 'events'))
  }

  iterEvents(options = {}) {
    const o = eventOpts('iterEvents', options)
    const args = [
      optStr('conversation_id', o.conversationId),
      optStr('starting_after', o.startingAfter),
      optStr('ending_at', o.endingAt),
      optNum('limit', o.limit),
      optStr('cursor', o.cursor),
    ]
    return pageIterable(() => this._native.iterEvents(...args), 'events', optSignal(o.signal))
  }

  /** One page of a conversation's messages, user and assistant, newest first. */
  async listMessages(conversationId, options = {}) {
    const o = callOpts('listMessages', options)
    const args = [str('conversation_id', conversationId), optStr('cursor', o.cursor), optNum('limit', o.limit), callOptions(o)]
    const result = await withSignal(optSignal(o.signal), (h) => this._native.listMessages(...args, h))
    return fromNative(result, (wire) => pageFromWire(wire, 'messages'))
  }

  /** Every message of a conversation, newest first, fetching pages lazily (`for await`, or `.pages()`). */
  iterMessages(conversationId, options = {}) {
    const o = callOpts('iterMessages', options)
    const args = [str('conversation_id', conversationId), optNum('limit', o.limit), optStr('cursor', o.cursor)]
    return pageIterable(() => this._native.iterMessages(...args), 'messages', optSignal(o.signal))
  }

  /** The messages of one response: the user's input message and the assistant's final messages. */
  async listResponseMessages(conversationId, responseId, options = {}) {
    const o = callOpts('listResponseMessages', options)
    const args = [
      str('conversation_id', conversationId),
      str('response_id', responseId),
      optStr('cursor', o.cursor),
      optNum('limit', o.limit),
      callOptions(o),
    ]
    const result = await withSignal(optSignal(o.signal), (h) => this._native.listResponseMessages(...args, h))
    return fromNative(result, (wire) => pageFromWire(wire, 'messages'))
  }

  /** Every message of one response, fetching pages lazily (`for await`, or `.pages()`). */
  iterResponseMessages(conversationId, responseId, options = {}) {
    const o = callOpts('iterResponseMessages', options)
    const args = [str('conversation_id', conversationId), str('response_id', responseId), optNum('limit', o.limit), optStr('cursor', o.cursor)]
    return pageIterable(() => this._native.iterResponseMessages(...args), 'messages', optSignal(o.signal))
  }

  /**
   * Rates an assistant message: `callbackId` is `message.feedback.helpful.callbackId` or
   * `message.feedback.unhelpful.callbackId`, passed back as received (which one decides
   * the rating). `additionalFeedback` is optional text of at most 1,000 characters. An
   * empty `callbackId` or a longer text rejects with InvalidArgumentError before anything
   * is sent; the POST is not retried after an ambiguous failure.
   */
  async submitFeedback(conversationId, responseId, messageId, callbackId, options = {}) {
    const o = callOpts('submitFeedback', options)
    const args = [
      str('conversation_id', conversationId),
      str('response_id', responseId),
      str('message_id', messageId),
      str('callback_id', callbackId),
      optStr('additional_feedback', o.additionalFeedback),
      callOptions(o),
    ]
    const result = await withSignal(optSignal(o.signal), (h) => this._native.submitFeedback(...args, h))
    return fromNative(result)
  }

  /** Sends a turn: `input` is text (a typed turn) or an `Input` variant. */
  async createResponse(conversationId, input, options = {}) {
    const o = callOpts('createResponse', options)
    const id = str('conversation_id', conversationId)
    const t = inputJson(input)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.createResponse(id, t, callOptions(o), h))
    return fromNative(result)
  }

  async getResponse(conversationId, responseId, options = {}) {
    const o = callOpts('getResponse', options)
    const id = str('conversation_id', conversationId)
    const rid = str('response_id', responseId)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.getResponse(id, rid, callOptions(o), h))
    return fromNative(result)
  }

  /** Presses a button (a `CALLBACK_ACTION` of `message.actions`): its callback id is the next turn (rest/v1). */
  async press(conversationId, action, options = {}) {
    const o = callOpts('press', options)
    const id = str('conversation_id', conversationId)
    const a = wireText('action', action)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.press(id, a, callOptions(o), h))
    return fromNative(result)
  }

  /**
   * Gets a form (rest/v1): `modal` is a ModalRef, from `modalRef(message, action)` or
   * `modals(message)` of a message just read (modal ids are minted per read). A stale
   * or unknown id rejects with NotFoundError saying to re-read the message.
   */
  async getModal(modal, options = {}) {
    const o = callOpts('getModal', options)
    const ref = modalRefJson('modal', modal)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.getModal(ref, callOptions(o), h))
    return withSource(fromNative(result), ref)
  }

  /**
   * Re-resolves a form after a field that `triggersRefresh` changed (rest/v1): send all
   * current `values` (wire values, e.g. `{ model: { option: 'mac' } }`). `previous` is
   * the form as `getModal` (or an earlier refresh) returned it; its choice options are
   * re-applied to the answer, which the server sends without them.
   */
  async refreshModal(previous, values, options = {}) {
    const o = callOpts('refreshModal', options)
    const prev = wireText('previous', previous)
    const ref = previous[MODAL_SOURCE]
    const v = valuesJson(values)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.refreshModal(ref, prev, v, callOptions(o), h))
    return withSource(fromNative(result), ref)
  }

  /**
   * Submits a form (rest/v1): `modal` is its ModalRef or the Modal as fetched. Resolves to
   * the acknowledgement; the follow-up arrives as new messages or events. Never retried
   * after an ambiguous failure; once submitted, the id is stale.
   */
  async submitModal(modal, values, options = {}) {
    const o = callOpts('submitModal', options)
    const ref = modal?.[MODAL_SOURCE] ?? modalRefJson('modal', modal)
    const v = valuesJson(values)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.submitModal(ref, v, callOptions(o), h))
    return fromNative(result)
  }

  /**
   * Follows this client's events feed (rest/v1: give it a user's view) across restarts,
   * keeping its place in `checkpoint`: a file path, or a store `{ load(), save(id) }`
   * (each may return a Promise), or nothing (in memory). See `EventsFollower`.
   */
  followEvents(options = {}) {
    const o = callOpts('followEvents', options)
    const [path, load, save] = checkpointStore(o.checkpoint)
    const follow = {
      intervalMs: optNum('intervalMs', o.intervalMs),
      replay: optBool('replay', o.replay),
      pageSize: optNum('pageSize', o.pageSize),
      maxBackoffMs: optNum('maxBackoffMs', o.maxBackoffMs),
    }
    const signal = optSignal(o.signal)
    let follower
    try {
      follower = this._native.followEvents(path, load, save, follow)
    } catch (err) {
      throw convertError(err)
    }
    return new EventsFollower(follower, signal)
  }

  /** One event (what a webhook delivery points at), rest/v1. */
  async getEvent(conversationId, eventId, options = {}) {
    const o = callOpts('getEvent', options)
    const id = str('conversation_id', conversationId)
    const eid = str('event_id', eventId)
    const result = await withSignal(optSignal(o.signal), (h) => this._native.getEvent(id, eid, callOptions(o), h))
    return fromNative(result)
  }

  async waitForResponse(conversationId, responseId, options = {}) {
    const id = str('conversation_id', conversationId)
    const rid = str('response_id', responseId)
    return poll(callOpts('waitForResponse', options), (wait, cb, h) => this._native.waitForResponse(id, rid, wait, cb, h))
  }

  async createResponseAndWait(conversationId, input, options = {}) {
    const id = str('conversation_id', conversationId)
    const t = inputJson(input)
    return poll(callOpts('createResponseAndWait', options), (wait, cb, h) => this._native.createResponseAndWait(id, t, wait, cb, h))
  }

  /**
   * Sends a message and streams the answer: `for await (const event of client.streamResponse(...))`.
   * Returns at once (the message is sent meanwhile); errors before the stream starts,
   * and the error of a failed turn, are thrown by the loop.
   */
  streamResponse(conversationId, input, options = {}) {
    const o = callOpts('streamResponse', options)
    const id = str('conversation_id', conversationId)
    const t = inputJson(input)
    const signal = optSignal(o.signal)
    const so = streamOptions(o)
    return new ResponseStream((h) => this._native.streamResponse(id, t, so, h), signal)
  }

  /**
   * Streams a turn to its end and resolves to the final response (the same value
   * `createResponseAndWait` would return); `onEvent` sees every event first, and
   * throwing from it stops the turn with that error.
   */
  async streamResponseAndWait(conversationId, input, options = {}) {
    const { onEvent, ...o } = callOpts('streamResponseAndWait', options)
    if (onEvent != null && typeof onEvent !== 'function') throw invalid('onEvent', 'must be a function')
    // The stream's own loop, so that the turn holds no pool thread and `onEvent` runs
    // in it: a throw leaves the loop, which closes the stream.
    const stream = this.streamResponse(conversationId, input, o)
    for await (const event of stream) onEvent?.(event)
    return stream.finalResponse()
  }
}

module.exports = {
  Client,
  ResponseStream,
  MoveworksError,
  InvalidArgumentError,
  APIConnectionError,
  APITimeoutError,
  DecodeError,
  OAuthError,
  APIStatusError,
  BadRequestError,
  AuthenticationError,
  PermissionDeniedError,
  NotFoundError,
  RateLimitError,
  InternalServerError,
  ResponseFailedError,
  PollTimeoutError,
  CancelledError,
  ERROR_CLASSES,
  Input,
  EventsFollower,
  WebhookDelivery,
  modalRef,
  modals,
  toWire,
  assistantText,
  assistantMessages,
  reasoningMessages,
  textWithCitationMarkers,
  messageText,
  contentText,
  contentTextLossy,
  setLogLevel,
  logLevel,
  VERSION: native.coreVersion(),
}

// What `moveworks/testing` shares with this layer (one converter of keys, values and
// errors for the whole package); not enumerable and not part of the public API.
Object.defineProperty(module.exports, Symbol.for('moveworks.internal'), {
  value: Object.freeze({ native, snakeJson, fromWire, convertError, invalid, str, opts, BINDING }),
})

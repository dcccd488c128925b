// Types of `moveworks/testing` (testing.js): the in-process sandbox.
import type { Client, ClientOptions, Event } from './index'

/** How `Sandbox.start` starts a sandbox; every field optional. */
export interface SandboxOptions {
  /** Time from creating a response to its terminal status, ms (default 600; `configure` changes it later). */
  responseDurationMs?: number
  /** The `Assistant-Name` the sandbox expects (default `"sandbox"`). */
  assistantName?: string
  /** Hand out clients that use OAuth client credentials and the sandbox's token endpoint instead of its static token. */
  oauth?: boolean
  /**
   * Serve HTTPS (`https://127.0.0.1:PORT`) with a certificate from a throwaway CA made at
   * start (its PEM: `caCertificate`); `client()` trusts that CA (`caCertificates`).
   */
  tls?: boolean
  /**
   * The API generation of the clients `client()` hands out: `'v1'` or `'v1beta1'` (the
   * default, for now). The sandbox serves both at once.
   */
  apiVersion?: 'v1' | 'v1beta1'
}

/**
 * Which requests a fault hits (every fault kind takes these). Faults form a FIFO queue:
 * a request takes one use of the oldest fault that matches it, and a fault is removed
 * once used `count` times.
 */
export interface SandboxFaultFilter {
  /** Only requests whose target (path plus query) contains this, e.g. `'/responses/stream'`. */
  pathContains?: string
  /** Only requests of this method (`'GET'`, `'POST'`, `'PATCH'`; any case). */
  method?: string
  /** How many matching requests it hits (default 1; at least 1). */
  count?: number
}

/**
 * `status`: answer with this error status and the API's error body, without processing
 * the request. The body's `code` defaults to the status's (400: the operation's own 400
 * code, `INVALID_INPUT` elsewhere; 401 `UNAUTHORIZED`, 403 `FORBIDDEN`, 404 `NOT_FOUND`,
 * 408 `REQUEST_TIMEOUT`, 429 `RATE_LIMIT_EXCEEDED`, 5xx `INTERNAL_ERROR`). With
 * `pathContains: '/responses/stream'` it answers the streaming request before any stream starts.
 */
export interface SandboxStatusFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'status'
  /** The HTTP status, 400 to 599 (required). */
  status: number
  /** The body's `error.code` (default: the status's code, above). */
  code?: string
  /** The body's `error.message` (default `'injected fault'`). */
  message?: string
  /** Sent verbatim as `Retry-After` (seconds or an HTTP date); default none. */
  retryAfter?: number | string
  /** Sent as `retry-after-ms`; default none. */
  retryAfterMs?: number | string
}

/** `delay`: wait `ms`, then process the request normally. */
export interface SandboxDelayFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'delay'
  /** How long to wait, ms (required). */
  ms: number
}

/**
 * Faults without fields of their own: `drop` (process the request, send the headers
 * and half the body, close the connection), `reset` (close the connection without
 * answering or processing), `truncated_json` (process, answer the first half of the
 * real body), `unknown_values` (process, render this answer with values a newer server
 * might send), `handoff` (create response only, polled or streamed: the response
 * completes with no outputs, a live-agent handoff; streamed, `RESPONSE_CREATED` then
 * `RESPONSE_COMPLETED` with no deltas), `response_failed` (create response only: the
 * response ends `FAILED` with its `error`; streamed, its last event is
 * `RESPONSE_FAILED` carrying that response; what `failNextResponse` queues).
 */
export interface SandboxPlainFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'drop' | 'reset' | 'truncated_json' | 'unknown_values' | 'handoff' | 'response_failed'
}

/** `malformed_json`: process, then answer `status` with the broken body `{"conversations": [`. */
export interface SandboxMalformedJsonFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'malformed_json'
  /** The status answered, 100 to 599 (default 200). */
  status?: number
}

/** `raw`: answer exactly this, without processing the request. */
export interface SandboxRawFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'raw'
  /** The HTTP status, 100 to 599 (required). */
  status: number
  /** The body, verbatim (default empty). */
  body?: string
  /** Headers to send (`Content-Type` defaults to `application/json`; `x-moveworks-root-uuid` is added unless given). */
  headers?: Record<string, string | number>
}

/**
 * Streaming endpoint only: `stream_drop` closes the connection after `afterEvents`
 * events without ending the body. The response is created as usual, so polling it
 * still finishes the turn.
 */
export interface SandboxStreamDropFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'stream_drop'
  /** Events sent before the fault acts (default 1: right after `RESPONSE_CREATED`). */
  afterEvents?: number
}

/**
 * Streaming endpoint only: `stream_stall` writes nothing more after `afterEvents`
 * events but keeps the connection open for `ms`, then closes it.
 */
export interface SandboxStreamStallFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'stream_stall'
  /** Events sent before the stall (default 1: right after `RESPONSE_CREATED`). */
  afterEvents?: number
  /** How long the connection stays open and silent, ms (default 60000). */
  ms?: number
}

/**
 * Streaming endpoint only: `stream_unknown_event` sends an extra event with a name
 * clients do not know after `afterEvents` events (it arrives as the `UNKNOWN` event).
 */
export interface SandboxStreamUnknownEventFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'stream_unknown_event'
  /** Events sent before it (default 1: right after `RESPONSE_CREATED`). */
  afterEvents?: number
  /** Its `event:` name (default `'RESPONSE_AUDIT'`). */
  event?: string
  /**
   * Its `data:` text, sent verbatim; by default a JSON object with `event_type` and
   * `sequence_number` (taking its place in the sequence) and a note.
   */
  data?: string
}

/**
 * Streaming endpoint only: `stream_error` sends an `ERROR` event
 * (`{"event_type":"ERROR","sequence_number":k,"error":{code,message}}`) after
 * `afterEvents` events and ends the stream. The response goes on server-side and
 * completes, so the SDK finishes the turn by polling. With `afterEvents: 0` the `ERROR`
 * is the first and only event and no response is created (the loop then throws the
 * error class of `code`). When `afterEvents` is at least the number of events, the
 * stream ends normally.
 */
export interface SandboxStreamErrorFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'stream_error'
  /** Events sent before the `ERROR` (default 1: right after `RESPONSE_CREATED`). */
  afterEvents?: number
  /** The error's `code` (default `'INTERNAL_ERROR'`). */
  code?: string
  /** The error's `message` (default `'the stream failed; poll get response for the answer'`). */
  message?: string
}

/**
 * Create response only (polled or streamed): `raw_message` makes the response's final
 * `MESSAGE` output exactly `message` (only its `conversation_id` and `response_id` are
 * overwritten with the real ones), e.g. a message captured from a live tenant with
 * `citations: null`, `content_references`, a deprecated `location` or unknown fields.
 * List messages returns it too; its `message_id` (when a string) is what
 * `submitFeedback` takes. Streamed, one `RESPONSE_OUTPUT_DELTA` carries it whole.
 */
export interface SandboxRawMessageFault extends SandboxFaultFilter {
  /** Discriminant. */
  kind: 'raw_message'
  /**
   * The message's wire JSON (required; snake_case keys as the API sends them: camelCase
   * keys are converted to snake_case like every scripting argument).
   */
  message: Record<string, unknown>
}

/**
 * A simulator fault (the simulator crate's "Faults"), a discriminated union on `kind`,
 * camelCase keys (converted to the simulator's snake_case): e.g.
 * `{ kind: 'status', status: 429, retryAfter: 1 }`, `{ kind: 'stream_error', afterEvents: 2 }`;
 * `pathContains`, `method` and `count` choose which requests it hits. Stream faults
 * match only the streaming endpoint; `handoff`, `raw_message` and `response_failed`
 * only create response (polled or streamed). An unknown kind or a bad field throws
 * `InvalidArgumentError` naming the action.
 */
export type SandboxFault =
  | SandboxStatusFault
  | SandboxDelayFault
  | SandboxPlainFault
  | SandboxMalformedJsonFault
  | SandboxRawFault
  | SandboxStreamDropFault
  | SandboxStreamStallFault
  | SandboxStreamUnknownEventFault
  | SandboxStreamErrorFault
  | SandboxRawMessageFault

/** One entry of the sandbox's request log (never the Authorization value). */
export interface SandboxRequest {
  /** HTTP method, e.g. `"POST"`. */
  method: string
  /** Request path, e.g. `"/rest/v1beta1/conversations/conv_…/responses"`. */
  path: string
  /** The raw query string (`""` when none). */
  query: string
  /** The status answered (null while in flight). */
  status: number | null
  /** The `Assistant-Name` header sent. */
  assistantName: string | null
  /** The `User-Agent` header sent. */
  userAgent: string | null
  /** Whether the request carried a valid bearer token. */
  authorized: boolean
  /** The `Content-Type` header sent. */
  contentType: string | null
  /** The name of the fault that answered it, or null. */
  fault: string | null
  /** The `x-moveworks-root-uuid` answered. */
  rootUuid: string
}

/**
 * The project's simulator of the Conversations API running inside this process on a
 * free 127.0.0.1 port: try the SDK with no account, and test app code that calls it.
 * Scripting methods are synchronous; after `close()` every call throws
 * `InvalidArgumentError` (`argument` `"sandbox"`).
 */
export declare class Sandbox {
  private constructor()
  /** Starts a sandbox on a free 127.0.0.1 port (nothing is exposed beyond loopback). */
  static start(options?: SandboxOptions): Promise<Sandbox>
  /** The API base URL, `http://127.0.0.1:PORT/rest/v1beta1`. */
  readonly baseUrl: string
  /** `http://127.0.0.1:PORT`. */
  readonly origin: string
  /** The OAuth token endpoint. */
  readonly tokenUrl: string
  /** The `Assistant-Name` the sandbox expects. */
  readonly assistantName: string
  /** A bearer token the sandbox always accepts. */
  readonly token: string
  /** The OAuth client id the token endpoint accepts. */
  readonly clientId: string
  /** The OAuth client secret the token endpoint accepts. */
  readonly clientSecret: string
  /** The PEM of the CA that signed a TLS sandbox's certificate (`tls: true`); null over plain http. */
  readonly caCertificate: string | null
  /** A client for this sandbox, with `options` merged over the sandbox's (e.g. `{ maxRetries: 0 }`). */
  client(options?: ClientOptions): Client
  /** Queues a simulator fault; returns `{ queued: 1 }`. */
  fault(fault: SandboxFault): {
    /** How many faults were queued. */
    queued: number
  }
  /** The next `count` (default 1) responses created (polled or streamed) end FAILED. */
  failNextResponse(options?: {
    /** How many responses to fail (default 1). */
    count?: number
  }): {
    /** How many failures were queued. */
    queued: number
  }
  /** Changes settings (`responseDurationMs`, `unknownValues`, `rateLimit: { maxRequests, windowMs } | null`, `tokenTtlSecs`, …); returns the settings after the change. */
  configure(patch: Record<string, unknown>): Record<string, unknown>
  /** Adds a proactive notification or asynchronous answer to the events feed; returns the event. */
  injectEvent(spec: { conversationId: string; text: string; kind?: 'notification' | 'async_response'; eventType?: string }): Event
  /** Every issued OAuth token stops working (the static token stays valid). */
  revokeTokens(): {
    /** How many tokens were revoked. */
    revoked: number
  }
  /** The request log, oldest first, optionally filtered (method case-insensitive, path substring). */
  requests(filter?: { method?: string; pathContains?: string }): SandboxRequest[]
  /** Empties the request log. */
  clearRequests(): Record<string, never>
  /** Every feedback the API accepted, oldest first. */
  feedback(): Record<string, unknown>[]
  /** Forgets all state and returns to the start-up settings. */
  reset(): Record<string, never>
  /**
   * Runs any action of the scripting vocabulary by name (camelCase argument keys become
   * snake_case; the answer's keys become camelCase): a new action needs no package change.
   * An unknown action or bad arguments throw `InvalidArgumentError` naming the action.
   */
  run(action: string, args?: Record<string, unknown>): unknown
  /** Stops the server; clients made for it then fail with connection errors. Idempotent. */
  close(): Promise<void>
}

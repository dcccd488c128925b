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
}

/**
 * A simulator fault (the simulator crate's "Faults"), camelCase keys: e.g.
 * `{ kind: 'status', status: 429, retryAfter: 1 }`, `{ kind: 'drop' }`,
 * `{ kind: 'delay', ms: 500 }`, `{ kind: 'malformed_json' }`, `{ kind: 'stream_drop' }`;
 * `pathContains`, `method` and `count` choose which requests it hits.
 */
export interface SandboxFault {
  /** The fault's kind: `status`, `drop`, `reset`, `delay`, `malformed_json`, `stream_drop`, `stream_stall`, … */
  kind: string
  /** Only requests whose path contains this. */
  pathContains?: string
  /** Only requests of this method. */
  method?: string
  /** How many matching requests it hits (default 1). */
  count?: number
  /** The kind's own fields (`status`, `code`, `message`, `retryAfter`, `retryAfterMs`, `ms`, …). */
  [field: string]: unknown
}

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

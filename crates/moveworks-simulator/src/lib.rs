//! An in-memory simulator of the Moveworks (Beta) Conversations API, and of its
//! current generation `rest/v1` beside it (see [rest/v1](#restv1)).
//!
//! It follows Moveworks' published OpenAPI of this API
//! (`beta-conversations-api.openapi.yaml`, derived into the repository's `spec/`):
//! status codes and error codes per operation, JSON shapes, field names, the
//! stream's wire format. Every body it serves on a documented operation validates
//! against that file (see [Contract recording](#contract-recording)), so client
//! code tested against it behaves the same against the real API. On
//! top it offers deterministic fault injection and a request log, so client
//! tests can exercise retries, token refresh and tolerant parsing.
//!
//! # Starting it
//!
//! From Rust:
//!
//! ```no_run
//! let sim = moveworks_simulator::Simulator::start_default()?;
//! println!("API at {}, tokens at {}", sim.base_url(), sim.token_url());
//! // Every API call sends `Authorization: Bearer sandbox-token` (or a token
//! // from the token endpoint) and `Assistant-Name: sandbox`.
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! From any other language, run the `moveworks-simulator` binary:
//!
//! ```text
//! moveworks-simulator [--host H] [--port P] [--assistant-name N] [--token T]
//!                     [--client-id ID] [--client-secret S] [--response-ms MS]
//!                     [--threads N] [--tls] [--ignore-stdin]
//! ```
//!
//! Defaults: host `127.0.0.1`, port `0` (any free port), assistant `sandbox`,
//! static token `sandbox-token` (`--token ""` disables it), client
//! `sandbox-client` / `sandbox-secret`, responses complete after 600 ms.
//! Once listening it prints exactly one JSON line to stdout:
//!
//! ```text
//! {"base_url":"http://127.0.0.1:PORT/rest/v1beta1","v1_base_url":"http://127.0.0.1:PORT/rest/v1","token_url":"http://127.0.0.1:PORT/oauth/v1/token","origin":"http://127.0.0.1:PORT","port":PORT,"assistant_name":"sandbox","token":"sandbox-token","client_id":"sandbox-client","client_secret":"sandbox-secret","ca_certificate_pem":null}
//! ```
//!
//! (`token` is `null` when the static token is disabled. With `--tls` the URLs are
//! `https://` and `ca_certificate_pem` is the throwaway CA to trust, PEM text; see
//! [HTTPS](#https).) It serves until its
//! stdin reaches end of file or it receives SIGTERM/SIGINT, so a test harness
//! that starts it with a pipe on stdin takes it down when it exits, even if it
//! crashes. `--ignore-stdin` keeps it running without a stdin.
//!
//! # Routes
//!
//! API routes live under `/rest/v1beta1`; the token endpoint is at
//! `/oauth/v1/token`. Every response, errors and the token endpoint included,
//! is `application/json` and carries a fresh `x-moveworks-root-uuid` header.
//!
//! | Route | Success | Errors |
//! | --- | --- | --- |
//! | `POST /oauth/v1/token` | 200 `{"access_token","expires_in","token_type":"Bearer"}` | 400 `INVALID_INPUT`, 401 `UNAUTHORIZED` |
//! | `GET /conversations` (`cursor`, `limit` 1..=100 default 20, `archived` default false) | 200 `{"conversations","metadata":{"next_cursor"}}` | 400 `INVALID_CURSOR` (the spec's only 400 code here, also for a bad `limit`/`archived`), 401, 403, 429 |
//! | `POST /conversations` `{"title"?}` | 201 Conversation | 400 `INVALID_INPUT`, 401, 403, 429 |
//! | `GET /conversations/{id}` | 200 Conversation | 401, 403, 404, 429 |
//! | `PATCH /conversations/{id}` `{"title"?, "archived"?}` | 200 Conversation | 400 `INVALID_INPUT`, 401, 403, 404, 429 |
//! | `POST /conversations/{id}/responses` `{"input":{"text"}}` | 202 Response | 400, 401, 403, 404, 429 |
//! | `POST /conversations/{id}/responses/stream` `{"input":{"text"}}`, `Accept: text/event-stream` | 200 `text/event-stream` (chunked): `RESPONSE_CREATED`, `RESPONSE_IN_PROGRESS`, `RESPONSE_OUTPUT_DELTA`s, `RESPONSE_COMPLETED` or `RESPONSE_FAILED` (see [Streaming](#streaming)) | 400, 401, 403, 404, 429 (JSON, before any event) |
//! | `GET /conversations/{id}/responses/{response_id}` | 200 Response | 401, 403, 404, 429 |
//! | `GET /conversations/{id}/events` (`-` = all; `starting_after`, `ending_at`, `cursor`, `limit`) | 200 `{"events","metadata":{"next_cursor"}}` | 401, 404, 429; 400 for a bad `cursor`/`limit` (a spec gap: the spec documents no 400 here) |
//! | `GET /conversations/{id}/messages` (`cursor`, `limit` 1..=100 default 20) | 200 `{"messages","metadata":{"next_cursor"}}`, newest first | 400 `INVALID_CURSOR` (also for a bad `limit`), 401, 403, 404, 429 |
//! | `GET /conversations/{id}/responses/{response_id}/messages` | 200 `{"messages"}`, newest first | 401, 403, 404, 429 |
//! | `POST /conversations/{id}/responses/{response_id}/messages/{message_id}/feedback` `{"callback_id", "additional_feedback"?}` | 200 `{"status":"SUBMITTED"}` | 400 `INVALID_REQUEST`, 404, 429; 401 without a valid token or Assistant-Name (a spec gap: the spec documents no 401/403 here) |
//!
//! Unknown paths answer 404 `NOT_FOUND`; a known path with another method
//! answers 405 `METHOD_NOT_ALLOWED` with an `Allow` header. Conversations are
//! listed newest `updated_at` first; every mutation gets a distinct, later
//! `updated_at`, ties being impossible. A title may have at most 256
//! characters (Unicode scalar values). A conversation without a title is
//! titled after its first message (first 60 characters), standing in for the
//! AI title the real API assigns. `null` for an optional body field means
//! "absent". An empty `cursor=` parameter means "no cursor".
//!
//! # rest/v1
//!
//! The same port serves Moveworks' current generation under `/rest/v1`
//! ([`Simulator::v1_base_url`]) from the same route table, store and handlers; the
//! generation is a property of the parsed route. It follows the published
//! `assistant/v1` spec (the closest published relative) plus what
//! `../shared/API-V1-NOTES.md` documents for `rest/v1`; where the notes call a shape
//! unknown, the simulator takes their `[inferred]` choice and says so in its code.
//! Differences from the beta, on `/rest/v1` only:
//!
//! * Answers carry `x-trace-id` instead of `x-moveworks-root-uuid`.
//! * Every request acts for one user: the static token and OAuth client-credentials
//!   tokens for `user_sim`, a bearer minted by the `user_token` action for its user.
//!   Each conversation belongs to the user who created it; another user's conversation
//!   (get, patch, responses, messages, events, feedback, modals) is 404 `NOT_FOUND`, list
//!   conversations shows the caller's own and `GET /conversations/-/events` the caller's
//!   events. The beta stays org-wide.
//! * Create response and stream take `{"input": X}` with exactly one of `chat`
//!   (`{"text"}`), `text`, `callback_id`, `action` (an object; with a string
//!   `callback_id` it is a press of that id, otherwise acknowledged); anything else is
//!   400 `INVALID_INPUT`. The user's message records a press as `CALLBACK_ACTION_CONTENT`
//!   (`callback_action.callback_id`; without payload for an `action` without one).
//! * Scripted answers: text containing `laptop` gets a `MARKDOWN_TEXT` answer with
//!   `actions` (CALLBACK_ACTION "File it", MODAL_ACTION "Edit details", URL_ACTION "Open
//!   portal"), a `handoff` Get Help menu (ACTION item "Talk to an agent", TEXT item
//!   "Service hours") and `feedback`. Pressing "File it" answers "Filed ticket INC… for
//!   your new laptop."; "Talk to an agent" hands the conversation to a live agent: the
//!   response completes with no outputs and, `live_agent_delay_ms` (config, default 300)
//!   after it completed, a `LIVE_AGENT` message with `sender_info` arrives on a response
//!   of its own as a system-initiated event; from then on every typed turn also
//!   completes with no outputs and gets such a reply. Other text: the beta answer.
//! * Modals: `GET …/messages/{mid}/modals/{modal_id}`, `POST …/refresh` and
//!   `POST …/submit` `{"values"}`, on the laptop answer's form. Modal ids are minted
//!   per message read (every get response, list messages and stream event carrying
//!   the message mints fresh ones); an id is 404 once submitted, after `expire_modals`,
//!   or on another message's path. Refresh re-resolves the form against the values
//!   sent (`model` `{"option": "mac"}` makes `needed_by` visible and required) and
//!   omits choice `options`; submit validates (400 `INVALID_INPUT` naming the field;
//!   DISPLAY and hidden fields ignored), answers `{"status": "SUBMITTED"}` and ~100 ms
//!   later the assistant's follow-up arrives as a system-initiated event.
//! * `GET /conversations/{cid}/events/{event_id}` (400 `INVALID_INPUT` for `-`, 404
//!   for an event of another conversation or user); every Event carries `created_at`.
//! * Webhook sender: after `webhook {"url"}` every new system-initiated event
//!   (`inject_event`, live-agent replies, modal follow-ups) is POSTed there as
//!   `{"id", "type": "CONVERSATION_RESPONSE_RECEIVED", "created_at", "data":
//!   {"conversation_id", "user_id"}}` from a background thread (2 s timeout), never
//!   from a request handler; `webhook_deliveries` lists what was sent and each status.
//!
//! # Authentication and the Assistant-Name rule
//!
//! Every API route requires `Authorization: Bearer <token>`, where the token
//! is the configured static token or one issued by the token endpoint that
//! has neither expired nor been revoked; otherwise 401 `UNAUTHORIZED`.
//!
//! The `Assistant-Name` header must equal the configured assistant name.
//! When it is missing or wrong, the answer depends on what the published spec
//! documents for the operation: **403 `FORBIDDEN`** where it lists 403 (list,
//! create, get and update conversation, create response plain and streaming, get
//! response, list conversation messages, list response messages), **401
//! `UNAUTHORIZED`** elsewhere (list events, submit feedback). The bearer token is
//! checked first.
//!
//! A 400 carries the one `error.code` the spec gives that operation's 400:
//! `INVALID_CURSOR` on list conversations and list conversation messages (whatever
//! parameter was wrong), `INVALID_REQUEST` on submit feedback, `INVALID_INPUT` on
//! create/update conversation and create response.
//!
//! The token endpoint takes `client_id`, `client_secret` and
//! `grant_type=client_credentials` as a form (`application/x-www-form-urlencoded`)
//! or JSON body, or the client credentials via HTTP Basic. A wrong grant type
//! or missing field is 400 `INVALID_INPUT`, wrong credentials 401 `UNAUTHORIZED`.
//!
//! Checks run in this order: route (404/405), rate limit (429), bearer token
//! (401), Assistant-Name (403/401), body and parameters (400), existence (404).
//!
//! # Response lifecycle
//!
//! A response's progress is computed from its age `t` against the configured
//! duration `D` (600 ms by default): `t < D/3` is `CREATED` with no outputs;
//! `D/3 <= t < D` is `IN_PROGRESS` with one `REASONING_MESSAGE`; `t >= D` is
//! `COMPLETED` with `completed_at` set and outputs `[REASONING_MESSAGE,
//! MESSAGE]`. The assistant `MESSAGE` (actor `ASSISTANT`, `COMMONMARK_TEXT`)
//! echoes the question, contains non-ASCII text (including characters outside
//! the Basic Multilingual Plane) and cites three sources in the published shape:
//! `citations` `[{"citation_id": "cite_<base62>", "url", "display": {"title",
//! "body" (both `MARKDOWN_TEXT` content), "attributes": [{"key","value"}]}}]` (no
//! `location`: deprecated, not populated since 12 May 2026) and their positions in
//! `content_references` `[{"citation_id","offset"}]`, ascending, the last two at the
//! same offset. Offsets count Unicode scalar values, not bytes or UTF-16 units.
//! User messages carry `"citations": []` and `"content_references": []`.
//!
//! * If the input text contains `[fail]` (any case), the response ends
//!   `FAILED` (reasoning output only, `completed_at` set).
//! * If it contains `[unknown]`, or the `unknown_values` setting is on, the
//!   response uses values a newer server might send: status `THINKING`
//!   instead of `IN_PROGRESS`, `HTML_TEXT` reasoning content, a `TOOL_CALL`
//!   output appended once finished, an `experimental` field on Response,
//!   Message (user and assistant) and Conversation objects. Terminal statuses
//!   stay `COMPLETED` / `FAILED`.
//!
//! # Messages and feedback
//!
//! A response contributes up to two messages to its conversation: the user's
//! input (actor `USER`, `PLAIN_TEXT`, from the moment the response is created)
//! and, once it has `COMPLETED`, the assistant's answer. List messages returns
//! them newest first (ties: the answer after its question); list response
//! messages returns those of one response, also newest first.
//!
//! Every assistant message (in get response, stream outputs, events, message
//! lists) carries `"feedback": {"helpful": {"callback_id": T1}, "unhelpful":
//! {"callback_id": T2}}` with opaque base64url tokens, except a proactive
//! notification's. Submit feedback accepts only `T1` or `T2` of that very
//! message (anything else, including a token of another message: 400
//! `INVALID_REQUEST`); an unknown conversation, response or message is 404; a
//! missing `callback_id` or an `additional_feedback` over 1,000 characters
//! (Unicode scalar values) is 400 `INVALID_REQUEST`. Accepted feedback is recorded with its
//! rating (see `GET /_sim/feedback`).
//!
//! # Events feed
//!
//! As on the live list-events page, the feed holds only system-initiated
//! messages (asynchronous answers, proactive notifications): answering a create
//! response adds no event. Tests put events in with `POST /_sim/events` (below).
//! Event ids (`evt_` plus a zero-padded decimal counter) sort lexicographically
//! in creation order.
//!
//! # The sandbox vocabulary
//!
//! What a test can make the simulator do is one list, [`ACTIONS`], run by
//! [`Simulator::run`] and `POST /_sim/script` `{"action": A, "args": {...}}`;
//! every language's `Sandbox` forwards its methods to it by name (Python
//! `sandbox.fault(kind="status", status=429)`, Node `sandbox.fault({kind: 'status', status: 429})`,
//! C `mw_sandbox_run(s, "fault", "{...}")`, Kotlin/Swift `sandbox.run("fault", json)`):
//! `fault` (queue any fault below), `fail_next_response` (the next created
//! responses end `FAILED`), `configure` (the settings of `/_sim/config`),
//! `inject_event` (a proactive notification or asynchronous answer),
//! `revoke_tokens`, `requests` (the request log, optionally filtered),
//! `clear_requests`, `feedback`, `reset`, and for rest/v1 `user_token`,
//! `add_user_message`, `expire_modals`, `webhook`, `webhook_deliveries`. `moveworks-simulator --help` prints
//! each with its arguments and answer.
//!
//! # Control routes
//!
//! Under `/_sim/`, no authentication, JSON in and out, never logged:
//!
//! * `GET /_sim/health` → `{"status":"ok"}`.
//! * `POST /_sim/reset`: forget all state (conversations, tokens, faults,
//!   request log) and return to the start-up settings.
//! * `GET|POST /_sim/config`: read or partially update
//!   `{"response_duration_ms": u64, "unknown_values": bool, "token_ttl_secs": u64,
//!   "rate_limit": {"max_requests": n, "window_ms": m} | null,
//!   "wrapped_token_answer": bool, "null_pending_outputs": bool}`; unknown keys
//!   are refused. The last two switch on shapes the live reference pages document
//!   besides the usual ones: a token answer wrapped as `{"data": {...}}`, and
//!   `"outputs": null` on a response that has no outputs yet.
//!   The rate limit is a fixed window over API routes; excess
//!   requests get 429 `RATE_LIMIT_EXCEEDED` with `Retry-After` in whole
//!   seconds (at least 1).
//! * `POST /_sim/faults` `{"faults": [fault, ...]}` (a bare array or single
//!   fault also work) queues faults; `GET` lists them, `DELETE` clears them.
//! * `POST /_sim/tokens/revoke`: invalidates every token issued so far (the
//!   static token stays valid), to test a client's refresh-on-401.
//! * `GET /_sim/requests`: the request log, in arrival order, entries
//!   `{"method","path","query","status","assistant_name","user_agent",
//!   "authorized","content_type","fault","root_uuid","connection","x_headers","body_keys","user_id"}`. `query` is the raw
//!   query string (`""` when none), `status` is `null` while in flight or
//!   when a `reset` fault closed the connection, `authorized` says whether the
//!   request carried a bearer token the simulator accepts, `fault` names the
//!   fault applied (or `null`), `root_uuid` is the `x-moveworks-root-uuid`
//!   sent back, `connection` a serial number of the TCP connection that carried
//!   the request, `x_headers` the request's `x-` headers (names lowercase) and
//!   `body_keys` the top-level fields of a JSON body (`null` without one), `user_id` the user a
//!   valid bearer acts for (`user_sim` unless minted by `user_token`; `null` without a valid one),
//!   and `root_uuid` on `/rest/v1` the `x-trace-id` sent back. The Authorization value is never stored; the newest 100 000
//!   entries are kept.
//!   `DELETE /_sim/requests` clears it.
//! * `POST /_sim/events` `{"conversation_id": C, "text": T, "kind"?: "notification"|"async_response",
//!   "event_type"?: "MESSAGE_EVENT"}` appends a system-initiated ASSISTANT message
//!   (text `T`, `COMMONMARK_TEXT`, no citations) to conversation `C` and to the event
//!   feed, and answers 201 with the event exactly as list events renders it:
//!   `{"event_id", "conversation_id", "event_payload": {"type": "MESSAGE_EVENT", "message": {...}}}`.
//!   Both kinds mint a fresh response id. `async_response` (an asynchronous answer)
//!   is a `COMPLETED` response of its own: get response, list response messages and
//!   submit feedback work on it. `notification` (the default; a proactive
//!   notification) answers no request: its response id is not a gettable response
//!   and its message has no `feedback`. Any other `event_type` makes an event of
//!   that type clients do not know, `{"type": E, "<e lowercased>": {"text", "response_id"}}`.
//!   400 `INVALID_INPUT` for a bad body, 404 `NOT_FOUND` for an unknown conversation.
//! * `GET /_sim/feedback`: every accepted submit feedback, oldest first, entries
//!   `{"conversation_id","response_id","message_id","callback_id","rating":"helpful"|"unhelpful","additional_feedback"}`.
//! * `GET /_sim/stream_marks`: `{"<response_id>": ns, ...}`, when the first
//!   `RESPONSE_OUTPUT_DELTA` of each streamed response was handed to its socket (marked just before the write), in
//!   `CLOCK_MONOTONIC` nanoseconds: the start of the streaming benchmark's
//!   "first delta to user code" interval (the client side reads the same clock).
//!
//! # Faults
//!
//! A fault is a JSON object:
//!
//! ```text
//! {"kind": K, "count": n (default 1), "method"?: "GET"|"POST"|"PATCH", "path_contains"?: "/responses", ...}
//! ```
//!
//! Faults form a FIFO queue matched against API and token requests (the raw
//! request target, path plus query, must contain `path_contains`; `method`
//! compares case-insensitively). A request takes one use of the oldest
//! matching fault; a fault is removed once used `count` times. Kinds:
//!
//! * `{"kind":"status","status":503,"retry_after"?:"2","retry_after_ms"?:"1500","code"?:..,"message"?:..}`:
//!   answer with that status (400..=599) and the matching error body
//!   (400: the operation's 400 code as above, `INVALID_INPUT` elsewhere; 401
//!   `UNAUTHORIZED`, 403 `FORBIDDEN`, 404 `NOT_FOUND`, 408 `REQUEST_TIMEOUT`, 429
//!   `RATE_LIMIT_EXCEEDED`, 5xx `INTERNAL_ERROR`; `code` and `message` override,
//!   default message `injected fault`) without processing the request. `retry_after` is sent
//!   verbatim as `Retry-After` (seconds or an HTTP date), `retry_after_ms` as
//!   `retry-after-ms`.
//! * `{"kind":"delay","ms":1500}`: wait, then process normally.
//! * `{"kind":"drop"}`: process the request (its state changes happen), send
//!   the status line and headers announcing the full `Content-Length`, half
//!   the body, then close the connection.
//! * `{"kind":"reset"}`: close the connection without writing anything and
//!   without processing the request.
//! * `{"kind":"malformed_json","status"?:200}`: process, then answer with
//!   status 200 (or `status`) and the body `{"conversations": [`.
//! * `{"kind":"truncated_json"}`: process, then answer with the real status and
//!   the first half of the real body (with a matching `Content-Length`).
//! * `{"kind":"unknown_values"}`: process, rendering this one answer with
//!   unknown values (see the lifecycle section).
//! * `{"kind":"raw","status":502,"body":"<html>…","headers"?:{"Content-Type":"text/html"}}`:
//!   answer exactly that without processing (`Content-Type` defaults to
//!   `application/json`; `x-moveworks-root-uuid` is added unless given).
//!
//! Faults for the streaming endpoint (they match only its requests; `after_events`
//! counts the events already sent, default 1, i.e. right after `RESPONSE_CREATED`;
//! the response is created as usual, so polling it still works):
//!
//! * `{"kind":"stream_drop","after_events"?:1}`: close the connection after
//!   `after_events` events, without ending the chunked body.
//! * `{"kind":"stream_stall","after_events"?:1,"ms"?:60000}`: after `after_events`
//!   events write nothing more but keep the connection open for `ms`, then close it.
//! * `{"kind":"stream_unknown_event","after_events"?:1,"event"?:"RESPONSE_AUDIT","data"?:"{...}"}`:
//!   send an extra event named `event` (one clients do not know) after
//!   `after_events` events. Without `data` its data is
//!   `{"event_type": <event>, "sequence_number": k, "note": ...}` (it takes its
//!   place in the sequence); `data` given as text is sent verbatim.
//! * `{"kind":"stream_error","after_events"?:1,"code"?:"INTERNAL_ERROR","message"?:"the stream failed; poll get response for the answer"}`:
//!   after `after_events` events send `ERROR`
//!   `{"event_type":"ERROR","sequence_number":k,"error":{"code","message"}}` and
//!   close the stream (properly ended). The response goes on server-side and
//!   completes normally, so a client polling get response finishes the turn. With
//!   `"after_events": 0` the `ERROR` is the first and only event and **no response
//!   is created** (the request is validated as usual, 4xx still come as JSON; no
//!   response id exists, no poll can find one, no message is added). When
//!   `after_events` is at least the number of events, the stream ends normally.
//!
//! A `status` fault with `"path_contains": "/responses/stream"` answers that error
//! (as JSON, like create response) before any stream starts.
//!
//! * `{"kind":"response_failed"}` matches only create response (polled or
//!   streamed): the request is processed as usual, but the response it creates
//!   ends `FAILED` (with its `error` object) instead of `COMPLETED`; streamed, its
//!   last event is `RESPONSE_FAILED` carrying that `FAILED` response and its
//!   `error`. The sandbox action `fail_next_response` queues it.
//! * `{"kind":"handoff"}` matches only create response (polled or streamed): the
//!   response completes (`COMPLETED`, `completed_at` set) with `"outputs": []`, a
//!   live-agent handoff; only the user's message is listed. Streamed:
//!   `RESPONSE_CREATED`, then `RESPONSE_COMPLETED` at the response's duration, no deltas.
//! * `{"kind":"raw_message","message":{...any JSON object...}}` matches only
//!   create response (polled or streamed): the response's final `MESSAGE` output
//!   is exactly this object, except that its `conversation_id` and `response_id`
//!   are overwritten with the real ones (so messages captured from a live tenant,
//!   with `citations: null`, `content_references: null`, `feedback: null`, a
//!   `location`, unknown fields, can be replayed). It is also what list messages and
//!   list response messages return; its `message_id` (when a string) is the id
//!   submit feedback takes, and its own `feedback` callback ids rate it. Streamed,
//!   one `RESPONSE_OUTPUT_DELTA` carries it whole. Bodies carrying it are exempt
//!   from the contract check.
//!
//! # Streaming
//!
//! The stream follows the published spec (`StreamEventType` .. `ResponseStreamEvent`):
//! events `RESPONSE_CREATED`, `RESPONSE_IN_PROGRESS`, `RESPONSE_OUTPUT_DELTA`,
//! `RESPONSE_COMPLETED`, `RESPONSE_FAILED`, `ERROR`; every `data:` object carries
//! `event_type` (the event's name) and `sequence_number` (1, 2, 3, ... over all events
//! of the stream). The four response events carry `response`, the whole Response
//! (status `CREATED`, `IN_PROGRESS`, then the final `COMPLETED` response with all
//! outputs, exactly what get response returns afterwards, or the `FAILED` response
//! with its `error`); `RESPONSE_OUTPUT_DELTA` carries `output`, one OutputItem so far
//! (`{"type":"REASONING_MESSAGE","reasoning_message":{...}}` twice, then
//! `{"type":"MESSAGE","message":{...}}` five times, the text growing and keeping only
//! the `content_references` (and their citations) it reaches). Pacing: `CREATED` at
//! once, `IN_PROGRESS` and the reasoning at D/3, the message deltas between D/3 and D,
//! the terminal event at D.
//!
//! # Contract recording
//!
//! When the environment variable `MOVEWORKS_SIM_CONTRACT_LOG` names a directory (read
//! once per process, so it also works for the in-process sandboxes the bindings
//! embed), the simulator appends to `<dir>/sim-<pid>.jsonl` one line per JSON body it
//! serves on a documented operation, `{"method","route","status","body"}`, and one
//! per SSE event, `{"method":"POST","route":"/conversations/{conversation_id}/responses/stream","status":200,"event","data"}`.
//! `route` is the spec's path template. Lines of `/rest/v1` answers carry `"api": "v1"`
//! and are validated against the assistant/v1 spec plus `spec/rest-v1-additions.schema.json`. Answers that are off-spec on purpose carry
//! `"exempt": "<why>"` and are not validated: deviation faults (`status` with a custom
//! `code`/`message` or a status the operation does not document, `raw`,
//! `malformed_json`, `truncated_json`, `drop`, `unknown_values`,
//! `stream_unknown_event`'s event), bodies carrying a `raw_message`, unknown-values
//! renderings, `null_pending_outputs`, unknown event types, and the two spec gaps
//! above (401 on submit feedback, 400 on list events). At most 300 lines per (route,
//! status, event, exemption) per process; recording never fails a request. The
//! token route and the control routes are not recorded; nor are unknown routes or
//! methods (404/405). `scripts/contract-check.sh DIR` validates the records against
//! the published spec.
//!
//! # HTTPS
//!
//! With [`SimulatorConfig::tls`] (`--tls`) the simulator serves HTTPS on its port.
//! At start it generates a throwaway CA (common name `Moveworks SDK sandbox CA
//! (throwaway)`, a fresh key each time) and a server certificate the CA signs for
//! `127.0.0.1`, `localhost` and `::1`, valid from a day ago for 30 days; nothing is
//! written to disk. A client trusts the CA from [`Simulator::ca_certificate_pem`]
//! (the `ca_certificate_pem` of the start-up line); a client that does not fails its
//! handshake, which the server shrugs off. TLS 1.2 and 1.3, no client certificates.
//! A TLS front on the public port terminates TLS and relays each connection to the
//! plain server on an internal loopback port, so everything above (faults, streams,
//! closing connections) behaves the same; the relay forwards streamed bytes as they
//! are written. Unix only.
//!
//! # Server
//!
//! A small HTTP/1.1 server with keep-alive (pooled client connections work),
//! `Content-Length` and chunked request bodies, and `Expect: 100-continue`.
//! `threads` workers serve connections; when all are busy (an idle
//! keep-alive connection holds its worker) an extra thread takes the next
//! connection, so the server never stalls on pooled connections.

// Published beside `moveworks` (its `sandbox` feature depends on it): every public item is documented.
#![deny(missing_docs)]

mod api;
mod background;
mod codec;
mod contract;
mod cursor;
mod faults;
mod json;
mod modals;
mod route;
mod script;
mod server;
mod state;
mod stream;
#[cfg(unix)]
mod tls;
mod v1;

pub use script::ACTIONS;

use std::fmt;
use std::io;
use std::net::{SocketAddr, TcpListener};
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::api::{App, API_PREFIX, TOKEN_PATH, V1_PREFIX};
use crate::server::{HttpRequest, Server};

/// Start-up settings of a [`Simulator`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimulatorConfig {
    /// Interface to listen on; `127.0.0.1` by default so nothing is exposed.
    pub host: String,
    /// Port to listen on; `0` (the default) picks a free one.
    pub port: u16,
    /// The value the `Assistant-Name` header must have (`sandbox`).
    pub assistant_name: String,
    /// A bearer token that is always valid (`sandbox-token`), so tests can
    /// skip the token endpoint; `None` requires issued tokens.
    pub static_token: Option<String>,
    /// Client id the token endpoint accepts (`sandbox-client`).
    pub client_id: String,
    /// Client secret the token endpoint accepts (`sandbox-secret`).
    pub client_secret: String,
    /// Time from creating a response to its terminal status (600 ms).
    pub response_duration: Duration,
    /// Lifetime of issued tokens, reported as `expires_in` (3600 s, as the real API).
    pub token_ttl: Duration,
    /// Pooled connection worker threads (8); more are spawned when all are busy.
    pub threads: usize,
    /// Serve HTTPS instead of HTTP (false): at start a throwaway CA and a server
    /// certificate it signs for `127.0.0.1`, `localhost` and `::1` are generated
    /// (valid from a day ago for 30 days); clients trust the CA from
    /// [`Simulator::ca_certificate_pem`]. Unix only (elsewhere starting fails).
    pub tls: bool,
    /// With `tls`, require mutual TLS (false): a client must present a certificate
    /// the CA signed, e.g. [`Simulator::client_certificate_pem`] with
    /// [`Simulator::client_key_pem`]; others fail the handshake.
    pub tls_client_auth: bool,
}

impl Default for SimulatorConfig {
    fn default() -> SimulatorConfig {
        SimulatorConfig {
            host: "127.0.0.1".into(),
            port: 0,
            assistant_name: "sandbox".into(),
            static_token: Some("sandbox-token".into()),
            client_id: "sandbox-client".into(),
            client_secret: "sandbox-secret".into(),
            response_duration: Duration::from_millis(600),
            token_ttl: Duration::from_secs(3600),
            threads: 8,
            tls: false,
            tls_client_auth: false,
        }
    }
}

/// A running simulator. Dropping it (or [`Simulator::shutdown`]) stops the
/// server: the listener closes, open connections are closed, threads joined.
pub struct Simulator {
    config: SimulatorConfig,
    /// The public listener's address.
    addr: SocketAddr,
    app: Arc<App>,
    /// With `tls`: the public listener's TLS front (dropped first, so it stops
    /// before the plain server it relays to) and the CA as PEM.
    #[cfg(unix)]
    tls: Option<(tls::Front, tls::Identity)>,
    /// The plain HTTP server, held for its `Drop` (which stops it).
    #[allow(dead_code, reason = "owned only to be dropped with the simulator")]
    server: Server,
}

impl fmt::Debug for Simulator {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Simulator").field("addr", &self.addr()).finish_non_exhaustive()
    }
}

impl Simulator {
    /// Binds `config.host:config.port` and starts serving in background threads.
    ///
    /// With `config.tls` the public port speaks HTTPS: a TLS front there relays each
    /// connection to the plain HTTP server, which then listens on an internal
    /// loopback port.
    pub fn start(config: SimulatorConfig) -> io::Result<Simulator> {
        let listener = TcpListener::bind((config.host.as_str(), config.port))?;
        let addr = listener.local_addr()?;
        let port = addr.port();
        let app = Arc::new(App::new(config.clone()));
        let handler_app = Arc::clone(&app);
        let handler = Arc::new(move |req: &HttpRequest| handler_app.handle(req));
        if !config.tls {
            let server = Server::start(listener, config.threads, handler)?;
            let config = SimulatorConfig { port, ..config };
            #[cfg(unix)]
            return Ok(Simulator { config, addr, app, tls: None, server });
            #[cfg(not(unix))]
            return Ok(Simulator { config, addr, app, server });
        }
        #[cfg(not(unix))]
        return Err(io::Error::new(io::ErrorKind::Unsupported, "the simulator serves TLS on Unix only"));
        #[cfg(unix)]
        {
            let identity = tls::generate()?;
            let internal = TcpListener::bind((std::net::Ipv4Addr::LOCALHOST, 0))?;
            let server = Server::start(internal, config.threads, handler)?;
            let front = tls::Front::start(listener, server.addr(), &identity, config.tls_client_auth)?;
            let config = SimulatorConfig { port, ..config };
            Ok(Simulator { config, addr, app, tls: Some((front, identity)), server })
        }
    }

    /// Starts with [`SimulatorConfig::default`] on a free local port.
    pub fn start_default() -> io::Result<Simulator> {
        Simulator::start(SimulatorConfig::default())
    }

    /// The address the server listens on (with `tls`, where it speaks HTTPS).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// `http://HOST:PORT` (`https://` with `tls`), where the token and control routes live.
    pub fn origin(&self) -> String {
        let scheme = if self.config.tls { "https" } else { "http" };
        format!("{scheme}://{}", self.addr())
    }

    /// With `tls`, the throwaway CA that signed the server's certificate, as PEM
    /// text: what a client must trust to reach this simulator. `None` without `tls`.
    pub fn ca_certificate_pem(&self) -> Option<String> {
        #[cfg(unix)]
        return self.tls.as_ref().map(|(_, identity)| identity.ca_pem.clone());
        #[cfg(not(unix))]
        None
    }

    /// With `tls`, a client certificate the CA signed (PEM), for mutual TLS
    /// ([`SimulatorConfig::tls_client_auth`]). `None` without `tls`.
    pub fn client_certificate_pem(&self) -> Option<String> {
        #[cfg(unix)]
        return self.tls.as_ref().map(|(_, identity)| identity.client_pem.clone());
        #[cfg(not(unix))]
        None
    }

    /// The private key of [`client_certificate_pem`](Self::client_certificate_pem), PEM (PKCS#8).
    pub fn client_key_pem(&self) -> Option<String> {
        #[cfg(unix)]
        return self.tls.as_ref().map(|(_, identity)| identity.client_key_pem.clone());
        #[cfg(not(unix))]
        None
    }

    /// The API base URL, `origin + "/rest/v1beta1"`.
    pub fn base_url(&self) -> String {
        format!("{}{API_PREFIX}", self.origin())
    }

    /// The rest/v1 API base URL, `origin + "/rest/v1"` (served beside the beta on the same port).
    pub fn v1_base_url(&self) -> String {
        format!("{}{V1_PREFIX}", self.origin())
    }

    /// The token endpoint, `origin + "/oauth/v1/token"`.
    pub fn token_url(&self) -> String {
        format!("{}{TOKEN_PATH}", self.origin())
    }

    /// The start-up configuration, with `port` set to the port actually
    /// bound. Run-time changes made with [`Simulator::set_config`] are not reflected.
    pub fn config(&self) -> &SimulatorConfig {
        &self.config
    }

    /// Queues one fault, in the JSON form of one entry of `POST /_sim/faults`
    /// (see the crate docs).
    ///
    /// # Panics
    ///
    /// If the fault is invalid: a test asking for a fault that cannot happen
    /// should fail loudly rather than pass vacuously.
    pub fn push_fault(&self, fault: Value) {
        if let Err(e) = self.app.push_fault(&fault) {
            panic!("invalid simulator fault {fault}: {e}");
        }
    }

    /// Applies a partial settings update, in the JSON form of `POST /_sim/config`.
    ///
    /// # Panics
    ///
    /// If the patch is invalid (unknown key, wrong type), for the same reason
    /// as [`Simulator::push_fault`].
    pub fn set_config(&self, patch: Value) {
        if let Err(e) = self.app.set_config(&patch) {
            panic!("invalid simulator config {patch}: {e}");
        }
    }

    /// Invalidates every token issued so far; the static token stays valid.
    pub fn revoke_tokens(&self) {
        self.app.revoke_tokens();
    }

    /// Injects a system-initiated message into the event feed, in the JSON form of
    /// `POST /_sim/events` (see the crate docs); returns the created event.
    ///
    /// # Panics
    ///
    /// If the spec is invalid or names an unknown conversation, for the same reason
    /// as [`Simulator::push_fault`].
    pub fn inject_event(&self, spec: Value) -> Value {
        match self.app.inject_event(&spec) {
            Ok(event) => event,
            Err(e) => panic!("invalid simulator event {spec}: {}", String::from_utf8_lossy(&e.body)),
        }
    }

    /// Every feedback the API accepted, oldest first, as `GET /_sim/feedback` returns it.
    pub fn feedback(&self) -> Vec<Value> {
        self.app.feedback()
    }

    /// The request log, as `GET /_sim/requests` returns it.
    pub fn requests(&self) -> Vec<Value> {
        self.app.requests()
    }

    /// Empties the request log.
    pub fn clear_requests(&self) {
        self.app.clear_requests();
    }

    /// Forgets all state and returns to the start-up settings, like `POST /_sim/reset`.
    pub fn reset(&self) {
        self.app.reset();
    }

    /// Runs one action of the sandbox scripting vocabulary ([`ACTIONS`]; also
    /// `POST /_sim/script`), the one every language's `Sandbox` forwards to.
    /// Bad actions or arguments are an `Err` naming the problem, never a panic.
    pub fn run(&self, action: &str, args: &Value) -> Result<Value, String> {
        self.app.run(action, args)
    }

    /// Stops the server and waits for its threads; the same as dropping it.
    pub fn shutdown(self) {
        drop(self);
    }
}

/// The sandbox vocabulary as text (each action, its arguments and its answer),
/// as `moveworks-simulator --help` prints it.
pub fn describe_actions() -> String {
    script::describe()
}

/// Every fault kind with its fields and defaults, as `moveworks-simulator --help` prints it.
pub fn describe_faults() -> String {
    faults::describe()
}

#[cfg(test)]
mod tests {
    #[test]
    fn simulator_can_be_shared_across_threads() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<super::Simulator>();
        assert_send_sync::<super::SimulatorConfig>();
    }
}

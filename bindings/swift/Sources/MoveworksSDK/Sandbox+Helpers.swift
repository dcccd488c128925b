// Swift conveniences over the generated Sandbox (MoveworksSDK.swift): each helper is
// one forward to `run(action:argsJson:)`, the core's scripting vocabulary (fault,
// fail_next_response, configure, inject_event, revoke_tokens, requests,
// clear_requests, feedback, reset), with Swift values converted to and from JSON by
// Foundation's JSONSerialization. Keys are the vocabulary's snake_case spelling.
import Foundation

extension Sandbox {
    /// Runs one scripting action with Swift arguments (dictionaries, arrays, strings,
    /// numbers, booleans, `NSNull`) and returns its parsed answer (`[String: Any]`,
    /// `[Any]`, …, as `JSONSerialization` reads it). A new action of the core needs no
    /// new helper: `try sandbox.run("clear_requests")`. Throws
    /// `MoveworksError.InvalidArgument` naming the action for an unknown action or bad
    /// arguments, and naming `sandbox` once the sandbox is stopped.
    @discardableResult
    public func run(_ action: String, _ args: [String: Any] = [:]) throws -> Any {
        guard JSONSerialization.isValidJSONObject(args),
              let data = try? JSONSerialization.data(withJSONObject: args) else {
            // Not JSON (e.g. a Date): the core names the action, as for any bad argument.
            return try parse(run(action: action, argsJson: "not JSON: \(args)"))
        }
        return try parse(run(action: action, argsJson: String(decoding: data, as: UTF8.self)))
    }

    /// Queues one fault of the simulator for the next matching request: its `kind`
    /// (`"status"`, `"drop"`, `"reset"`, `"delay"`, `"malformed_json"`, `"stream_drop"`,
    /// `"stream_stall"`, …) and its fields, e.g.
    /// `try sandbox.fault("status", ["status": 429, "retry_after": "1", "path_contains": "/responses"])`
    /// (also `"method"`, `"count"`, …; see the simulator's "Faults"). Returns `["queued": n]`.
    @discardableResult
    public func fault(_ kind: String, _ fields: [String: Any] = [:]) throws -> [String: Any] {
        try object(run("fault", fields.merging(["kind": kind]) { _, kind in kind }))
    }

    /// The next `count` responses created (polled or streamed) end FAILED. Returns `["queued": n]`.
    @discardableResult
    public func failNextResponse(count: Int = 1) throws -> [String: Any] {
        try object(run("fail_next_response", ["count": count]))
    }

    /// Changes the sandbox's settings, e.g. `try sandbox.configure(["response_duration_ms": 50])`
    /// (also `unknown_values`, `rate_limit`, `token_ttl_secs`, …). Returns the settings after the change.
    @discardableResult
    public func configure(_ settings: [String: Any] = [:]) throws -> [String: Any] {
        try object(run("configure", settings))
    }

    /// Adds a system-initiated assistant message with `text` to conversation
    /// `conversationId` and the events feed: `kind` `"notification"` (default) or
    /// `"async_response"`. Returns the event as list events renders it (wire JSON).
    @discardableResult
    public func injectEvent(conversationId: String, text: String, kind: String? = nil) throws -> [String: Any] {
        try object(run("inject_event", present(["conversation_id": conversationId, "text": text, "kind": kind])))
    }

    /// Every OAuth token issued so far stops working (the static token stays valid). Returns `["revoked": n]`.
    @discardableResult
    public func revokeTokens() throws -> [String: Any] {
        try object(run("revoke_tokens"))
    }

    /// The request log, oldest first, optionally only `method` requests whose path
    /// contains `pathContains`: entries `method`, `path`, `query`, `status` (nil while
    /// in flight), `assistant_name`, `user_agent`, `authorized`, `content_type`, `fault`
    /// and `root_uuid`. Never a token or secret.
    public func requests(method: String? = nil, pathContains: String? = nil) throws -> [[String: Any]] {
        try list(run("requests", present(["method": method, "path_contains": pathContains])))
    }

    /// Empties the request log.
    public func clearRequests() throws {
        try run("clear_requests")
    }

    /// Every feedback submission the API accepted, oldest first.
    public func feedback() throws -> [[String: Any]] {
        try list(run("feedback"))
    }

    /// Forgets all state (conversations, tokens, faults, request log) and returns to the start-up settings.
    public func reset() throws {
        try run("reset")
    }

    private func parse(_ json: String) throws -> Any {
        try JSONSerialization.jsonObject(with: Data(json.utf8), options: [.fragmentsAllowed])
    }

    /// The arguments that are set: an unset optional argument is left out, not sent as null.
    private func present(_ args: [String: Any?]) -> [String: Any] {
        args.compactMapValues { $0 }
    }

    private func object(_ answer: Any) -> [String: Any] { answer as? [String: Any] ?? [:] }

    private func list(_ answer: Any) -> [[String: Any]] { answer as? [[String: Any]] ?? [] }
}

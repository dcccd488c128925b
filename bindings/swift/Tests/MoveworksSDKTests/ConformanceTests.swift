// Runs tests/conformance/scenarios.json and v1-scenarios.json through the Swift API, as the Kotlin,
// Python, Node, C and Rust runners do: every call goes through the generated
// bindings, and results are compared as wire JSON produced by the core's
// serializer (the toJson() methods). See tests/conformance/README.md; the rest/v1
// calls are in ConformanceV1.swift.
import Foundation
import XCTest
import MoveworksSDK

struct ScenarioFailure: Error, CustomStringConvertible {
    let description: String
}

final class ConformanceTests: XCTestCase {
    var sim: Simulator { Simulator.shared }
    var saved: [String: JSON] = [:]
    /// The scenario's per-user views (`users`), by user id; a step's `as` picks one.
    var users: [String: Client] = [:]
    /// Where `follow_events` keeps its checkpoint files: a scratch directory per scenario.
    var checkpoints = URL(fileURLWithPath: NSTemporaryDirectory())

    /// One XCTest case for the whole file (XCTest on Linux cannot add cases at
    /// run time); each failing scenario is reported by name.
    func testEveryScenario() throws {
        let path = ProcessInfo.processInfo.environment["MOVEWORKS_SCENARIOS"]
            ?? Simulator.repoRoot.appendingPathComponent("tests/conformance/scenarios.json").path
        try runFile(path)
        try runFile(URL(fileURLWithPath: path).deletingLastPathComponent().appendingPathComponent("v1-scenarios.json").path)
    }

    private func runFile(_ path: String) throws {
        let doc = try JSON.parse(String(contentsOfFile: path, encoding: .utf8))
        let scenarios = try XCTUnwrap(doc["scenarios"]?.array)
        XCTAssertFalse(scenarios.isEmpty, "no scenarios in \(path)")
        var passed = 0
        for scenario in scenarios {
            let name = scenario["name"]?.string ?? "?"
            do {
                try run(scenario)
                passed += 1
            } catch {
                XCTFail("conformance/\(name): \(error)")
            }
        }
        print("Swift conformance: \(passed) of \(scenarios.count) scenarios passed (\(URL(fileURLWithPath: path).lastPathComponent))")
    }

    private func run(_ scenario: JSON) throws {
        saved = [:]
        users = [:]
        checkpoints = FileManager.default.temporaryDirectory.appendingPathComponent("mw-conformance-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: checkpoints, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: checkpoints) }
        try sim.reset()
        var client: Client?
        do {
            client = try makeClient(scenario["client"] ?? .object([:]))
            if scenario["expect_client_error"] != nil {
                throw ScenarioFailure(description: "expected the client to fail to build, it built")
            }
        } catch let error as MoveworksError {
            guard let expected = scenario["expect_client_error"] else { throw error }
            try checkError(error, expected)
        }
        for user in scenario["users"]?.array ?? [] {
            guard let id = user.string, let client else {
                throw ScenarioFailure(description: "`users` must be strings, on a client that built")
            }
            users[id] = try userView(client, id)
        }
        for (i, step) in (scenario["steps"]?.array ?? []).enumerated() {
            do {
                try runStep(client, step)
            } catch {
                throw ScenarioFailure(description: "step \(i) \(String(step.description.prefix(160))): \(error)")
            }
        }
    }

    /// A per-user view of the scenario's client whose token provider returns the bearer the
    /// simulator's `user_token` action minted for `user`.
    private func userView(_ client: Client, _ user: String) throws -> Client {
        let minted = try sim.control("POST", "script", .object(["action": .string("user_token"),
                                                                "args": .object(["user_id": .string(user)])]))
        guard let token = minted["token"]?.string else { throw ScenarioFailure(description: "user_token answered no token") }
        return client.forUser { UserToken(token: token) }
    }

    /// Which of the simulator's URLs: the beta's unless the scenario names a generation,
    /// then the bare origin (the client appends the generation's path).
    private func baseUrl(_ spec: JSON) throws -> String {
        switch (spec["base_url"]?.string, spec["api_version"]?.string) {
        case ("beta", _), (nil, nil): return sim.string("base_url")
        case ("v1", _): return sim.string("v1_base_url")
        case ("origin", _), (nil, _): return sim.string("origin")
        case (let path?, _) where path.hasPrefix("/"): return sim.string("origin") + path
        case (let other?, _): throw ScenarioFailure(description: "unknown base_url \(other)")
        }
    }

    private func makeClient(_ spec: JSON) throws -> Client {
        let auth = spec["auth"]?.string ?? "token"
        guard auth == "token" || auth == "oauth" else { throw ScenarioFailure(description: "unknown client auth \(auth)") }
        let oauth = auth == "oauth"
        // Both credentials at once (credential_precedence): the core must refuse the pair.
        let credentials = oauth || spec["client_credentials_too"]?.bool == true
        return try Client(config: ClientConfig(
            assistantName: spec["assistant_name"]?.string ?? sim.string("assistant_name"),
            baseUrl: try baseUrl(spec),
            bearerToken: oauth ? nil : (spec["token"]?.string ?? sim.string("token")),
            clientId: credentials ? sim.string("client_id") : nil,
            clientSecret: credentials ? (spec["client_secret"]?.string ?? sim.string("client_secret")) : nil,
            tokenUrl: sim.string("token_url"),
            timeout: spec["timeout_ms"]?.number.map { $0 / 1000 },
            deadline: spec["deadline_ms"]?.number.map { $0 / 1000 },
            maxRetries: UInt32(spec["max_retries"]?.number ?? 2),
            userAgentSuffix: spec["user_agent_suffix"]?.string,
            apiVersion: spec["api_version"]?.string))
    }

    private func runStep(_ scenarioClient: Client?, _ step: JSON) throws {
        var maybeClient = scenarioClient
        if let user = step["as"]?.string {
            guard let view = users[user] else { throw ScenarioFailure(description: "no client for user \(user) (see `users`)") }
            maybeClient = view
        }
        let args = try substitute(step["args"] ?? .object([:]))
        if let action = step["sim"]?.string {
            let result = try simStep(action, args)
            if let name = step["save_as"]?.string { saved[name] = result }
            return
        }
        guard let call = step["call"]?.string else { throw ScenarioFailure(description: "step has neither call nor sim") }
        guard let client = maybeClient else { throw ScenarioFailure(description: "a call step, but the client failed to build") }
        if let expected = step["expect_error"] {
            let error: MoveworksError
            do {
                _ = try perform(client, call, args)
                throw ScenarioFailure(description: "expected an error, the call succeeded")
            } catch let e as MoveworksError {
                error = e
            }
            try checkError(error, expected)
            return
        }
        let result = try perform(client, call, args)
        if let expected = step["expect"] { try match(try substitute(expected), result, "$") }
        if let name = step["save_as"]?.string { saved[name] = result }
    }

    /// Checks an error against an `expect_error` / `expect_client_error` object.
    private func checkError(_ error: MoveworksError, _ expected: JSON) throws {
        let d = error.details
        let fields: [String: JSON] = [
            "kind": .string(d.kind),
            "status": d.status.map { .number(Double($0)) } ?? .null,
            "code": d.code.map { .string($0) } ?? .null,
            "argument": d.argument.map { .string($0) } ?? .null,
            "response_id": d.responseId.map { .string($0) } ?? .null,
        ]
        for (key, want) in try substitute(expected).object ?? [:] {
            switch key {
            case "is_a", "not_a":
                for kind in want.array ?? [] {
                    guard let k = kind.string else { throw ScenarioFailure(description: "\(key) lists a non-string") }
                    guard try caught(error, as: k) == (key == "is_a") else {
                        throw ScenarioFailure(description: "\(error): expected \(key) \(k)")
                    }
                }
            case "response_id" where want == .object(["$ne": .null]):
                guard d.responseId != nil else { throw ScenarioFailure(description: "error names no response (\(d.kind): \(d.message))") }
            default:
                guard let got = fields[key] else { throw ScenarioFailure(description: "unknown expect_error key \(key)") }
                guard got == want else {
                    throw ScenarioFailure(description: "error \(key): expected \(want), got \(got) (error: \(d.kind): \(d.message))")
                }
            }
        }
    }

    /// "Caught by the class of `kind`" in Swift: the two parent kinds are the
    /// isConnectionError / isApiStatusError properties (uniffi's enum is flat), every
    /// other kind its own case.
    private func caught(_ error: MoveworksError, as kind: String) throws -> Bool {
        switch kind {
        case "connection": return error.isConnectionError
        case "api_status": return error.isApiStatusError
        default:
            guard errorKindNames().contains(kind) else { throw ScenarioFailure(description: "unknown kind \(kind)") }
            return error.kind == kind
        }
    }

    /// Performs one sim step; returns what `save_as` keeps (the injected event), else null.
    private func simStep(_ action: String, _ args: JSON) throws -> JSON {
        switch action {
        case "inject_event": return try sim.injectEvent(args)
        // POST /_sim/script: the simulator's scripting vocabulary (user_token, expire_modals, ...).
        case "script": return try sim.control("POST", "script", .object(["action": args["action"] ?? .null,
                                                                          "args": args["args"] ?? .object([:])]))
        case "fault": try sim.fault(args)
        case "config": try sim.config(args)
        case "revoke_tokens": try sim.control("POST", "tokens/revoke")
        case "sleep": Thread.sleep(forTimeInterval: (args["ms"]?.number ?? 0) / 1000)
        case "expect_requests":
            let method = args["method"]?.string
            let path = args["path_contains"]?.string
            let userAgentEnd = args["user_agent_ends_with"]?.string
            let matching = try sim.requests().filter { r in
                (method == nil || r["method"]?.string == method)
                    && (path == nil || (r["path"]?.string ?? "").contains(path!))
                    && (userAgentEnd == nil || (r["user_agent"]?.string ?? "").hasSuffix(userAgentEnd!))
            }
            let n = matching.count
            guard args["count"]?.number == Double(n) else {
                throw ScenarioFailure(description: "requests matching \(method ?? "*") \(path ?? "*"): expected \(args["count"] ?? .null), got \(n)")
            }
            // Carried by this many distinct connections (per-user views share one pool).
            if let want = args["connections"]?.number {
                let connections = Set(matching.map { ($0["connection"] ?? .null).description })
                guard Double(connections.count) == want else {
                    throw ScenarioFailure(description: "expected the matching requests on \(want) connections, got \(connections)")
                }
            }
        default: throw ScenarioFailure(description: "unknown sim action \(action)")
        }
        return .null
    }

    private func waitOptions(_ a: JSON) -> WaitOptions {
        WaitOptions(initialInterval: a["initial_interval_ms"]?.number.map { $0 / 1000 },
                    maxInterval: a["max_interval_ms"]?.number.map { $0 / 1000 },
                    deadline: a["deadline_ms"]?.number.map { $0 / 1000 })
    }

    /// A streamed turn the way an app reads it: `for try await` in a Task; cancel_after_ms
    /// cancels that Task, which interrupts the blocked read (`MoveworksError.Cancelled`).
    /// The test thread waits for the Task (this runner's steps are synchronous).
    private func streamTurn(_ c: Client, conversationId: String, _ a: JSON) throws -> JSON {
        let input = try conformanceInput(a)
        let text = a["text"]?.string
        let seconds = { (k: String) in a[k]?.number.map { $0 / 1000 } }
        let options = StreamOptions(idleTimeout: seconds("idle_timeout_ms"), initialInterval: seconds("initial_interval_ms"),
                                    maxInterval: seconds("max_interval_ms"), deadline: seconds("deadline_ms"))
        let done = DispatchSemaphore(value: 0)
        let outcome = StreamOutcome()
        let task = Task {
            defer { done.signal() }
            do {
                var names: [String] = []
                var last: StreamEvent?
                let events = input.map { c.streamResponse(conversationId: conversationId, input: $0, options: options) }
                    ?? c.streamResponse(conversationId: conversationId, text: text ?? "", options: options)
                for try await event in events {
                    names.append(event.eventName)
                    last = event
                }
                guard case .responseCompleted(_, _, _, let response?)? = last else {
                    throw ScenarioFailure(description: "the stream did not end with a completed response: \(names)")
                }
                outcome.set(.success(.object([
                    "response": try JSON.parse(response.toJson()),
                    "event_names": .string(names.joined(separator: ",")),
                    "first_event": names.first.map { .string($0) } ?? .null,
                    "last_event": names.last.map { .string($0) } ?? .null,
                ])))
            } catch {
                outcome.set(.failure(error))
            }
        }
        if let ms = a["cancel_after_ms"]?.number {
            DispatchQueue.global().asyncAfter(deadline: .now() + ms / 1000) { task.cancel() }
        }
        done.wait()
        return try outcome.get()
    }

    private func eventParams(_ a: JSON, cursor: String?) -> ListEventsParams {
        ListEventsParams(conversationId: a["conversation_id"]?.string, startingAfter: a["starting_after"]?.string,
                         endingAt: a["ending_at"]?.string, cursor: cursor,
                         limit: a["limit"]?.number.map { UInt32($0) })
    }

    /// Performs one call and returns its result as parsed wire JSON.
    private func perform(_ c: Client, _ name: String, _ a: JSON) throws -> JSON {
        func required(_ key: String) throws -> String {
            guard let v = a[key]?.string else { throw ScenarioFailure(description: "missing arg \(key)") }
            return v
        }
        let limit = a["limit"]?.number.map { UInt32($0) }
        switch name {
        case "list_conversations":
            let page = try c.listConversations(params: ListConversationsParams(
                limit: limit, cursor: a["cursor"]?.string, archived: a["archived"]?.bool))
            return try JSON.parse(page.toJson())
        case "iter_conversations":
            // next() rather than the Sequence conformance, so an error fails the step.
            let it = c.iterConversations(params: ListConversationsParams(limit: limit, archived: a["archived"]?.bool))
            var all: [JSON] = []
            while let x = try it.next() { all.append(try JSON.parse(x.toJson())) }
            return .array(all)
        case "create_conversation":
            return try JSON.parse(c.createConversation(title: a["title"]?.string).toJson())
        case "get_conversation":
            return try JSON.parse(c.getConversation(conversationId: required("conversation_id")).toJson())
        case "update_conversation":
            let updated = try c.updateConversation(conversationId: required("conversation_id"),
                                                   update: ConversationUpdate(title: a["title"]?.string, archived: a["archived"]?.bool))
            return try JSON.parse(updated.toJson())
        case "list_events":
            return try JSON.parse(c.listEvents(params: eventParams(a, cursor: a["cursor"]?.string)).toJson())
        case "iter_events":
            let it = c.iterEvents(params: eventParams(a, cursor: nil))
            var all: [JSON] = []
            while let x = try it.next() { all.append(try JSON.parse(x.toJson())) }
            return .array(all)
        case "list_messages":
            let page = try c.listMessages(params: ListMessagesParams(
                conversationId: required("conversation_id"), cursor: a["cursor"]?.string, limit: limit))
            return try JSON.parse(page.toJson())
        case "iter_messages":
            // next() rather than the Sequence conformance, so an error fails the step.
            let it = c.iterMessages(params: ListMessagesParams(conversationId: try required("conversation_id"), limit: limit))
            var all: [JSON] = []
            while let x = try it.next() { all.append(try JSON.parse(x.toJson())) }
            return .array(all)
        case "list_response_messages":
            let page = try c.listResponseMessages(params: ListResponseMessagesParams(
                conversationId: required("conversation_id"), responseId: required("response_id"),
                cursor: a["cursor"]?.string, limit: limit))
            return try JSON.parse(page.toJson())
        case "submit_feedback":
            let result = try c.submitFeedback(conversationId: required("conversation_id"), responseId: required("response_id"),
                                              messageId: required("message_id"), callbackId: required("callback_id"),
                                              additionalFeedback: a["additional_feedback"]?.string)
            return try JSON.parse(result.toJson())
        case "create_response":
            let r = try conformanceInput(a).map { try c.createResponse(conversationId: required("conversation_id"), input: $0) }
                ?? c.createResponse(conversationId: required("conversation_id"), text: required("text"))
            return try JSON.parse(r.toJson())
        case "get_response":
            return try JSON.parse(c.getResponse(conversationId: required("conversation_id"), responseId: required("response_id")).toJson())
        case "wait_for_response":
            let r = try c.waitForResponse(conversationId: required("conversation_id"), responseId: required("response_id"),
                                          options: waitOptions(a), cancel: nil, listener: nil)
            return try JSON.parse(r.toJson())
        case "create_response_and_wait":
            let r = try conformanceInput(a).map {
                try c.createResponseAndWait(conversationId: required("conversation_id"), input: $0, options: waitOptions(a))
            } ?? c.createResponseAndWait(conversationId: required("conversation_id"), text: required("text"),
                                         options: waitOptions(a), cancel: nil, listener: nil)
            return try JSON.parse(r.toJson())
        case "stream_response":
            return try streamTurn(c, conversationId: required("conversation_id"), a)
        case "assistant_text":
            let response = try Response.fromJson((a["response"] ?? .null).description)
            return response.assistantText().map { .string($0) } ?? .null
        case "text_with_citation_markers":
            let response = try Response.fromJson((a["response"] ?? .null).description)
            guard let first = response.assistantMessages().first else {
                throw ScenarioFailure(description: "the response has no assistant message")
            }
            return .string(first.textWithCitationMarkers())
        default:
            guard let result = try conformanceV1Call(c, name, a, checkpoints: checkpoints) else {
                throw ScenarioFailure(description: "unknown call \(name)")
            }
            return result
        }
    }

    private func substitute(_ v: JSON) throws -> JSON {
        switch v {
        case .string(let s):
            guard s.hasPrefix("${"), s.hasSuffix("}"), !s.dropFirst(2).dropLast().contains("}") else { return v }
            return try lookup(String(s.dropFirst(2).dropLast()))
        case .array(let a): return .array(try a.map(substitute))
        case .object(let o): return .object(try o.mapValues(substitute))
        default: return v
        }
    }

    private func lookup(_ path: String) throws -> JSON {
        let parts = path.split(separator: ".").map(String.init)
        guard var current = saved[parts[0]] else { throw ScenarioFailure(description: "nothing saved as \(parts[0])") }
        for p in parts.dropFirst() {
            switch current {
            case .object(let o): current = o[p] ?? .null
            case .array(let a):
                guard let i = Int(p), i < a.count else { throw ScenarioFailure(description: "no index \(p) in \(path)") }
                current = a[i]
            default: throw ScenarioFailure(description: "cannot follow \(p) in \(path)")
            }
        }
        return current
    }

    /// Structural match as tests/conformance/README.md defines it.
    private func match(_ expected: JSON, _ actual: JSON, _ path: String) throws {
        func fail(_ why: String) -> ScenarioFailure {
            ScenarioFailure(description: "\(path): \(why) (got \(String(actual.description.prefix(200))))")
        }
        switch expected {
        case .object(let e):
            let ops = e.keys.filter { $0.hasPrefix("$") }
            if !ops.isEmpty {
                for op in ops {
                    let arg = e[op]!
                    switch op {
                    case "$len":
                        let n: Int
                        switch actual {
                        case .array(let a): n = a.count
                        case .string(let s): n = s.unicodeScalars.count
                        default: throw fail("$len of a non-array")
                        }
                        guard arg.number == Double(n) else { throw fail("length \(n), expected \(arg)") }
                    case "$present": break // checked by the enclosing object
                    case "$absent": guard actual.isNull else { throw fail("expected absent") }
                    case "$contains":
                        guard let s = actual.string, let needle = arg.string, s.contains(needle) else { throw fail("expected to contain \(arg)") }
                    case "$ne": guard arg != actual else { throw fail("expected != \(arg)") }
                    default: throw ScenarioFailure(description: "unknown matcher \(op)")
                    }
                }
                return
            }
            guard case .object(let a) = actual else { throw fail("expected an object") }
            for (key, want) in e {
                let lenient = want["$absent"] != nil || want["$ne"] != nil
                guard a[key] != nil || lenient else { throw fail("key \(key) missing") }
                try match(want, a[key] ?? .null, "\(path).\(key)")
            }
        case .array(let e):
            guard case .array(let a) = actual else { throw fail("expected an array") }
            guard a.count == e.count else { throw fail("expected \(e.count) items, got \(a.count)") }
            for (i, item) in e.enumerated() { try match(item, a[i], "\(path)[\(i)]") }
        default:
            guard expected == actual else { throw fail("expected \(expected)") }
        }
    }
}

/// The result of a streamed turn, handed from its Task to the waiting test thread.
private final class StreamOutcome: @unchecked Sendable {
    private let lock = NSLock()
    private var result: Result<JSON, Error> = .failure(ScenarioFailure(description: "the stream task did not finish"))

    func set(_ r: Result<JSON, Error>) {
        lock.lock()
        result = r
        lock.unlock()
    }

    func get() throws -> JSON {
        lock.lock()
        defer { lock.unlock() }
        return try result.get()
    }
}

// Behind a company network (issue #24), mirroring crates/moveworks/tests/network.rs:
// https with the sandbox's CA (and the unknown-issuer error without it), the real
// proxies of scripts/proxies.sh (tinyproxy with Basic auth, mitmdump inspecting TLS;
// test.sh passes their MOVEWORKS_TEST_* variables into the chroot), the proxy
// environment with NO_PROXY (XCTest runs tests serially, so setenv cannot race),
// per-call extras on the wire, the answer's headers on objects and errors, and the log
// records through the callback (each attempt, no secret at any level). The README's
// proxy example (CorporateProxy.swift) runs through mitmdump.
// Without the proxies' variables the proxy tests are skipped, or fail when CI is set.
import Foundation
import XCTest
@testable import MoveworksSDK

private let proxyPassword = "proxy-secret-7f3a"

/// One HTTPS sandbox for every test of this file.
private let tlsSandbox: Sandbox = try! Sandbox(options: SandboxOptions(responseDurationMs: 60, tls: true))

final class NetworkTests: XCTestCase {
    private var sandbox: Sandbox { tlsSandbox }
    private let streamFast = StreamOptions(initialInterval: 0.01)

    /// The proxies' variable; skips the test without it, except under CI where it fails.
    private func proxyEnv(_ name: String) throws -> String {
        if let v = ProcessInfo.processInfo.environment[name] { return v }
        if ProcessInfo.processInfo.environment["CI"] != nil {
            XCTFail("\(name) is not set: run eval \"$(bash scripts/proxies.sh start)\"")
            throw XCTSkip("failed")
        }
        throw XCTSkip("\(name) is not set (scripts/proxies.sh start)")
    }

    /// A config for the sandbox with the given proxy and trusted roots (no retries).
    private func config(proxy: String? = nil, ca: String?? = .none, fromEnv: Bool? = nil) -> ClientConfig {
        ClientConfig(assistantName: sandbox.assistantName(), baseUrl: sandbox.baseUrl(), bearerToken: sandbox.token(),
                     maxRetries: 0, caCertificates: ca ?? sandbox.caCertificate(), proxy: proxy, proxyFromEnv: fromEnv)
    }

    private func streamedTurn(_ client: Client) throws {
        let conversation = try client.createConversation(title: nil)
        let names = NamesBox()
        let done = try client.streamResponseAndWait(
            conversationId: conversation.conversationId, text: "Who does John Doe report to?", options: streamFast,
            cancel: nil, listener: ClosureStreamEventListenerBox { names.append(streamEventName(event: $0)); return true },
            updateListener: nil)
        XCTAssertEqual(done.status, .completed)
        XCTAssertTrue(names.values.contains("RESPONSE_OUTPUT_DELTA"), "\(names.values)")
    }

    private func connectionMessage(_ block: () throws -> Void) -> String {
        do {
            try block()
            XCTFail("expected a connection error")
        } catch let e as MoveworksError {
            guard case .Connection = e else { XCTFail("\(e)"); return "" }
            return e.details.message
        } catch { XCTFail("\(error)") }
        return ""
    }

    func testHttpsWithTheSandboxCaAndUnknownIssuerWithoutIt() throws {
        XCTAssertTrue(sandbox.baseUrl().hasPrefix("https://"), sandbox.baseUrl())
        XCTAssertTrue(try XCTUnwrap(sandbox.caCertificate()).hasPrefix("-----BEGIN CERTIFICATE-----"))
        XCTAssertNil(try Sandbox().caCertificate())
        _ = try sandbox.client().createConversation(title: "over https")
        _ = try Client(config: config()).createConversation(title: nil)
        let message = connectionMessage { _ = try Client(config: config(ca: .some(nil))).createConversation(title: nil) }
        XCTAssertTrue(message.hasPrefix("TLS error:") && message.contains("unknown issuer")
                      && message.contains("ca_certificates"), message)
    }

    func testForwardProxyCallStreamedTurnAndConnectInItsLog() throws {
        let proxy = try proxyEnv("MOVEWORKS_TEST_FORWARD_PROXY")
        let log = try proxyEnv("MOVEWORKS_TEST_FORWARD_PROXY_LOG")
        let port = sandbox.baseUrl().components(separatedBy: "127.0.0.1:")[1].components(separatedBy: "/")[0]
        let client = try Client(config: config(proxy: proxy))
        _ = try client.createConversation(title: "via tinyproxy")
        try streamedTurn(client)
        XCTAssertTrue(try String(contentsOfFile: log, encoding: .utf8).contains("CONNECT 127.0.0.1:\(port)"),
                      "tinyproxy saw no CONNECT to \(port)")
        let shown = "\(config(proxy: proxy))"
        XCTAssertFalse(shown.contains(proxyPassword), shown)
        XCTAssertTrue(shown.contains("[redacted]"), shown)
    }

    func testWrongProxyPasswordIsAConnectionErrorThatNeverShowsIt() throws {
        let wrong = try proxyEnv("MOVEWORKS_TEST_FORWARD_PROXY").replacingOccurrences(of: proxyPassword, with: "not-the-password-91")
        do {
            _ = try Client(config: config(proxy: wrong)).createConversation(title: nil)
            XCTFail("the call passed with a wrong proxy password")
        } catch let e as MoveworksError {
            XCTAssertTrue(e.isConnectionError, "\(e)")
            let shown = "\(e) \(e.details)"
            XCTAssertFalse(shown.contains("not-the-password-91") || shown.contains("sdk-test:"), shown)
        }
    }

    func testInspectingProxyNeedsItsCaThenCallAndStreamedTurnPass() throws {
        let proxy = try proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY")
        let ca = try proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY_CA")
        let message = connectionMessage { _ = try Client(config: config(proxy: proxy)).createConversation(title: nil) }
        XCTAssertTrue(message.contains("unknown issuer"), message)
        let client = try Client(config: config(proxy: proxy, ca: ca))
        _ = try client.createConversation(title: "via mitmproxy")
        try streamedTurn(client)
    }

    func testReadmeProxyExampleRunsThroughTheInspectingProxyAndIsShownVerbatim() throws {
        let proxy = try proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY")
        let ca = try String(contentsOfFile: try proxyEnv("MOVEWORKS_TEST_INSPECTING_PROXY_CA"), encoding: .utf8)
        defer {
            MoveworksLogging.uninstall()
            setLogLevel(level: .warn)
        }
        let client = try corporateClient(assistantName: sandbox.assistantName(), baseUrl: sandbox.baseUrl(),
                                         token: sandbox.token(), proxyUrl: proxy, companyRoot: ca)
        _ = try client.createConversation(title: "readme proxy example")
        try streamedTurn(client)
        let source = try String(contentsOfFile: Simulator.repoRoot
            .appendingPathComponent("bindings/swift/Tests/MoveworksSDKTests/CorporateProxy.swift").path, encoding: .utf8)
        let start = try XCTUnwrap(source.range(of: "import MoveworksSDK\n"))
        let readme = try String(contentsOfFile: Simulator.repoRoot.appendingPathComponent("bindings/swift/README.md").path,
                                encoding: .utf8)
        XCTAssertTrue(readme.contains("```swift\n" + source[start.lowerBound...] + "```\n"),
                      "bindings/swift/README.md must show CorporateProxy.swift verbatim")
    }

    func testProxyEnvironmentNoProxyBypassAndProxyFromEnvFalse() throws {
        // A dead proxy in HTTPS_PROXY: a call that uses it fails, one that bypasses it passes.
        let names = ["HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy", "NO_PROXY", "no_proxy"]
        let saved = names.map { ($0, ProcessInfo.processInfo.environment[$0]) }
        defer {
            for (name, value) in saved {
                if let value { setenv(name, value, 1) } else { unsetenv(name) }
            }
        }
        names.forEach { unsetenv($0) }
        setenv("HTTPS_PROXY", "http://127.0.0.1:9", 1)
        func outcome(_ fromEnv: Bool?) -> String {
            do {
                _ = try Client(config: config(fromEnv: fromEnv)).createConversation(title: "env")
                return "ok"
            } catch let e as MoveworksError {
                return e.kind
            } catch { return "\(error)" }
        }
        XCTAssertEqual(outcome(nil), "connection", "HTTPS_PROXY is followed")
        XCTAssertEqual(outcome(false), "ok", "proxyFromEnv: false ignores it")
        setenv("NO_PROXY", "example.com,127.0.0.0/8", 1)
        XCTAssertEqual(outcome(nil), "ok", "NO_PROXY=127.0.0.0/8 bypasses it")
    }

    func testExtrasReachTheServerAndOwnedHeadersAreRefused() throws {
        let client = try sandbox.client()
        let extended = try client.withOptions(options: RequestOptions(
            extraHeaders: ["X-Feature-Flag": "beta"], extraQuery: ["trace": "true"],
            extraBody: #"{"client_context": {"app": "helpdesk"}}"#))
        let conversation = try extended.createConversation(title: "extras")
        XCTAssertEqual(conversation.title, "extras")
        let last = try XCTUnwrap(sandbox.requests(method: "POST", pathContains: "/conversations").last)
        XCTAssertEqual(last["x_headers"] as? [String: String], ["x-feature-flag": "beta"])
        XCTAssertEqual(last["query"] as? String, "trace=true")
        XCTAssertEqual(last["body_keys"] as? [String], ["client_context", "title"])
        func argument(_ block: () throws -> Void) -> String? {
            do { try block() } catch let e as MoveworksError {
                guard case .InvalidArgument = e else { return "\(e)" }
                return e.details.argument
            } catch { return "\(error)" }
            return "passed"
        }
        XCTAssertEqual(argument { _ = try extended.getConversation(conversationId: conversation.conversationId) }, "extra_body")
        for owned in ["Authorization", "assistant-name", "User-Agent", "Proxy-Authorization"] {
            XCTAssertEqual(argument {
                _ = try client.withOptions(options: RequestOptions(extraHeaders: [owned: "x"]))
                    .listConversations(params: ListConversationsParams())
            }, "extra_headers", owned)
        }
        XCTAssertEqual(argument { _ = try client.withOptions(options: RequestOptions(extraBody: "[1]")) }, "extra_body")
    }

    func testAnswersAndErrorsCarryTheirHttpHeaders() throws {
        let client = try sandbox.client()
        let conversation = try client.createConversation(title: nil)
        let headers = try XCTUnwrap(conversation.httpHeaders)
        XCTAssertEqual(headers["content-type"], "application/json")
        XCTAssertEqual(headers["x-moveworks-root-uuid"], conversation.requestId)
        do {
            _ = try client.getConversation(conversationId: "conv_does_not_exist")
            XCTFail("found")
        } catch let e as MoveworksError {
            guard case .NotFound = e else { return XCTFail("\(e)") }
            XCTAssertNotNil(e.requestId)
            XCTAssertEqual(try XCTUnwrap(e.httpHeaders)["x-moveworks-root-uuid"], e.requestId)
        }
    }

    func testHeadersCrossAsOneNameValueLinePerHeader() {
        let lifted = httpHeadersLift("vary:accept, origin\nlink:<https://x.example/a:b>\nx-empty:\nno colon\n")
        XCTAssertEqual(lifted, ["vary": "accept, origin", "link": "<https://x.example/a:b>", "x-empty": ""])
        let built = ["x-a": "1", "vary": "accept, origin"]
        XCTAssertEqual(httpHeadersLift(httpHeadersLower(built)), built)
        XCTAssertEqual(httpHeadersLift(""), [:])
    }

    func testEachAttemptIsLoggedWithItsRetryDecisionAndNoSecretAtAnyLevel() throws {
        let oauth = try Sandbox(options: SandboxOptions(oauth: true, tls: true))
        let records = RecordsBox()
        MoveworksLogging.install { records.append($0) }
        setLogLevel(level: .trace)
        defer {
            MoveworksLogging.uninstall()
            setLogLevel(level: .warn)
        }
        let proxy = ProcessInfo.processInfo.environment["MOVEWORKS_TEST_FORWARD_PROXY"]
        let client = try oauth.client(config: ClientConfig(assistantName: oauth.assistantName(), proxy: proxy))
        try oauth.fault("status", ["status": 503, "method": "GET", "count": 1])
        let conversation = try client.createConversation(title: "logged")
        _ = try client.getConversation(conversationId: conversation.conversationId)
        let all = records.values
        let gets = all.filter { $0.level == .debug && $0.method == "GET" }
        XCTAssertEqual(gets.count, 2, "\(all)")
        guard gets.count == 2 else { return }
        XCTAssertEqual(gets[0].status, 503)
        XCTAssertEqual(gets[0].attempt, 1)
        XCTAssertTrue(gets[0].retry?.hasPrefix("retry in") ?? false, "\(gets[0])")
        XCTAssertEqual(gets[1].status, 200)
        XCTAssertEqual(gets[1].attempt, 2)
        XCTAssertNil(gets[1].retry)
        XCTAssertNotNil(gets[1].requestId)
        XCTAssertNotNil(gets[1].durationMs)
        XCTAssertTrue(all.contains { $0.level == .info && $0.retry != nil }, "no retry decision at info")
        XCTAssertTrue(all.contains { $0.level == .trace && $0.message.contains("logged") }, "no body at trace")
        XCTAssertTrue(all.contains { $0.path?.contains("token") ?? false }, "no token fetch")
        let text = "\(all)"
        for secret in [oauth.clientSecret(), oauth.token(), proxyPassword, "access_token\":\"", "Bearer"] {
            XCTAssertFalse(text.contains(secret), "\(secret) appears in the logs")
        }
    }
}

/// Thread-safe collectors for the listeners (called on the SDK's threads).
private final class RecordsBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [LogRecord] = []
    func append(_ r: LogRecord) { lock.lock(); items.append(r); lock.unlock() }
    var values: [LogRecord] { lock.lock(); defer { lock.unlock() }; return items }
}

private final class NamesBox: @unchecked Sendable {
    private let lock = NSLock()
    private var items: [String] = []
    func append(_ s: String) { lock.lock(); items.append(s); lock.unlock() }
    var values: [String] { lock.lock(); defer { lock.unlock() }; return items }
}

private final class ClosureStreamEventListenerBox: StreamEventListener, @unchecked Sendable {
    private let block: (StreamEvent) -> Bool
    init(_ block: @escaping (StreamEvent) -> Bool) { self.block = block }
    func onEvent(event: StreamEvent) -> Bool { block(event) }
}

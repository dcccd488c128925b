// The Sandbox as users meet it: the README's quickstart runs and the README shows it
// and the "Testing your app" example (AppTests.swift, run by XCTest as AskTests)
// verbatim; an app tested against a scripted 429 and FAILED answer in detail; the
// addresses and credentials, ClientConfig merged over the sandbox, oauth, every
// helper, bad actions and the stopped state. Prints the start-up time (not asserted).
import Foundation
import XCTest
@testable import MoveworksSDK

final class SandboxTests: XCTestCase {
    private let fast = WaitOptions(initialInterval: 0.02, maxInterval: 0.06)

    /// The file's text from `import MoveworksSDK` on, which the README must show verbatim.
    private func assertReadmeShows(_ file: String) throws {
        let source = try String(contentsOfFile: Simulator.repoRoot
            .appendingPathComponent("bindings/swift/Tests/MoveworksSDKTests/\(file)").path, encoding: .utf8)
        let start = try XCTUnwrap(source.range(of: "import MoveworksSDK\n"))
        let example = String(source[start.lowerBound...])
        let readme = try String(contentsOfFile: Simulator.repoRoot.appendingPathComponent("bindings/swift/README.md").path,
                                encoding: .utf8)
        XCTAssertTrue(readme.contains("```swift\n" + example + "```\n"), "bindings/swift/README.md must show \(file) verbatim")
    }

    func testReadmeQuickstartRunsAndIsShownVerbatim() throws {
        try quickstart()
        try assertReadmeShows("Quickstart.swift")
    }

    func testReadmeFormsExamplePressesAButtonAndSubmitsAFormAndIsShownVerbatim() throws {
        let result = try laptopRequest()
        XCTAssertEqual(result.status, .submitted)
        try assertReadmeShows("FormsExample.swift")
    }

    func testReadmeTestingExampleIsShownVerbatim() throws {
        try assertReadmeShows("AppTests.swift") // AskTests runs it
    }

    func testAnAppSurvivesA429AndReportsAFailedAnswer() throws {
        let sandbox = try Sandbox(options: SandboxOptions(responseDurationMs: 30))
        let client = try sandbox.client()
        try sandbox.fault("status", ["status": 429, "retry_after": "1", "method": "POST", "path_contains": "/responses"])
        let started = Date()
        XCTAssertFalse(try ask(client, "Who does John Doe report to?").isEmpty)
        XCTAssertGreaterThanOrEqual(Date().timeIntervalSince(started), 0.9, "Retry-After: 1 honoured")
        try sandbox.failNextResponse()
        let apology = try ask(client, "And who does she report to?")
        XCTAssertTrue(apology.hasPrefix("Sorry"), apology)
        let posts = try sandbox.requests(method: "POST", pathContains: "/responses")
        XCTAssertEqual(posts.map { $0["status"] as? Int }, [429, 202, 202])
        XCTAssertEqual(posts.map { $0["fault"] as? String }, ["status", nil, "response_failed"])
        for post in posts {
            XCTAssertEqual(post["user_agent"] as? String, client.userAgent())
            XCTAssertEqual(post["assistant_name"] as? String, "sandbox")
        }
        XCTAssertTrue(client.userAgent().contains("uniffi/"), client.userAgent())
        // The apology names the request id of the poll that saw FAILED: a logged root uuid.
        let rootUuids = try sandbox.requests(method: "GET").compactMap { $0["root_uuid"] as? String }
        XCTAssertTrue(rootUuids.contains { apology.contains($0) }, apology)
        let log = "\(try sandbox.requests())"
        XCTAssertFalse(log.contains(sandbox.token()) || log.contains(sandbox.clientSecret()))
    }

    func testAddressesAndCredentialsBuildAClientOfYourOwn() throws {
        let sandbox = try Sandbox(options: SandboxOptions(assistantName: "acme"))
        XCTAssertTrue(sandbox.origin().hasPrefix("http://127.0.0.1:"), sandbox.origin())
        XCTAssertTrue(sandbox.baseUrl().hasPrefix(sandbox.origin() + "/"), sandbox.baseUrl())
        XCTAssertTrue(sandbox.tokenUrl().hasPrefix(sandbox.origin() + "/"), sandbox.tokenUrl())
        XCTAssertEqual(sandbox.assistantName(), "acme")
        XCTAssertTrue(sandbox.isRunning())
        _ = try Client(config: ClientConfig(assistantName: "acme", baseUrl: sandbox.baseUrl(), bearerToken: sandbox.token()))
            .createConversation(title: nil)
        _ = try Client(config: ClientConfig(assistantName: "acme", baseUrl: sandbox.baseUrl(), clientId: sandbox.clientId(),
                                            clientSecret: sandbox.clientSecret(), tokenUrl: sandbox.tokenUrl()))
            .createConversation(title: nil)
    }

    func testClientConfigMergesOverTheSandbox() throws {
        let sandbox = try Sandbox()
        let client = try sandbox.client(config: ClientConfig(assistantName: sandbox.assistantName(), maxRetries: 0,
                                                             userAgentSuffix: "my-app/2.0"))
        XCTAssertEqual(client.baseUrl(), sandbox.baseUrl())
        XCTAssertTrue(client.userAgent().hasSuffix(" my-app/2.0"), client.userAgent())
        try sandbox.fault("status", ["status": 429, "retry_after": "1"])
        XCTAssertThrowsError(try client.createConversation(title: nil)) { error in
            guard case MoveworksError.RateLimit(let details) = error else { return XCTFail("\(error)") }
            XCTAssertEqual(details.retryAfter, 1)
        }
        XCTAssertEqual(try sandbox.requests(method: "POST").count, 1, "no retry with maxRetries 0")
    }

    func testOAuthSandboxHandsOutClientCredentialsAndRevokesTokens() throws {
        let sandbox = try Sandbox(options: SandboxOptions(oauth: true))
        let client = try sandbox.client()
        _ = try client.createConversation(title: nil)
        XCTAssertEqual(try sandbox.requests(pathContains: "/oauth").count, 1)
        XCTAssertEqual(try sandbox.revokeTokens()["revoked"] as? Int, 1)
        _ = try client.createConversation(title: nil) // refreshes after the 401
        XCTAssertEqual(try sandbox.requests(pathContains: "/oauth").count, 2)
    }

    func testHelpersAndAnyActionByName() throws {
        let sandbox = try Sandbox()
        XCTAssertEqual(try sandbox.configure(["response_duration_ms": 10])["response_duration_ms"] as? Int, 10)
        let client = try sandbox.client()
        let conversation = try client.createConversation(title: nil)
        _ = try client.createResponseAndWait(conversationId: conversation.conversationId, text: "hi",
                                             options: fast, cancel: nil, listener: nil)
        let event = try sandbox.injectEvent(conversationId: conversation.conversationId, text: "Your laptop is ready")
        XCTAssertEqual(event["conversation_id"] as? String, conversation.conversationId)
        let events = try client.listEvents(params: ListEventsParams()).events
        XCTAssertTrue(events.contains { event in
            if case .message(let message) = event.payload { return message.text == "Your laptop is ready" }
            return false
        }, "\(events)")
        XCTAssertTrue(try sandbox.feedback().isEmpty)
        XCTAssertFalse(try sandbox.requests().isEmpty)
        try sandbox.clearRequests()
        XCTAssertTrue(try sandbox.requests().isEmpty)
        XCTAssertEqual(try sandbox.run(action: "clear_requests", argsJson: ""), "{}")
        XCTAssertEqual((try sandbox.run("clear_requests") as? [String: Any])?.count, 0)
        XCTAssertEqual(Set(sandbox.actions()), ["fault", "fail_next_response", "configure", "inject_event",
                                                "user_token", "add_user_message", "expire_modals", "webhook",
                                                "webhook_deliveries", "revoke_tokens", "requests", "clear_requests",
                                                "feedback", "reset"])
        try sandbox.reset()
        XCTAssertEqual(try sandbox.configure()["response_duration_ms"] as? Int, 600, "start-up settings")
        for (call, argument) in [({ try sandbox.run("explode") }, "explode"),
                                 ({ try sandbox.run(action: "fault", argsJson: "{not json") }, "fault"),
                                 ({ try sandbox.fault("no-such-kind") }, "fault")] as [(() throws -> Any, String)] {
            XCTAssertThrowsError(try call()) { error in
                guard case MoveworksError.InvalidArgument(let details) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(details.argument, argument)
            }
        }
    }

    func testAStoppedSandboxFailsCleanly() throws {
        let sandbox = try Sandbox()
        let client = try sandbox.client()
        sandbox.stop()
        sandbox.stop()
        XCTAssertFalse(sandbox.isRunning())
        for call in [{ _ = try sandbox.requests() }, { _ = try sandbox.client() }] as [() throws -> Void] {
            XCTAssertThrowsError(try call()) { error in
                guard case MoveworksError.InvalidArgument(let details) = error else { return XCTFail("\(error)") }
                XCTAssertEqual(details.argument, "sandbox")
            }
        }
        XCTAssertThrowsError(try client.createConversation(title: nil)) { error in
            guard case MoveworksError.Connection = error else { return XCTFail("\(error)") }
        }
        XCTAssertFalse(sandbox.baseUrl().isEmpty)
    }

    func testStartupTime() throws {
        var times: [Double] = []
        for _ in 0..<20 {
            let started = Date()
            _ = try Sandbox() // released at once: started and stopped
            times.append(Date().timeIntervalSince(started) * 1e6)
        }
        times.sort()
        print(String(format: "Sandbox start-up (Swift): median %.0f µs over 20 starts (start and stop; min %.0f, max %.0f)",
                     (times[9] + times[10]) / 2, times[0], times[19]))
    }
}

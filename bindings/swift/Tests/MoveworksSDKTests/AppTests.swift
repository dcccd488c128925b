// The README's "Testing your app" example, verbatim from `import MoveworksSDK` to the
// end of this file (SandboxTests checks that bindings/swift/README.md shows it).
import MoveworksSDK
import XCTest

// Your app code: one question, one answer; a failed answer becomes an apology.
func ask(_ client: Client, _ question: String) throws -> String {
    let conversation = try client.createConversation(title: nil)
    do {
        let response = try client.createResponseAndWait(conversationId: conversation.conversationId, text: question,
                                                        options: WaitOptions(), cancel: nil, listener: nil)
        return response.assistantText() ?? ""
    } catch MoveworksError.ResponseFailed(let details) {
        return "Sorry, no answer this time (request \(details.response?.requestId ?? "?"))"
    }
}

// Your test.
final class AskTests: XCTestCase {
    func testAskRetriesRateLimitsAndApologizesForFailedAnswers() throws {
        let sandbox = try Sandbox(options: SandboxOptions(responseDurationMs: 50))
        let client = try sandbox.client()
        // The first POST of a message is answered 429 with Retry-After: 1; the SDK retries it.
        try sandbox.fault("status", ["status": 429, "retry_after": "1", "method": "POST", "path_contains": "/responses"])
        XCTAssertFalse(try ask(client, "Who does John Doe report to?").isEmpty)
        // The next answer ends FAILED: the app apologizes instead of crashing.
        try sandbox.failNextResponse()
        XCTAssertTrue(try ask(client, "And who does she report to?").hasPrefix("Sorry"))
        // What the app sent: three POSTs of a message, the first answered 429, all with the SDK's User-Agent.
        let posts = try sandbox.requests(method: "POST", pathContains: "/responses")
        XCTAssertEqual(posts.map { $0["status"] as? Int }, [429, 202, 202])
        XCTAssertTrue(posts.allSatisfy { $0["user_agent"] as? String == client.userAgent() && $0["authorized"] as? Bool == true })
        XCTAssertFalse("\(posts)".contains(sandbox.token()))   // the log never holds a credential
    }
}

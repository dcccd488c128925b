// The README's quickstart, verbatim from `import MoveworksSDK` to the end of this file
// (SandboxTests runs it and checks that bindings/swift/README.md shows it).
import MoveworksSDK

func quickstart() throws {
    let sandbox = try Sandbox()          // the simulator, in this process; it stops when released
    let client = try sandbox.client()    // real account: try Client(config: ClientConfig(assistantName: "…", clientId: "…", clientSecret: "…"))
    let conversation = try client.createConversation(title: "Quickstart")
    let response = try client.createResponseAndWait(
        conversationId: conversation.conversationId, text: "Who does John Doe report to?",
        options: WaitOptions(), cancel: nil, listener: nil)
    print(response.status.wireName, response.assistantText() ?? "")
}

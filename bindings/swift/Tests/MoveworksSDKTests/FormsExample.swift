// The README's "Buttons and forms" example, verbatim from `import MoveworksSDK` to the
// end of this file (SandboxTests runs it and checks that bindings/swift/README.md shows it).
import MoveworksSDK

func laptopRequest() throws -> ModalSubmitResult {
    let sandbox = try Sandbox()
    // rest/v1 on the sandbox: its bare origin, to which the client appends /rest/v1.
    let client = try sandbox.client(config: ClientConfig(assistantName: sandbox.assistantName(),
                                                         baseUrl: sandbox.origin(), apiVersion: "v1"))
    let conversationId = try client.createConversation(title: "New laptop").conversationId
    let answer = try client.createResponseAndWait(conversationId: conversationId, text: "I need a new laptop",
                                                  options: WaitOptions(), cancel: nil, listener: nil)
    guard let message = answer.assistantMessages().first else { fatalError("no answer") }
    print(message.text)
    for (i, button) in message.buttons.enumerated() { print("[\(i + 1)] \(button.label ?? "") (\(button.typeName))") }

    // A CALLBACK_ACTION: pressing it sends its callback id as the next turn.
    if let fileIt = message.buttons.first(where: { if case .callback = $0 { true } else { false } }) {
        let pressed = try client.press(conversationId: conversationId, action: fileIt)
        let done = try client.waitForResponse(conversationId: conversationId, responseId: pressed.responseId,
                                              options: WaitOptions(), cancel: nil, listener: nil)
        print(done.assistantText() ?? "")
    }

    // A MODAL_ACTION opens a form: get it, fill it in, submit it.
    guard let form = message.modals.first else { fatalError("no form") }
    var modal = try client.getModal(modal: form)
    print("form: \(modal.title ?? "")")
    guard let model = modal.field("model") else { fatalError("no model field") }
    var values = ["model": try model.value(fromText: "MacBook Pro")]
    // Choosing a model changes the form (a date field appears): refresh it with the values so far.
    if model.triggersRefresh { modal = try client.refreshModal(previous: modal, values: values) }
    values["reason"] = try modal.field("reason")?.value(fromText: "My old one broke")
    if let neededBy = modal.field("needed_by"), neededBy.visible { values["needed_by"] = try neededBy.value(fromText: "2027-01-15") }
    let result = try client.submitModal(modal: form, values: values)
    print("submit: \(result.toJson())")
    return result
}

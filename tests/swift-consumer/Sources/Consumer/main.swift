// One full turn, as an app would write it: configuration from the environment,
// create a conversation, ask, wait for the answer, print it with its markers.
import Foundation
import MoveworksSDK

let env = ProcessInfo.processInfo.environment
guard let assistant = env["MOVEWORKS_ASSISTANT_NAME"], let token = env["MOVEWORKS_TOKEN"] else {
    FileHandle.standardError.write(Data("set MOVEWORKS_ASSISTANT_NAME and MOVEWORKS_TOKEN\n".utf8))
    exit(2)
}
do {
    let client = try Client(config: ClientConfig(assistantName: assistant, baseUrl: env["MOVEWORKS_BASE_URL"],
                                                 bearerToken: token))
    let conversation = try client.createConversation(title: "Swift consumer")
    let response = try client.createResponseAndWait(conversationId: conversation.conversationId,
                                                    text: "Who does John Doe report to?",
                                                    options: WaitOptions(), cancel: nil, listener: nil)
    guard let answer = response.assistantMessages().first else {
        FileHandle.standardError.write(Data("no assistant message in \(response.responseId)\n".utf8))
        exit(1)
    }
    print("status: \(response.status.wireName)")
    print(answer.textWithCitationMarkers())
} catch let error as MoveworksError {
    FileHandle.standardError.write(Data("\(error.kind): \(error.details.message)\n".utf8))
    exit(1)
}

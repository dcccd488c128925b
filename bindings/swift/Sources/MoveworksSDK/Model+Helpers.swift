// Hand-written: the core's model helpers as methods of the generated model types
// (MoveworksModel.swift). uniffi 0.29 cannot export methods on records, so the
// Rust side exports them as functions (MoveworksSDK.swift); these only forward.

extension Response {
    /// The assistant's answer: its final messages' text joined by blank lines, or nil.
    public func assistantText() -> String? { responseAssistantText(response: self) }

    /// The final messages written by the assistant, in output order.
    public func assistantMessages() -> [Message] { responseAssistantMessages(response: self) }

    /// True for a terminal status (COMPLETED or FAILED).
    public var isTerminal: Bool { responseIsTerminal(response: self) }

    /// The response as the API's JSON (unknown variants verbatim).
    public func toJson() -> String { responseToJson(response: self) }

    /// Reads a response from the API's JSON (e.g. one cached by `toJson()`).
    public static func fromJson(_ json: String) throws -> Response { try responseFromJson(json: json) }
}

extension Message {
    /// The message text (for unknown content types, a best-effort read).
    public var text: String { messageText(message: self) }

    /// The message text with `[1]`, `[2]`, … inserted where `contentReferences` place each
    /// citation (character offsets; `[n]` is the citation's position in `citations`,
    /// references at one offset each get a marker). Messages without content references
    /// fall back to the deprecated `Citation.offset`.
    public func textWithCitationMarkers() -> String { messageTextWithCitationMarkers(message: self) }

    /// The message as the API's JSON (unknown content verbatim; `feedback` when the server sent it).
    public func toJson() -> String { messageToJson(message: self) }
}

extension MessagePage {
    /// The page as the API's JSON (`{"messages": […], "metadata": {"next_cursor": …}}`).
    public func toJson() -> String { messagePageToJson(page: self) }
}

extension FeedbackResult {
    /// The feedback answer as the API's JSON (`{"status": "SUBMITTED"}`).
    public func toJson() -> String { feedbackResultToJson(result: self) }
}

extension FeedbackStatus {
    /// The wire spelling, e.g. `"SUBMITTED"` (unknown values verbatim).
    public var wireName: String { feedbackStatusWireName(status: self) }
}

extension ResponseStatus {
    /// The wire spelling, e.g. `"IN_PROGRESS"` (unknown values verbatim).
    public var wireName: String { responseStatusWireName(status: self) }
}

extension Conversation {
    /// The conversation as the API's JSON.
    public func toJson() -> String { conversationToJson(conversation: self) }
}

extension ConversationPage {
    /// The page as the API's JSON (`{"conversations": […], "metadata": {"next_cursor": …}}`).
    public func toJson() -> String { conversationPageToJson(page: self) }
}

extension Event {
    /// The event as the API's JSON (unknown payloads verbatim).
    public func toJson() -> String { eventToJson(event: self) }
}

extension EventPage {
    /// The page as the API's JSON (`{"events": […], "metadata": {"next_cursor": …}}`).
    public func toJson() -> String { eventPageToJson(page: self) }
}

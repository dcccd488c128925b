// Hand-written: the rest/v1 model helpers (buttons, forms, their JSON) as methods of the
// generated model types, and the explicit-input overloads of the turn calls. Each only
// forwards to an exported core helper or a generated `*With` call (uniffi 0.29 cannot
// export methods on records, nor overloads).

extension Message {
    /// The message's buttons (its `actions`), in the order to render them.
    public var buttons: [Action] { messageButtons(message: self) }

    /// True when a human agent wrote the message (`LIVE_AGENT`); `senderInfo` says who.
    public var isLiveAgent: Bool { messageIsLiveAgent(message: self) }

    /// The form a `.modal` action of this message opens, for `Client.getModal` and
    /// `Client.submitModal`; nil for any other action. Modal ids are minted per message
    /// read: use the copy you just read.
    public func modalRef(_ action: Action) -> ModalRef? { messageModalRef(message: self, action: action) }

    /// The forms this message offers, one per `.modal` action, in order.
    public var modals: [ModalRef] { messageModals(message: self) }
}

extension Action {
    /// The wire type, e.g. `"CALLBACK_ACTION"` (an unknown one's as sent).
    public var typeName: String { actionTypeName(action: self) }

    /// What the button shows (nil only for an unknown action without one).
    public var label: String? { actionLabel(action: self) }

    /// The action as the API's JSON.
    public func toJson() -> String { actionToJson(action: self) }

    /// Reads an action from the API's JSON.
    public static func fromJson(_ json: String) throws -> Action { try actionFromJson(json: json) }
}

extension Modal {
    /// The form as the API's JSON (`{"modal_id", "title", "fields": […]}`).
    public func toJson() -> String { modalToJson(modal: self) }

    /// Reads a form from the API's JSON; give it its `source` before refreshing it.
    public static func fromJson(_ json: String) throws -> Modal { try modalFromJson(json: json) }

    /// The field named `name`, or nil.
    public func field(_ name: String) -> ModalField? { modalField(modal: self, name: name) }
}

extension ModalField {
    /// The value this field takes from text a person typed (`TEXT`, `DATE`, `DATETIME` as
    /// is; `BOOLEAN` from true/false/yes/no; a `CHOICE` as its option's value or display
    /// value). Other kinds throw `MoveworksError.InvalidArgument` naming the field.
    public func value(fromText text: String) throws -> ModalValue {
        try modalFieldValueFromText(field: self, text: text)
    }

    /// The wire type, e.g. `"CHOICE"`.
    public var typeName: String { modalFieldTypeName(field: self) }
}

extension ModalValue {
    /// A value from its wire JSON (`{"option": "mac"}`); other JSON is kept as `.raw`.
    public static func fromWire(_ json: String) throws -> ModalValue { try modalValueFromWire(json: json) }

    /// The value's wire JSON.
    public func toWire() throws -> String { try modalValueToWire(value: self) }
}

extension ModalSubmitResult {
    /// The acknowledgement as the API's JSON (`{"status": "SUBMITTED", …}`).
    public func toJson() -> String { modalSubmitResultToJson(result: self) }
}

extension Client {
    /// `createResponse` with an explicit `Input` (chat, text, a button's callback id, raw JSON).
    public func createResponse(conversationId: String, input: Input) throws -> Response {
        try createResponseWith(conversationId: conversationId, input: input)
    }

    /// Non-blocking `createResponse(conversationId:input:)`.
    public func createResponseAsync(conversationId: String, input: Input) async throws -> Response {
        try await createResponseWithAsync(conversationId: conversationId, input: input)
    }

    /// `createResponseAndWait` with an explicit `Input`. BLOCKS the calling thread for the whole wait.
    public func createResponseAndWait(conversationId: String, input: Input, options: WaitOptions = WaitOptions(),
                                      cancel: CancelHandle? = nil,
                                      listener: ResponseUpdateListener? = nil) throws -> Response {
        try createResponseAndWaitWith(conversationId: conversationId, input: input, options: options,
                                      cancel: cancel, listener: listener)
    }

    /// Non-blocking `createResponseAndWait(conversationId:input:…)`.
    public func createResponseAndWaitAsync(conversationId: String, input: Input, options: WaitOptions = WaitOptions(),
                                           cancel: CancelHandle? = nil,
                                           listener: ResponseUpdateListener? = nil) async throws -> Response {
        try await createResponseAndWaitWithAsync(conversationId: conversationId, input: input, options: options,
                                                 cancel: cancel, listener: listener)
    }

    /// `streamResponse(conversationId:text:options:)` with an explicit `Input`: the same
    /// sequence, the same rules (no thread of the caller's waits).
    public func streamResponse(conversationId: String, input: Input,
                               options: StreamOptions = StreamOptions()) -> AsyncThrowingStream<StreamEvent, Error> {
        streamEvents {
            try self.startStreamResponseWith(conversationId: conversationId, input: input, options: options, cancel: nil)
        }
    }
}

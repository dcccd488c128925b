// The rest/v1 calls of tests/conformance/v1-scenarios.json (its README section "rest/v1
// scenarios"), through the public API as an app makes them: explicit inputs, press, get
// event, forms, webhook deliveries and the events follower. ConformanceTests runs them.
import Foundation
import MoveworksSDK

/// A turn's input: nil for `text` (a typed turn), else `input`, one of chat / text / callback_id / raw.
func conformanceInput(_ a: JSON) throws -> Input? {
    guard let spec = a["input"]?.object else { return nil }
    guard spec.count == 1, let (kind, value) = spec.first else {
        throw ScenarioFailure(description: "input takes exactly one key")
    }
    let text = { () throws -> String in
        guard let s = value.string else { throw ScenarioFailure(description: "input.\(kind) must be a string") }
        return s
    }
    switch kind {
    case "chat": return .chat(text: try text())
    case "text": return .text(text: try text())
    case "callback_id": return .callback(callbackId: try text())
    case "raw": return .raw(json: value.description)
    default: throw ScenarioFailure(description: "unknown input kind \(kind)")
    }
}

/// Performs one rest/v1 call; its result as parsed wire JSON, nil when `name` is not one.
func conformanceV1Call(_ c: Client, _ name: String, _ a: JSON, checkpoints: URL) throws -> JSON? {
    func required(_ key: String) throws -> String {
        guard let v = a[key]?.string else { throw ScenarioFailure(description: "missing arg \(key)") }
        return v
    }
    func modalRef() throws -> ModalRef {
        ModalRef(conversationId: try required("conversation_id"), responseId: try required("response_id"),
                 messageId: try required("message_id"), modalId: try required("modal_id"))
    }
    func values() throws -> [String: ModalValue] {
        guard let values = a["values"]?.object else { throw ScenarioFailure(description: "missing values") }
        return try values.mapValues { try ModalValue.fromWire($0.description) }
    }
    switch name {
    case "press":
        let action = try Action.fromJson((a["action"] ?? .null).description)
        return try JSON.parse(c.press(conversationId: required("conversation_id"), action: action).toJson())
    case "get_event":
        return try JSON.parse(c.getEvent(conversationId: required("conversation_id"), eventId: required("event_id")).toJson())
    case "get_modal":
        return try JSON.parse(c.getModal(modal: modalRef()).toJson())
    case "refresh_modal":
        // The saved modal, with where it was fetched from, as refreshModal takes it.
        let saved = try Modal.fromJson((a["previous"] ?? .null).description)
        let previous = Modal(modalId: saved.modalId, title: saved.title, fields: saved.fields, source: try modalRef())
        return try JSON.parse(c.refreshModal(previous: previous, values: values()).toJson())
    case "submit_modal":
        return try JSON.parse(c.submitModal(modal: modalRef(), values: values()).toJson())
    case "webhook_message":
        // The raw body as a handler receives it; a JSON value stands for its encoding.
        guard let body = a["body"] else { throw ScenarioFailure(description: "missing body") }
        let delivery = try WebhookDelivery.parse(body.string ?? body.description)
        let event = try delivery.fetch(client: c)
        return .object([
            "delivery": .object([
                "id": .string(delivery.id()), "conversation_id": .string(delivery.conversationId()),
                "user_id": .string(delivery.userId()), "event_type": delivery.eventType().map { .string($0) } ?? .null,
            ]),
            "event": try JSON.parse(event.toJson()),
        ])
    case "follow_events":
        return try followEvents(c, a, checkpoint: checkpoints.appendingPathComponent(required("checkpoint")))
    default:
        return nil
    }
}

/// A new follower (as after a restart) on the file checkpoint, polled once; its handler takes
/// the first `handle` events and refuses the next. The events handled and the checkpoint after.
private func followEvents(_ c: Client, _ a: JSON, checkpoint: URL) throws -> JSON {
    let options = FollowOptions(replay: a["replay"]?.bool, pageSize: a["page_size"]?.number.map { UInt32($0) })
    let handle = a["handle"]?.number.map { Int($0) } ?? Int.max
    let follower = try c.followEvents(checkpointPath: checkpoint.path, options: options)
    let handled = Handled()
    try follower.pollOnce { event in handled.take(event, upTo: handle) }
    return .object(["events": .array(try handled.events()), "checkpoint": follower.checkpoint().map { .string($0) } ?? .null])
}

/// The events a follower's handler took (it is called on the polling thread).
private final class Handled: @unchecked Sendable {
    private let lock = NSLock()
    private var taken: [Event] = []

    func take(_ event: Event, upTo limit: Int) -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard taken.count < limit else { return false }
        taken.append(event)
        return true
    }

    func events() throws -> [JSON] {
        lock.lock()
        defer { lock.unlock() }
        return try taken.map { try JSON.parse($0.toJson()) }
    }
}

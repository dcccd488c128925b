//! What `rest/v1` adds to a [`Message`](crate::Message): its buttons ([`Action`]), the
//! "Get Help" menu ([`Handoff`]), who a live agent is ([`SenderInfo`]) and the files of
//! a user message ([`FileRef`]). Every enum keeps unknown values; unknown fields are ignored.

use serde::de::Deserializer;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};
use crate::input::Input;
use crate::model::{null_as_empty, Content};

/// One button of an assistant message (`actions[]`), tagged by `type`; render them in
/// the order received. Every kind has a `label` (button or link text, may hold emoji
/// shortcodes such as `:point_right:`); several actions may share one label.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum Action {
    /// `CALLBACK_ACTION`: pressing it sends `callback_id` as the next turn's input
    /// ([`Client::press`](crate::Client::press); in Rust also `Input::Callback`).
    Callback {
        /// The button text.
        label: String,
        /// Opaque; pass it back exactly as received.
        callback_id: String,
    },
    /// `URL_ACTION`: a link to open (often an `app.moveworks.ai/r?…` short link).
    Url {
        /// The link text.
        label: String,
        /// Where it goes.
        url: String,
    },
    /// `MODAL_ACTION`: opens a form ([`Client::get_modal`](crate::Client::get_modal)).
    /// Modal ids are minted per message read: use the id of the copy you just read.
    Modal {
        /// The button text.
        label: String,
        /// Opaque; pass it back exactly as received.
        modal_id: String,
    },
    /// An action type this SDK version does not know (or a known one without its
    /// payload), kept raw.
    Unknown {
        /// The wire `type` (`""` when absent).
        type_name: String,
        /// Its `label`, when it has one.
        label: Option<String>,
        /// The whole action as JSON text, exactly as received.
        raw_json: String,
    },
}

impl Action {
    /// The `type` values this SDK version decodes into a known variant.
    pub const KNOWN: &'static [&'static str] = &["CALLBACK_ACTION", "URL_ACTION", "MODAL_ACTION"];

    /// The wire name of the action type, e.g. `"CALLBACK_ACTION"`.
    pub fn type_name(&self) -> &str {
        match self {
            Action::Callback { .. } => "CALLBACK_ACTION",
            Action::Url { .. } => "URL_ACTION",
            Action::Modal { .. } => "MODAL_ACTION",
            Action::Unknown { type_name, .. } => type_name,
        }
    }

    /// The button or link text (`None` only for an unknown action without one).
    pub fn label(&self) -> Option<&str> {
        match self {
            Action::Callback { label, .. } | Action::Url { label, .. } | Action::Modal { label, .. } => Some(label),
            Action::Unknown { label, .. } => label.as_deref(),
        }
    }

    /// The turn that presses this button: [`Input::Callback`] with its callback id.
    /// A URL action (open its `url`), a modal action (open the form with
    /// [`Client::get_modal`](crate::Client::get_modal)) or an unknown one is
    /// `invalid_argument` naming `action`.
    pub fn input(&self) -> Result<Input> {
        match self {
            Action::Callback { callback_id, .. } => Ok(Input::Callback(callback_id.clone())),
            Action::Url { url, label } => Err(Error::invalid_argument(
                "action",
                format_args!("{label:?} is a URL_ACTION: open its url ({url}) instead of pressing it"),
            )),
            Action::Modal { label, .. } => Err(Error::invalid_argument(
                "action",
                format_args!("{label:?} is a MODAL_ACTION: open its form with get_modal instead of pressing it"),
            )),
            Action::Unknown { type_name, .. } => Err(Error::invalid_argument(
                "action",
                format_args!("{type_name:?} is an action type this SDK does not know how to press; send Input::Raw"),
            )),
        }
    }
}

#[derive(Deserialize)]
struct CallbackBody {
    callback_id: String,
}
#[derive(Deserialize)]
struct UrlBody {
    url: String,
}
#[derive(Deserialize)]
struct ModalBody {
    modal_id: String,
}

impl<'de> Deserialize<'de> for Action {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        let value = Value::deserialize(d)?;
        Ok(Action::from_value(value))
    }
}

impl Action {
    /// Never fails: anything that is not a complete known action is kept as `Unknown`.
    fn from_value(value: Value) -> Action {
        let type_name = value.get("type").and_then(Value::as_str).unwrap_or_default().to_owned();
        let label = value.get("label").and_then(Value::as_str).map(str::to_owned);
        let body = |field: &str| value.get(field).cloned().unwrap_or(Value::Null);
        let known = match (type_name.as_str(), &label) {
            ("CALLBACK_ACTION", Some(label)) => serde_json::from_value::<CallbackBody>(body("callback_action"))
                .ok()
                .map(|b| Action::Callback { label: label.clone(), callback_id: b.callback_id }),
            ("URL_ACTION", Some(label)) => serde_json::from_value::<UrlBody>(body("url_action"))
                .ok()
                .map(|b| Action::Url { label: label.clone(), url: b.url }),
            ("MODAL_ACTION", Some(label)) => serde_json::from_value::<ModalBody>(body("modal_action"))
                .ok()
                .map(|b| Action::Modal { label: label.clone(), modal_id: b.modal_id }),
            _ => None,
        };
        known.unwrap_or_else(|| Action::Unknown { type_name, label, raw_json: value.to_string() })
    }
}

impl Serialize for Action {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        let (field, inner) = match self {
            Action::Callback { callback_id, .. } => {
                ("callback_action", serde_json::json!({ "callback_id": callback_id }))
            }
            Action::Url { url, .. } => ("url_action", serde_json::json!({ "url": url })),
            Action::Modal { modal_id, .. } => ("modal_action", serde_json::json!({ "modal_id": modal_id })),
            Action::Unknown { raw_json, .. } => {
                let value: Value = serde_json::from_str(raw_json).map_err(serde::ser::Error::custom)?;
                return value.serialize(s);
            }
        };
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("type", self.type_name())?;
        map.serialize_entry("label", &self.label())?;
        map.serialize_entry(field, &inner)?;
        map.end()
    }
}

/// Actions: `null` or missing is empty; every entry decodes (unknown ones kept raw).
pub(crate) fn lenient_actions<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Vec<Action>, D::Error> {
    let raw = Option::<Vec<Value>>::deserialize(d)?.unwrap_or_default();
    Ok(raw.into_iter().map(Action::from_value).collect())
}

/// Who a `LIVE_AGENT` message is from (`sender_info`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct SenderInfo {
    /// The agent's name as shown to the user.
    #[serde(default)]
    pub display_name: String,
    /// The agent's picture, when there is one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub avatar_url: Option<String>,
}

/// A file attached to a user's `PLAIN_TEXT` message (`plain_text.files[]`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct FileRef {
    /// The file's id.
    #[serde(default)]
    pub file_id: String,
    /// Its name, when the server sends one (it may not).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub file_name: Option<String>,
}

/// The "Get Help" menu of an assistant message (`handoff`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Handoff {
    /// Its categories, in order (`handoff_categories`).
    #[serde(rename = "handoff_categories", default, deserialize_with = "null_as_empty")]
    pub categories: Vec<HandoffCategory>,
}

/// One category of a [`Handoff`] menu (e.g. `:computer: IT`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HandoffCategory {
    /// Its id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub category_id: Option<String>,
    /// Its name (may hold emoji shortcodes).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// What it covers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Its entries, in order (`handoff_items`).
    #[serde(rename = "handoff_items", default, deserialize_with = "null_as_empty")]
    pub items: Vec<HandoffItem>,
}

/// One entry of a [`HandoffCategory`]: a button (`ACTION`, with `action`) or a text
/// (`TEXT`, with `text`).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct HandoffItem {
    /// The entry's title.
    #[serde(default)]
    pub title: String,
    /// `ACTION`, `TEXT` or an unknown type (kept).
    #[serde(rename = "type", default)]
    pub item_type: HandoffItemType,
    /// The button of an `ACTION` entry (press it like a message's actions).
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "lenient_action")]
    pub action: Option<Action>,
    /// The text of a `TEXT` entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub text: Option<Content>,
}

fn lenient_action<'de, D: Deserializer<'de>>(d: D) -> std::result::Result<Option<Action>, D::Error> {
    Ok(Option::<Value>::deserialize(d)?.filter(|v| !v.is_null()).map(Action::from_value))
}

/// The type of a [`HandoffItem`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum HandoffItemType {
    /// `ACTION`: the entry is a button (`action`).
    Action,
    /// `TEXT`: the entry is a text (`text`).
    Text,
    /// A type this SDK version does not know, kept verbatim.
    Unknown {
        /// The wire value.
        raw: String,
    },
}

impl Default for HandoffItemType {
    fn default() -> Self {
        HandoffItemType::Unknown { raw: String::new() }
    }
}

crate::model::string_enum!(HandoffItemType {
    Action => "ACTION",
    Text => "TEXT",
});

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn actions_decode_in_order_and_round_trip() {
        let wire = json!([
            {"type": "CALLBACK_ACTION", "label": "File it", "callback_action": {"callback_id": "cb_opaque_A1"}},
            {"type": "MODAL_ACTION", "label": "Edit details", "modal_action": {"modal_id": "modal_opaque_B2"}},
            {"type": "URL_ACTION", "label": "Open portal", "url_action": {"url": "https://app.moveworks.ai/r?v2_example"}},
            {"type": "SHARE_ACTION", "label": "Share", "share_action": {"to": "x"}},
            {"type": "CALLBACK_ACTION", "label": "No payload"}
        ]);
        let actions: Vec<Action> = serde_json::from_value(wire.clone()).unwrap();
        assert_eq!(actions[0], Action::Callback { label: "File it".into(), callback_id: "cb_opaque_A1".into() });
        assert_eq!(actions[1], Action::Modal { label: "Edit details".into(), modal_id: "modal_opaque_B2".into() });
        assert!(matches!(&actions[2], Action::Url { url, .. } if url == "https://app.moveworks.ai/r?v2_example"));
        assert!(
            matches!(&actions[3], Action::Unknown { type_name, label: Some(l), .. } if type_name == "SHARE_ACTION" && l == "Share")
        );
        assert!(matches!(&actions[4], Action::Unknown { type_name, .. } if type_name == "CALLBACK_ACTION"));
        assert_eq!(serde_json::to_value(&actions).unwrap(), wire);
        assert_eq!(actions[0].input().unwrap(), Input::Callback("cb_opaque_A1".into()));
        for a in &actions[1..] {
            assert_eq!(a.input().unwrap_err().argument(), Some("action"));
        }
    }

    #[test]
    fn handoff_menu_decodes() {
        let wire = json!({"handoff_categories": [
            {"category_id": "it", "name": ":computer: IT", "description": "Hardware, access, VPN",
             "handoff_items": [
               {"title": "Talk to an agent", "type": "ACTION", "action": {"type": "CALLBACK_ACTION", "label": "Talk to an agent", "callback_action": {"callback_id": "cb_opaque_C3"}}},
               {"title": "Service hours", "type": "TEXT", "text": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Mon–Fri"}}},
               {"title": "Later", "type": "VIDEO"}
             ]}
        ]});
        let h: Handoff = serde_json::from_value(wire.clone()).unwrap();
        let items = &h.categories[0].items;
        assert_eq!(h.categories[0].name.as_deref(), Some(":computer: IT"));
        assert_eq!(items[0].item_type, HandoffItemType::Action);
        assert_eq!(items[0].action.as_ref().unwrap().input().unwrap(), Input::Callback("cb_opaque_C3".into()));
        assert_eq!(items[1].item_type, HandoffItemType::Text);
        assert_eq!(items[1].text.as_ref().unwrap().text(), Some("Mon–Fri"));
        assert_eq!(items[2].item_type, HandoffItemType::Unknown { raw: "VIDEO".into() });
        assert_eq!(serde_json::to_value(&h).unwrap(), wire);
    }
}

/// The notes' example messages (API-V1-NOTES.md, section 3), decoded whole.
#[cfg(test)]
mod message_tests {
    use crate::model::{Actor, Content, Message};
    use crate::{Action, Input};
    use serde_json::json;

    #[test]
    fn assistant_message_with_every_addition() {
        let wire = json!({
          "message_id": "msg_4Fq9ZkP2vR8sT1uW3xY5a", "conversation_id": "conv_7Hk2LmN4pQ6rS8tU0vW1b",
          "response_id": "resp_9Jc3KdE5fG7hI1jK3lM5c", "actor": "ASSISTANT", "created_at": "2026-11-30T09:14:05.482113Z",
          "content": {"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Your VPN profile expired.\n\nShall I file it for you?"}},
          "citations": [{"citation_id": "cite_2Wn8Rt4Yp6", "url": "https://intranet.example.com/kb/KB0042"}],
          "content_references": [{"citation_id": "cite_2Wn8Rt4Yp6", "offset": 25}],
          "actions": [
            {"type": "CALLBACK_ACTION", "label": "File it", "callback_action": {"callback_id": "cb_opaque_A1"}},
            {"type": "MODAL_ACTION", "label": "Edit details", "modal_action": {"modal_id": "modal_opaque_B2"}},
            {"type": "URL_ACTION", "label": "Open portal", "url_action": {"url": "https://app.moveworks.ai/r?v2_example"}}
          ],
          "handoff": {"handoff_categories": [{"category_id": "it", "name": ":computer: IT", "description": "Hardware, access, VPN",
             "handoff_items": [{"title": "Talk to an agent", "type": "ACTION", "action": {"type": "CALLBACK_ACTION", "label": "Talk to an agent", "callback_action": {"callback_id": "cb_opaque_C3"}}}]}]},
          "feedback": {"helpful": {"callback_id": "fb_opaque_up"}, "unhelpful": {"callback_id": "fb_opaque_down"}}
        });
        let m: Message = serde_json::from_value(wire).unwrap();
        let labels: Vec<_> = m.buttons().iter().map(|a| a.label().unwrap()).collect();
        assert_eq!(labels, ["File it", "Edit details", "Open portal"]);
        assert_eq!(m.buttons()[0].input().unwrap(), Input::Callback("cb_opaque_A1".into()));
        assert_eq!(m.handoff.as_ref().unwrap().categories[0].items[0].title, "Talk to an agent");
        assert!(!m.is_live_agent() && m.sender_info.is_none() && m.files().is_empty());
        // Written back, it decodes to the same message.
        let again: Message = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn user_attachments_press_and_live_agent() {
        let base = |actor: &str, content: serde_json::Value| {
            json!({"message_id": "m", "conversation_id": "c", "response_id": "r", "actor": actor,
                   "created_at": "2026-11-30T09:13:58.001204Z", "content": content})
        };
        let files: Message = serde_json::from_value(base(
            "USER",
            json!({"type": "PLAIN_TEXT", "plain_text": {"text": "VPN fails, screenshot attached",
                   "files": [{"file_id": "file_8Zq1", "file_name": "vpn-error.png"}, {"file_id": "file_8Zq2"}]}}),
        ))
        .unwrap();
        assert_eq!(files.files().len(), 2);
        assert_eq!(files.files()[0].file_name.as_deref(), Some("vpn-error.png"));
        assert_eq!(files.files()[1].file_name, None);
        assert_eq!(files.text(), "VPN fails, screenshot attached");
        let press: Message = serde_json::from_value(base(
            "USER",
            json!({"type": "CALLBACK_ACTION_CONTENT", "callback_action": {"callback_id": "cb_opaque_A1"}}),
        ))
        .unwrap();
        assert_eq!(press.content, Content::CallbackAction { callback_id: Some("cb_opaque_A1".into()) });
        let bare: Message = serde_json::from_value(base("USER", json!({"type": "CALLBACK_ACTION_CONTENT"}))).unwrap();
        assert_eq!(bare.content, Content::CallbackAction { callback_id: None });
        assert_eq!(serde_json::to_value(&bare.content).unwrap(), json!({"type": "CALLBACK_ACTION_CONTENT"}));
        assert_eq!(bare.text(), "");
        let mut agent = base("LIVE_AGENT", json!({"type": "MARKDOWN_TEXT", "markdown_text": {"text": "Hi"}}));
        agent["sender_info"] = json!({"display_name": "Priya Raman", "avatar_url": "https://cdn.example.com/p.png"});
        let agent: Message = serde_json::from_value(agent).unwrap();
        assert!(agent.is_live_agent());
        assert_eq!(agent.actor, Actor::LiveAgent);
        assert_eq!(agent.sender_info.unwrap().display_name, "Priya Raman");
        let actions: Vec<Action> = serde_json::from_value(json!(null)).unwrap_or_default();
        assert!(actions.is_empty());
    }

    #[test]
    fn events_carry_created_at_on_v1_only() {
        let v1: crate::Event = serde_json::from_value(json!({"event_id": "evt_1", "conversation_id": "c",
            "created_at": "2026-11-30T09:14:05Z", "event_payload": {"type": "MESSAGE_EVENT"}}))
        .unwrap();
        assert!(v1.created_at.is_some());
        let beta: crate::Event = serde_json::from_value(json!({"event_id": "evt_1", "conversation_id": "c",
            "event_payload": {"type": "MESSAGE_EVENT"}}))
        .unwrap();
        assert!(beta.created_at.is_none());
        assert!(serde_json::to_value(&beta).unwrap().get("created_at").is_none());
    }
}

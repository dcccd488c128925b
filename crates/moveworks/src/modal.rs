//! Forms (`rest/v1` modals): [`Client::get_modal`], [`Client::refresh_modal`] (with the
//! published refresh rule built in) and [`Client::submit_modal`].
//!
//! The field and value shapes are those Moveworks' demo app reads and writes (the
//! published modal schema was not readable): field kinds `DISPLAY`, `TEXT`, `DATE`,
//! `DATETIME`, `BOOLEAN`, `CHOICE`, `FILE`, each with its configuration under the
//! lower-cased type name; any other kind is kept raw.

use std::collections::HashMap;

use serde::de::Deserializer;
use serde::ser::Serializer;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

use crate::client::Client;
use crate::error::{Error, ErrorKind, Result};
use crate::model::{null_as_empty, string_enum, Action, HttpHeaders, Message, Traced};
use crate::transport::Method;
use crate::validate;

/// Where a form lives: the message that offered it and the `modal_id` of its
/// `MODAL_ACTION`. Modal ids are minted per message read: take a fresh one from the
/// copy of the message you just read (in Rust, `Message::modal_ref`).
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ModalRef {
    /// The message's conversation.
    pub conversation_id: String,
    /// The message's response.
    pub response_id: String,
    /// The message.
    pub message_id: String,
    /// The opaque id of the form, exactly as received.
    pub modal_id: String,
}

impl Message {
    /// The form a `MODAL_ACTION` of this message opens; `None` for any other action.
    pub fn modal_ref(&self, action: &Action) -> Option<ModalRef> {
        match action {
            Action::Modal { modal_id, .. } => Some(ModalRef {
                conversation_id: self.conversation_id.clone(),
                response_id: self.response_id.clone(),
                message_id: self.message_id.clone(),
                modal_id: modal_id.clone(),
            }),
            _ => None,
        }
    }

    /// The forms this message offers, one per `MODAL_ACTION`, in order.
    pub fn modals(&self) -> Vec<ModalRef> {
        self.actions.iter().filter_map(|a| self.modal_ref(a)).collect()
    }
}

/// A form, as get modal and refresh modal return it.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct Modal {
    /// Its id, exactly as received.
    pub modal_id: String,
    /// Its title (may hold emoji shortcodes); refresh never changes it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// Its fields, in the order to render them; `visible`, `required` and `read_only`
    /// are already resolved by the server.
    #[serde(default, deserialize_with = "null_as_empty")]
    pub fields: Vec<ModalField>,
    /// Where it was fetched from (set by [`Client::get_modal`] and
    /// [`Client::refresh_modal`]; not part of the wire JSON).
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub source: Option<ModalRef>,
    /// The trace id of the HTTP answer this value came from; not wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of that HTTP answer; not wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

impl Modal {
    /// The field named `name`.
    pub fn field(&self, name: &str) -> Option<&ModalField> {
        self.fields.iter().find(|f| f.name == name)
    }

    /// The fields to render (`visible`), in order.
    pub fn visible_fields(&self) -> impl Iterator<Item = &ModalField> {
        self.fields.iter().filter(|f| f.visible)
    }
}

/// One field of a [`Modal`].
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ModalField {
    /// The key of its value in `values`.
    pub name: String,
    /// What it asks for, and its configuration.
    pub kind: ModalFieldKind,
    /// Its label.
    pub label: Option<String>,
    /// Help text.
    pub description: Option<String>,
    /// Whether to render it (default `true`); hidden fields are neither required nor submitted.
    pub visible: bool,
    /// Whether a value is required.
    pub required: bool,
    /// Whether the user may change it.
    pub read_only: bool,
    /// Whether changing it calls for [`Client::refresh_modal`] with all current values.
    pub triggers_refresh: bool,
}

/// A field's kind, with the configuration of that kind.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ModalFieldKind {
    /// `DISPLAY`: shown, never submitted.
    Display {
        /// `display.text.text` (may contain HTML such as `<a href>` or `<br>`).
        text: Option<String>,
        /// `display.text.style`: `HEADER`, `SUBTLE`, `NORMAL` (the default) or another.
        style: Option<String>,
        /// The whole `display` object as JSON text (images, downloads, …).
        config_json: String,
    },
    /// `TEXT`: value [`ModalValue::Text`].
    Text {
        /// Several lines.
        multiline: bool,
        /// The value to start with.
        prefill: Option<String>,
    },
    /// `DATE` (`YYYY-MM-DD`): value [`ModalValue::Date`].
    Date {
        /// The value to start with.
        prefill: Option<String>,
    },
    /// `DATETIME` (ISO 8601): value [`ModalValue::Datetime`].
    Datetime {
        /// The value to start with.
        prefill: Option<String>,
    },
    /// `BOOLEAN`: value [`ModalValue::Bool`].
    Boolean {
        /// The value to start with.
        prefill: Option<bool>,
    },
    /// `CHOICE`: value [`ModalValue::Option`] (or [`ModalValue::Options`] when `multi`).
    Choice {
        /// Several options may be chosen.
        multi: bool,
        /// The user may type a value of their own.
        allows_free_input: bool,
        /// The options. `None` when the server sent none, as a refresh does:
        /// [`Client::refresh_modal`] re-applies the earlier ones.
        options: Option<Vec<ChoiceOption>>,
        /// The options chosen to start with.
        prefill: Vec<ChoiceOption>,
    },
    /// `FILE`: its value is an upload id from the Files API (shape not published; send
    /// [`ModalValue::Raw`]).
    File {
        /// The `file` configuration as JSON text (`null` when absent).
        config_json: String,
    },
    /// A kind this SDK version does not know.
    Unknown {
        /// The wire `type`.
        type_name: String,
        /// The whole field as JSON text, exactly as received.
        raw_json: String,
    },
}

/// One option of a `CHOICE` field.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ChoiceOption {
    /// What to send ([`ModalValue::Option`]).
    #[serde(default)]
    pub value: String,
    /// What to show (the value when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_value: Option<String>,
}

impl ModalFieldKind {
    /// The wire `type`, e.g. `"CHOICE"`.
    pub fn type_name(&self) -> &str {
        match self {
            ModalFieldKind::Display { .. } => "DISPLAY",
            ModalFieldKind::Text { .. } => "TEXT",
            ModalFieldKind::Date { .. } => "DATE",
            ModalFieldKind::Datetime { .. } => "DATETIME",
            ModalFieldKind::Boolean { .. } => "BOOLEAN",
            ModalFieldKind::Choice { .. } => "CHOICE",
            ModalFieldKind::File { .. } => "FILE",
            ModalFieldKind::Unknown { type_name, .. } => type_name,
        }
    }
}

impl ModalField {
    /// The `type` values this SDK version decodes into a known kind.
    pub const KNOWN: &'static [&'static str] = &["DISPLAY", "TEXT", "DATE", "DATETIME", "BOOLEAN", "CHOICE", "FILE"];

    fn from_value(value: Value) -> ModalField {
        let str_of = |v: &Value, k: &str| v.get(k).and_then(Value::as_str).map(str::to_owned);
        let bool_of = |v: &Value, k: &str, default: bool| v.get(k).and_then(Value::as_bool).unwrap_or(default);
        let type_name = str_of(&value, "type").unwrap_or_default();
        let config = value.get(type_name.to_ascii_lowercase()).cloned().unwrap_or(Value::Null);
        let kind = match type_name.as_str() {
            "DISPLAY" => ModalFieldKind::Display {
                text: config.get("text").and_then(|t| str_of(t, "text")),
                style: config.get("text").and_then(|t| str_of(t, "style")),
                config_json: config.to_string(),
            },
            "TEXT" => ModalFieldKind::Text {
                multiline: bool_of(&config, "multiline", false),
                prefill: str_of(&config, "prefill"),
            },
            "DATE" => ModalFieldKind::Date { prefill: str_of(&config, "prefill") },
            "DATETIME" => ModalFieldKind::Datetime { prefill: str_of(&config, "prefill") },
            "BOOLEAN" => ModalFieldKind::Boolean { prefill: config.get("prefill").and_then(Value::as_bool) },
            "CHOICE" => {
                let list = |k: &str| {
                    config.get(k).and_then(Value::as_array).map(|a| {
                        a.iter()
                            .filter_map(|o| serde_json::from_value::<ChoiceOption>(o.clone()).ok())
                            .collect::<Vec<_>>()
                    })
                };
                ModalFieldKind::Choice {
                    multi: bool_of(&config, "multi", false),
                    allows_free_input: bool_of(&config, "allows_free_input", false),
                    options: list("options"),
                    prefill: list("prefill").unwrap_or_default(),
                }
            }
            "FILE" => ModalFieldKind::File { config_json: config.to_string() },
            _ => ModalFieldKind::Unknown { type_name: type_name.clone(), raw_json: value.to_string() },
        };
        ModalField {
            name: str_of(&value, "name").unwrap_or_default(),
            kind,
            label: str_of(&value, "label"),
            description: str_of(&value, "description"),
            visible: bool_of(&value, "visible", true),
            required: bool_of(&value, "required", false),
            read_only: bool_of(&value, "read_only", false),
            triggers_refresh: bool_of(&value, "triggers_refresh", false),
        }
    }

    /// The wire JSON of this field (an unknown kind exactly as received).
    fn to_value(&self) -> Value {
        let config = match &self.kind {
            ModalFieldKind::Unknown { raw_json, .. } => return serde_json::from_str(raw_json).unwrap_or(Value::Null),
            ModalFieldKind::Display { config_json, .. } | ModalFieldKind::File { config_json } => {
                serde_json::from_str(config_json).unwrap_or(Value::Null)
            }
            ModalFieldKind::Text { multiline, prefill } => {
                serde_json::json!({"multiline": multiline, "prefill": prefill})
            }
            ModalFieldKind::Date { prefill } | ModalFieldKind::Datetime { prefill } => {
                serde_json::json!({"prefill": prefill})
            }
            ModalFieldKind::Boolean { prefill } => serde_json::json!({"prefill": prefill}),
            ModalFieldKind::Choice { multi, allows_free_input, options, prefill } => {
                let mut c =
                    serde_json::json!({"multi": multi, "allows_free_input": allows_free_input, "prefill": prefill});
                if let Some(options) = options {
                    c["options"] = serde_json::json!(options);
                }
                c
            }
        };
        let mut map = Map::new();
        map.insert("name".into(), self.name.clone().into());
        map.insert("type".into(), self.kind.type_name().into());
        if let Some(l) = &self.label {
            map.insert("label".into(), l.clone().into());
        }
        if let Some(d) = &self.description {
            map.insert("description".into(), d.clone().into());
        }
        map.insert("visible".into(), self.visible.into());
        map.insert("required".into(), self.required.into());
        map.insert("read_only".into(), self.read_only.into());
        map.insert("triggers_refresh".into(), self.triggers_refresh.into());
        if !config.is_null() {
            map.insert(self.kind.type_name().to_ascii_lowercase(), config);
        }
        Value::Object(map)
    }
}

impl ModalField {
    /// The value this field takes from text a person typed (a CLI argument, a form
    /// box): `TEXT` as is; `DATE`/`DATETIME` as is (the server checks the format);
    /// `BOOLEAN` from `true`/`false`/`yes`/`no`/`1`/`0`; a single `CHOICE` as its option
    /// (an option's value, or its display value, which is mapped to the value); a multi
    /// `CHOICE` from comma-separated options. `DISPLAY`, `FILE` and unknown kinds take no
    /// typed text: `invalid_argument` naming the field (send [`ModalValue::Raw`]).
    pub fn value_from_text(&self, text: &str) -> Result<ModalValue> {
        let refuse = |why: &str| Error::invalid_argument(&self.name, why);
        Ok(match &self.kind {
            ModalFieldKind::Text { .. } => ModalValue::Text { text: text.to_owned() },
            ModalFieldKind::Date { .. } => ModalValue::Date { date: text.to_owned() },
            ModalFieldKind::Datetime { .. } => ModalValue::Datetime { datetime: text.to_owned() },
            ModalFieldKind::Boolean { .. } => match text.trim().to_ascii_lowercase().as_str() {
                "true" | "yes" | "1" => ModalValue::Bool { value: true },
                "false" | "no" | "0" => ModalValue::Bool { value: false },
                _ => return Err(refuse("must be true or false")),
            },
            ModalFieldKind::Choice { multi, allows_free_input, options, .. } => {
                let pick = |one: &str| -> Result<String> {
                    let one = one.trim();
                    let known = options.as_deref().unwrap_or_default();
                    if let Some(o) = known.iter().find(|o| o.value == one || o.display_value.as_deref() == Some(one)) {
                        return Ok(o.value.clone());
                    }
                    if *allows_free_input || known.is_empty() {
                        return Ok(one.to_owned());
                    }
                    let values: Vec<&str> = known.iter().map(|o| o.value.as_str()).collect();
                    Err(refuse(&format!("{one:?} is not one of its options ({})", values.join(", "))))
                };
                if *multi {
                    ModalValue::Options { values: text.split(',').map(pick).collect::<Result<_>>()? }
                } else {
                    ModalValue::Option { value: pick(text)? }
                }
            }
            ModalFieldKind::Display { .. } => return Err(refuse("is a DISPLAY field: it takes no value")),
            ModalFieldKind::File { .. } | ModalFieldKind::Unknown { .. } => {
                return Err(refuse("takes no typed text: send a raw JSON value"))
            }
        })
    }
}

impl<'de> Deserialize<'de> for ModalField {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        Ok(ModalField::from_value(Value::deserialize(d)?))
    }
}

impl Serialize for ModalField {
    fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        self.to_value().serialize(s)
    }
}

/// The value of one field, in `values` of refresh and submit.
#[derive(Debug, Clone, PartialEq)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ModalValue {
    /// `{"text": …}` for a `TEXT` field.
    Text {
        /// The text.
        text: String,
    },
    /// `{"date": "YYYY-MM-DD"}` for a `DATE` field.
    Date {
        /// The date.
        date: String,
    },
    /// `{"datetime": "<ISO 8601>"}` for a `DATETIME` field.
    Datetime {
        /// The instant, e.g. `2026-12-01T14:30:00.000Z`.
        datetime: String,
    },
    /// `{"bool": …}` for a `BOOLEAN` field.
    Bool {
        /// The value.
        value: bool,
    },
    /// `{"option": …}` for a single `CHOICE` (an option's value, or free input).
    Option {
        /// The chosen value.
        value: String,
    },
    /// `{"options": […]}` for a multi `CHOICE`.
    Options {
        /// The chosen values.
        values: Vec<String>,
    },
    /// Any other value object, sent as given (e.g. a `FILE` field's, whose shape is not published).
    Raw {
        /// A JSON object, as text.
        json: String,
    },
}

impl ModalValue {
    /// The wire JSON of this value; a raw value that is not a JSON object is
    /// `invalid_argument` naming `values`.
    pub fn to_wire(&self) -> Result<Value> {
        use serde_json::json;
        Ok(match self {
            ModalValue::Text { text } => json!({ "text": text }),
            ModalValue::Date { date } => json!({ "date": date }),
            ModalValue::Datetime { datetime } => json!({ "datetime": datetime }),
            ModalValue::Bool { value } => json!({ "bool": value }),
            ModalValue::Option { value } => json!({ "option": value }),
            ModalValue::Options { values } => json!({ "options": values }),
            ModalValue::Raw { json } => match serde_json::from_str::<Value>(json) {
                Ok(v @ Value::Object(_)) => v,
                _ => return Err(Error::invalid_argument("values", "a raw modal value must be a JSON object")),
            },
        })
    }
}

impl ModalValue {
    /// A value from its wire JSON (what [`to_wire`](Self::to_wire) writes): one of
    /// `{"text"}`, `{"date"}`, `{"datetime"}`, `{"bool"}`, `{"option"}`, `{"options"}`
    /// with a value of the right type; anything else is kept as [`ModalValue::Raw`].
    pub fn from_wire(value: &Value) -> ModalValue {
        let one = value.as_object().filter(|o| o.len() == 1).and_then(|o| o.iter().next());
        let typed = one.and_then(|(key, v)| {
            Some(match key.as_str() {
                "text" => ModalValue::Text { text: v.as_str()?.to_owned() },
                "date" => ModalValue::Date { date: v.as_str()?.to_owned() },
                "datetime" => ModalValue::Datetime { datetime: v.as_str()?.to_owned() },
                "bool" => ModalValue::Bool { value: v.as_bool()? },
                "option" => ModalValue::Option { value: v.as_str()?.to_owned() },
                "options" => ModalValue::Options {
                    values: v.as_array()?.iter().map(|s| s.as_str().map(str::to_owned)).collect::<Option<_>>()?,
                },
                _ => return None,
            })
        });
        typed.unwrap_or_else(|| ModalValue::Raw { json: value.to_string() })
    }
}

fn values_body(values: &HashMap<String, ModalValue>) -> Result<Vec<u8>> {
    let mut map = Map::new();
    for (name, value) in values {
        if name.is_empty() {
            return Err(Error::invalid_argument("values", "a field name must not be empty"));
        }
        map.insert(name.clone(), value.to_wire()?);
    }
    Ok(serde_json::json!({ "values": map }).to_string().into_bytes())
}

/// The acknowledgement of [`Client::submit_modal`] (not the outcome: the follow-up
/// arrives as new messages or events).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Record))]
pub struct ModalSubmitResult {
    /// `SUBMITTED` (also when the server sends no status) or another status, kept.
    #[serde(default = "submitted")]
    pub status: ModalSubmitStatus,
    /// A receipt to show, when the server sends one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub receipt_text: Option<String>,
    /// The trace id of the HTTP answer; not wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub request_id: Option<String>,
    /// The headers of the HTTP answer; not wire JSON, ignored by `==`.
    #[serde(skip)]
    #[cfg_attr(feature = "uniffi", uniffi(default = None))]
    pub http_headers: Option<HttpHeaders>,
}

fn submitted() -> ModalSubmitStatus {
    ModalSubmitStatus::Submitted
}

/// The status of a [`ModalSubmitResult`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "uniffi", derive(uniffi::Enum))]
pub enum ModalSubmitStatus {
    /// The form was accepted.
    Submitted,
    /// A status this SDK version does not know, kept verbatim.
    Unknown {
        /// The wire value.
        raw: String,
    },
}

string_enum!(ModalSubmitStatus {
    Submitted => "SUBMITTED",
});

macro_rules! traced_modal {
    ($($ty:ident { $($field:ident),* })*) => {$(
        impl PartialEq for $ty {
            fn eq(&self, other: &Self) -> bool {
                let $ty { $($field,)* request_id: _, http_headers: _ } = self;
                true $(&& *$field == other.$field)*
            }
        }
        impl Traced for $ty {
            fn request_id(&self) -> Option<&str> { self.request_id.as_deref() }
            fn set_request_id(&mut self, request_id: Option<String>) { self.request_id = request_id; }
            fn http_headers(&self) -> Option<&HttpHeaders> { self.http_headers.as_ref() }
            fn set_http_headers(&mut self, headers: Option<HttpHeaders>) { self.http_headers = headers; }
        }
    )*};
}

traced_modal! {
    Modal { modal_id, title, fields, source }
    ModalSubmitResult { status, receipt_text }
}

/// The refresh rule: choice fields that come back without `options` get those of the
/// same field of `previous`.
pub(crate) fn reapply_options(previous: &Modal, refreshed: &mut Modal) {
    for field in &mut refreshed.fields {
        if let ModalFieldKind::Choice { options: options @ None, .. } = &mut field.kind {
            if let Some(ModalFieldKind::Choice { options: Some(earlier), .. }) =
                previous.field(&field.name).map(|f| &f.kind)
            {
                *options = Some(earlier.clone());
            }
        }
    }
}

impl Client {
    fn modal_call<T: serde::de::DeserializeOwned + Traced>(
        &self,
        modal: &ModalRef,
        action: Option<&str>,
        body: Option<Vec<u8>>,
        what: &str,
    ) -> Result<T> {
        validate::id("conversation_id", &modal.conversation_id)?;
        validate::id("response_id", &modal.response_id)?;
        validate::id("message_id", &modal.message_id)?;
        validate::id("modal_id", &modal.modal_id)?;
        self.require_v1(what)?;
        let (transport, settings) = self.call_parts();
        let mut segments = vec![
            "conversations",
            &modal.conversation_id,
            "responses",
            &modal.response_id,
            "messages",
            &modal.message_id,
            "modals",
            &modal.modal_id,
        ];
        segments.extend(action);
        let url = transport.url(&segments, &[]);
        let method = if body.is_some() { Method::Post } else { Method::Get };
        transport.call(settings, method, url, body, what).map_err(|e| {
            if e.kind() != ErrorKind::NotFound {
                return e;
            }
            e.with_hint(format_args!(
                "modal {:?} is stale or unknown: modal ids are minted per message read, so re-read the message \
                 (list messages or get response) and use the fresh modal_id of its MODAL_ACTION; if every modal \
                 answers 404, forms may not be enabled for your organization",
                modal.modal_id
            ))
        })
    }

    /// Gets a form: `rest/v1` only.
    /// `GET /conversations/{cid}/responses/{rid}/messages/{mid}/modals/{modal_id}`.
    ///
    /// A stale or unknown modal id is `not_found` whose message says to re-read the
    /// message for a fresh id (`Message::modal_ref`).
    pub fn get_modal(&self, modal: &ModalRef) -> Result<Modal> {
        let mut got: Modal = self.modal_call(modal, None, None, "modal")?;
        got.source = Some(modal.clone());
        Ok(got)
    }

    /// Re-resolves a form after a field that `triggers_refresh` changed: `rest/v1` only.
    /// `POST …/modals/{modal_id}/refresh {"values": …}`.
    ///
    /// Send **all** current values (the rules run against that snapshot). Nothing is
    /// persisted. The server leaves out choice fields' `options` on refresh: the
    /// answer gets those of `previous` (the form as fetched before) re-applied, so its
    /// fields are complete. `previous` must come from [`get_modal`](Self::get_modal) or
    /// an earlier refresh (it knows where it lives); otherwise `invalid_argument` `modal`.
    pub fn refresh_modal(&self, previous: &Modal, values: &HashMap<String, ModalValue>) -> Result<Modal> {
        let source = previous
            .source
            .as_ref()
            .ok_or_else(|| Error::invalid_argument("modal", "fetch it with get_modal first (it has no source)"))?;
        let body = values_body(values)?;
        let mut refreshed: Modal = self.modal_call(source, Some("refresh"), Some(body), "modal")?;
        reapply_options(previous, &mut refreshed);
        refreshed.source = Some(source.clone());
        Ok(refreshed)
    }

    /// Submits a form: `rest/v1` only. `POST …/modals/{modal_id}/submit {"values": …}`.
    ///
    /// The answer acknowledges the submission; the assistant's follow-up arrives through
    /// the usual channels (new messages, events). Server rules decide: hidden fields
    /// are neither required nor kept, `DISPLAY` fields are never submitted. Once
    /// submitted, the modal id is stale (`not_found`). Not retried after an ambiguous
    /// failure (a form is never submitted twice by surprise).
    pub fn submit_modal(&self, modal: &ModalRef, values: &HashMap<String, ModalValue>) -> Result<ModalSubmitResult> {
        let body = values_body(values)?;
        self.modal_call(modal, Some("submit"), Some(body), "modal submit result")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn example() -> Value {
        json!({"modal_id": "modal_opaque_B2", "title": ":memo: New laptop request", "fields": [
          {"name": "intro", "type": "DISPLAY", "display": {"text": {"style": "HEADER", "text": "Laptop request"}}},
          {"name": "model", "type": "CHOICE", "label": "Model", "required": true, "visible": true, "read_only": false, "triggers_refresh": true,
           "choice": {"multi": false, "allows_free_input": false, "options": [{"value": "mac", "display_value": "MacBook Pro"}, {"value": "win", "display_value": "ThinkPad"}], "prefill": []}},
          {"name": "reason", "type": "TEXT", "label": "Reason", "required": false, "visible": true, "text": {"multiline": true, "prefill": ""}},
          {"name": "needed_by", "type": "DATE", "label": "Needed by", "visible": false, "date": {}},
          {"name": "badge", "type": "SIGNATURE", "signature": {"pen": "blue"}}
        ]})
    }

    #[test]
    fn the_notes_example_modal_decodes() {
        let m: Modal = serde_json::from_value(example()).unwrap();
        assert_eq!(m.title.as_deref(), Some(":memo: New laptop request"));
        assert!(
            matches!(&m.fields[0].kind, ModalFieldKind::Display { style: Some(s), text: Some(t), .. } if s == "HEADER" && t == "Laptop request")
        );
        let ModalFieldKind::Choice { options: Some(options), multi: false, .. } = &m.fields[1].kind else { panic!() };
        assert_eq!(options[0].display_value.as_deref(), Some("MacBook Pro"));
        assert!(m.fields[1].required && m.fields[1].triggers_refresh);
        assert_eq!(m.fields[2].kind, ModalFieldKind::Text { multiline: true, prefill: Some(String::new()) });
        assert!(!m.field("needed_by").unwrap().visible);
        assert_eq!(m.visible_fields().count(), 4);
        let ModalFieldKind::Unknown { type_name, raw_json } = &m.fields[4].kind else { panic!() };
        assert_eq!(type_name, "SIGNATURE");
        assert_eq!(serde_json::from_str::<Value>(raw_json).unwrap(), example()["fields"][4]);
        assert_eq!(serde_json::to_value(&m.fields[4]).unwrap(), example()["fields"][4]);
        let again: Modal = serde_json::from_value(serde_json::to_value(&m).unwrap()).unwrap();
        assert_eq!(again, m);
    }

    #[test]
    fn refresh_reapplies_choice_options() {
        let first: Modal = serde_json::from_value(example()).unwrap();
        let mut wire = example();
        wire["fields"][1]["choice"].as_object_mut().unwrap().remove("options");
        wire["fields"][3]["visible"] = json!(true);
        let mut refreshed: Modal = serde_json::from_value(wire).unwrap();
        assert!(matches!(&refreshed.fields[1].kind, ModalFieldKind::Choice { options: None, .. }));
        reapply_options(&first, &mut refreshed);
        assert_eq!(refreshed.fields[1].kind, first.fields[1].kind);
        assert!(refreshed.field("needed_by").unwrap().visible);
    }

    #[test]
    fn values_in_the_wire_shapes() {
        let values = HashMap::from([
            ("model".to_owned(), ModalValue::Option { value: "mac".into() }),
            ("reason".to_owned(), ModalValue::Text { text: "broken".into() }),
            ("when".to_owned(), ModalValue::Date { date: "2026-12-01".into() }),
            ("at".to_owned(), ModalValue::Datetime { datetime: "2026-12-01T14:30:00.000Z".into() }),
            ("ok".to_owned(), ModalValue::Bool { value: true }),
            ("many".to_owned(), ModalValue::Options { values: vec!["a".into(), "b".into()] }),
            ("file".to_owned(), ModalValue::Raw { json: r#"{"file_id":"f1"}"#.into() }),
        ]);
        let body: Value = serde_json::from_slice(&values_body(&values).unwrap()).unwrap();
        assert_eq!(
            body,
            json!({"values": {"model": {"option": "mac"}, "reason": {"text": "broken"}, "when": {"date": "2026-12-01"},
                   "at": {"datetime": "2026-12-01T14:30:00.000Z"}, "ok": {"bool": true}, "many": {"options": ["a", "b"]},
                   "file": {"file_id": "f1"}}})
        );
        let m: Modal = serde_json::from_value(example()).unwrap();
        let model = m.field("model").unwrap();
        assert_eq!(model.value_from_text("ThinkPad").unwrap(), ModalValue::Option { value: "win".into() });
        assert_eq!(model.value_from_text("mac").unwrap(), ModalValue::Option { value: "mac".into() });
        assert_eq!(model.value_from_text("pc").unwrap_err().argument(), Some("model"));
        assert_eq!(m.field("intro").unwrap().value_from_text("x").unwrap_err().argument(), Some("intro"));
        for (name, value) in &values {
            assert_eq!(&ModalValue::from_wire(&value.to_wire().unwrap()), value, "{name}");
        }
        let bad = HashMap::from([("x".to_owned(), ModalValue::Raw { json: "3".into() })]);
        assert_eq!(values_body(&bad).unwrap_err().argument(), Some("values"));
        let r: ModalSubmitResult = serde_json::from_str("{}").unwrap();
        assert_eq!(r.status, ModalSubmitStatus::Submitted);
    }
}

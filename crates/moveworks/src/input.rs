//! [`Input`]: what one turn sends as create response's (and stream's) `input`.

use serde_json::{json, Map, Value};

use crate::error::{Error, Result};
use crate::generation::ApiVersion;
use crate::validate;

/// The input of one turn: the `{"input": …}` of create response and its stream.
///
/// `rest/v1` takes exactly one of `chat`, `text`, `callback_id` or `action`;
/// `rest/v1beta1` takes only `text`. A plain string (`&str`, `String`) converts into
/// [`Input::Turn`], a typed turn in the client's generation, so `create_response(id, "hi")`
/// does the right thing on both.
#[derive(Debug, Clone, PartialEq)]
pub enum Input {
    /// A typed turn as the client's generation spells it: `{"chat": {"text": …}}` on v1
    /// (what Moveworks' own demo app sends for every typed turn), `{"text": …}` on v1beta1.
    Turn(String),
    /// `{"chat": {"text": …}}` (v1 only).
    Chat(String),
    /// `{"text": …}`: documented on both generations.
    Text(String),
    /// `{"callback_id": …}` (v1 only): a button press, with the callback id of a
    /// `CALLBACK_ACTION` passed back exactly as received (see [`Client::press`](crate::Client::press)).
    Callback(String),
    /// Any other input object sent as given, e.g. `{"action": {…}}`, whose shape
    /// Moveworks has not published: the escape hatch, never checked beyond being a
    /// non-empty object.
    Raw(Map<String, Value>),
}

impl From<&str> for Input {
    fn from(text: &str) -> Input {
        Input::Turn(text.to_owned())
    }
}

impl From<String> for Input {
    fn from(text: String) -> Input {
        Input::Turn(text)
    }
}

impl From<&String> for Input {
    fn from(text: &String) -> Input {
        Input::Turn(text.clone())
    }
}

impl From<&Input> for Input {
    fn from(input: &Input) -> Input {
        input.clone()
    }
}

impl Input {
    /// A `{"chat": {"text": …}}` input.
    pub fn chat(text: impl Into<String>) -> Input {
        Input::Chat(text.into())
    }
    /// A `{"text": …}` input.
    pub fn text(text: impl Into<String>) -> Input {
        Input::Text(text.into())
    }
    /// A `{"callback_id": …}` input (a button press).
    pub fn callback(callback_id: impl Into<String>) -> Input {
        Input::Callback(callback_id.into())
    }

    /// A raw input (sent as given, e.g. `{"action": {...}}`) from its JSON: anything but
    /// a JSON object is `invalid_argument` naming `input`. The one check every binding's
    /// raw variant goes through.
    pub fn raw(value: Value) -> Result<Input> {
        match value {
            Value::Object(map) => Ok(Input::Raw(map)),
            _ => Err(Error::invalid_argument("input", "a raw input must be a JSON object")),
        }
    }

    /// An input from JSON, as bindings hand it over: a string is a [`Turn`](Input::Turn),
    /// an object is sent as given ([`Raw`](Input::Raw)). Anything else is
    /// `invalid_argument` naming `input`.
    pub fn from_json_value(value: Value) -> Result<Input> {
        match value {
            Value::String(text) => Ok(Input::Turn(text)),
            Value::Object(map) => Ok(Input::Raw(map)),
            _ => Err(Error::invalid_argument("input", "must be a string (a typed turn) or a JSON object")),
        }
    }

    /// The `input` object sent for this input on `version`, after the argument checks:
    /// empty text is `invalid_argument` `text`, an empty callback id `callback_id`, an
    /// input the generation does not take (anything but text and raw on v1beta1) or an
    /// empty raw object `input`.
    pub fn to_wire(&self, version: ApiVersion) -> Result<Value> {
        let beta_refuses = |what: &str| {
            Error::invalid_argument(
                "input",
                format_args!("{what} is a rest/v1 input; rest/v1beta1 takes only text (set api_version to \"v1\")"),
            )
        };
        match (self, version) {
            (Input::Turn(text), ApiVersion::V1) | (Input::Chat(text), ApiVersion::V1) => {
                validate::message_text(text)?;
                Ok(json!({ "chat": { "text": text } }))
            }
            (Input::Turn(text), ApiVersion::V1Beta1) | (Input::Text(text), _) => {
                validate::message_text(text)?;
                Ok(json!({ "text": text }))
            }
            (Input::Callback(id), ApiVersion::V1) => {
                if id.is_empty() {
                    return Err(Error::invalid_argument(
                        "callback_id",
                        "must not be empty (take it from a CALLBACK_ACTION of a message's actions)",
                    ));
                }
                Ok(json!({ "callback_id": id }))
            }
            (Input::Chat(_), ApiVersion::V1Beta1) => Err(beta_refuses("chat")),
            (Input::Callback(_), ApiVersion::V1Beta1) => Err(beta_refuses("a callback (button press)")),
            (Input::Raw(map), _) => {
                if map.is_empty() {
                    return Err(Error::invalid_argument("input", "a raw input must be a non-empty JSON object"));
                }
                Ok(Value::Object(map.clone()))
            }
        }
    }

    /// The whole request body, `{"input": …}`.
    pub(crate) fn body(&self, version: ApiVersion) -> Result<Vec<u8>> {
        Ok(json!({ "input": self.to_wire(version)? }).to_string().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ApiVersion::*;

    #[test]
    fn each_input_on_each_generation() {
        let wire = |i: Input, v| i.to_wire(v);
        assert_eq!(wire("hi".into(), V1).unwrap(), json!({"chat": {"text": "hi"}}));
        assert_eq!(wire("hi".into(), V1Beta1).unwrap(), json!({"text": "hi"}));
        assert_eq!(wire(Input::chat("hi"), V1).unwrap(), json!({"chat": {"text": "hi"}}));
        assert_eq!(wire(Input::text("hi"), V1).unwrap(), json!({"text": "hi"}));
        assert_eq!(wire(Input::text("hi"), V1Beta1).unwrap(), json!({"text": "hi"}));
        assert_eq!(wire(Input::callback("cb_1"), V1).unwrap(), json!({"callback_id": "cb_1"}));
        let raw = json!({"action": {"callback_id": "cb_1"}});
        let Value::Object(map) = raw.clone() else { unreachable!() };
        assert_eq!(wire(Input::Raw(map.clone()), V1).unwrap(), raw);
        assert_eq!(wire(Input::Raw(map), V1Beta1).unwrap(), raw);
        assert_eq!(Input::from_json_value(json!("yo")).unwrap(), Input::Turn("yo".into()));
    }

    #[test]
    fn bad_input_is_a_typed_error_naming_the_argument() {
        let arg = |i: Input, v| i.to_wire(v).unwrap_err().argument().map(str::to_owned);
        assert_eq!(arg(" ".into(), V1).as_deref(), Some("text"));
        assert_eq!(arg(Input::chat(""), V1).as_deref(), Some("text"));
        assert_eq!(arg(Input::callback(""), V1).as_deref(), Some("callback_id"));
        assert_eq!(arg(Input::chat("hi"), V1Beta1).as_deref(), Some("input"));
        assert_eq!(arg(Input::callback("cb"), V1Beta1).as_deref(), Some("input"));
        assert_eq!(arg(Input::Raw(Map::new()), V1).as_deref(), Some("input"));
        assert_eq!(Input::from_json_value(json!(3)).unwrap_err().argument(), Some("input"));
        // A raw input is an object, never a string read as a typed turn.
        assert_eq!(Input::raw(json!("hi")).unwrap_err().argument(), Some("input"));
        assert_eq!(
            Input::raw(json!({"action": {}})).unwrap(),
            Input::Raw(json!({"action": {}}).as_object().unwrap().clone())
        );
    }
}

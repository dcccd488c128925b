//! A turn's input from JS to the core's `Input`: a string is a typed turn in the client's
//! generation; `{"chat"|"text"|"callback_id"|"raw": …}` (the JS `Input` variants, keys
//! in snake_case) is that variant.

use moveworks::{Error, Input};
use serde_json::Value;

/// The core's `Input` from the JS layer's JSON (a string, or an object with one variant
/// key); anything else is `invalid_argument` naming `input`. What each variant sends and
/// on which generation is the core's to decide (`Input::to_wire`).
pub(crate) fn input_from_json(json: &str) -> moveworks::Result<Input> {
    let value: Value =
        serde_json::from_str(json).map_err(|e| Error::invalid_argument("input", format_args!("is not JSON ({e})")))?;
    let Value::Object(map) = value else { return Input::from_json_value(value) };
    let mut entries = map.into_iter();
    let (Some((kind, value)), None) = (entries.next(), entries.next()) else {
        return Err(Error::invalid_argument("input", "takes exactly one of chat, text, callbackId or raw"));
    };
    let text = |value: Value| match value {
        Value::String(s) => Ok(s),
        _ => Err(Error::invalid_argument("input", format_args!("`{kind}` must be a string"))),
    };
    match kind.as_str() {
        "chat" => Ok(Input::chat(text(value)?)),
        "text" => Ok(Input::text(text(value)?)),
        "callback_id" => Ok(Input::callback(text(value)?)),
        "raw" => Input::raw(value),
        other => Err(Error::invalid_argument(
            "input",
            format_args!("unknown input `{other}` (one of chat, text, callbackId, raw)"),
        )),
    }
}

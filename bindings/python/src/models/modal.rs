//! The rest/v1 forms (modals) as frozen Python classes, like the rest of `models.rs`,
//! and the conversion of a `values` mapping into the core's `ModalValue`s.

use std::collections::HashMap;

use moveworks as core;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString, PyType};

use super::{decode_error, json_module, repr_of};
use crate::convert::{any_to_json, IntoPy};

model!(
    PyModalRef,
    core::ModalRef,
    "ModalRef",
    "Where a form lives: the message that offered it and the `modal_id` of its `MODAL_ACTION` \
     (`Message.modal_ref(action)`). Modal ids are minted per message read: take a fresh one from \
     the copy of the message you just read.",
    ["conversation_id", "response_id", "message_id", "modal_id"],
    {
        /// A reference from its four ids (as `Message.modal_ref` builds it).
        #[new]
        fn new(conversation_id: String, response_id: String, message_id: String, modal_id: String) -> Self {
            PyModalRef(core::ModalRef { conversation_id, response_id, message_id, modal_id })
        }
        /// The message's conversation.
        #[getter]
        fn conversation_id(&self) -> &str {
            &self.0.conversation_id
        }
        /// The message's response.
        #[getter]
        fn response_id(&self) -> &str {
            &self.0.response_id
        }
        /// The message.
        #[getter]
        fn message_id(&self) -> &str {
            &self.0.message_id
        }
        /// The opaque id of the form, exactly as received.
        #[getter]
        fn modal_id(&self) -> &str {
            &self.0.modal_id
        }
    }
);

model!(
    traced PyModal,
    core::Modal,
    "Modal",
    "A form, as `Client.get_modal` and `Client.refresh_modal` return it.",
    ["modal_id", "title", "fields"],
    {
        /// Its id, exactly as received.
        #[getter]
        fn modal_id(&self) -> &str {
            &self.0.modal_id
        }
        /// Its title (may hold emoji shortcodes); refresh never changes it.
        #[getter]
        fn title(&self) -> Option<&str> {
            self.0.title.as_deref()
        }
        /// Its fields, in the order to render them (`visible`, `required` and `read_only`
        /// are already resolved by the server).
        #[getter]
        fn fields(&self) -> Vec<PyModalField> {
            self.0.fields.iter().cloned().map(PyModalField).collect()
        }
        /// The fields to render (`visible`), in order.
        fn visible_fields(&self) -> Vec<PyModalField> {
            self.0.visible_fields().cloned().map(PyModalField).collect()
        }
        /// The field named `name`, or None.
        fn field(&self, name: &str) -> Option<PyModalField> {
            self.0.field(name).cloned().map(PyModalField)
        }
        /// Where it was fetched from (`get_modal`/`refresh_modal` set it; None for a value
        /// built with `from_json`). Not in `to_dict()`.
        #[getter]
        fn source(&self) -> Option<PyModalRef> {
            self.0.source.clone().map(PyModalRef)
        }
        /// This form with `source` set: a form kept as JSON (`to_json`, e.g. in a web
        /// session) and decoded again can then be refreshed.
        fn with_source(&self, source: PyRef<'_, PyModalRef>) -> PyModal {
            PyModal(core::Modal { source: Some(source.0.clone()), ..self.0.clone() })
        }
    }
);

/// The JSON text of a kind's configuration as plain dicts and lists (None for `null`).
fn json_text<'py>(py: Python<'py>, text: &str) -> PyResult<Option<Bound<'py, PyAny>>> {
    let value = json_module(py)?.call_method1("loads", (text,))?;
    Ok(if value.is_none() { None } else { Some(value) })
}

model!(
    PyModalField,
    core::ModalField,
    "ModalField",
    "One field of a `Modal`. `type` says what it asks for (`DISPLAY`, `TEXT`, `DATE`, `DATETIME`, \
     `BOOLEAN`, `CHOICE`, `FILE`; unknown kinds are kept); the kind's settings are the attributes \
     that apply to it (None otherwise).",
    ["name", "type", "label", "required", "visible"],
    {
        /// The key of its value in `values`.
        #[getter]
        fn name(&self) -> &str {
            &self.0.name
        }
        /// The wire type, e.g. `"CHOICE"` (an unknown kind keeps its name).
        #[getter(r#type)]
        fn type_name(&self) -> &str {
            self.0.kind.type_name()
        }
        /// Its label.
        #[getter]
        fn label(&self) -> Option<&str> {
            self.0.label.as_deref()
        }
        /// Help text.
        #[getter]
        fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
        /// Whether to render it; hidden fields are neither required nor submitted.
        #[getter]
        fn visible(&self) -> bool {
            self.0.visible
        }
        /// Whether a value is required.
        #[getter]
        fn required(&self) -> bool {
            self.0.required
        }
        /// Whether the user may change it.
        #[getter]
        fn read_only(&self) -> bool {
            self.0.read_only
        }
        /// Whether changing it calls for `Client.refresh_modal` with all current values.
        #[getter]
        fn triggers_refresh(&self) -> bool {
            self.0.triggers_refresh
        }
        /// True for a kind this SDK version does not know (see `to_dict()` for all of it).
        #[getter]
        fn is_unknown(&self) -> bool {
            matches!(self.0.kind, core::ModalFieldKind::Unknown { .. })
        }
        /// `DISPLAY`: the text shown (may contain HTML such as `<a href>` or `<br>`).
        #[getter]
        fn text(&self) -> Option<&str> {
            match &self.0.kind {
                core::ModalFieldKind::Display { text, .. } => text.as_deref(),
                _ => None,
            }
        }
        /// `DISPLAY`: `HEADER`, `SUBTLE`, `NORMAL` or another style, verbatim.
        #[getter]
        fn style(&self) -> Option<&str> {
            match &self.0.kind {
                core::ModalFieldKind::Display { style, .. } => style.as_deref(),
                _ => None,
            }
        }
        /// `TEXT`: several lines.
        #[getter]
        fn multiline(&self) -> Option<bool> {
            match &self.0.kind {
                core::ModalFieldKind::Text { multiline, .. } => Some(*multiline),
                _ => None,
            }
        }
        /// `CHOICE`: several options may be chosen.
        #[getter]
        fn multi(&self) -> Option<bool> {
            match &self.0.kind {
                core::ModalFieldKind::Choice { multi, .. } => Some(*multi),
                _ => None,
            }
        }
        /// `CHOICE`: the user may type a value of their own.
        #[getter]
        fn allows_free_input(&self) -> Option<bool> {
            match &self.0.kind {
                core::ModalFieldKind::Choice { allows_free_input, .. } => Some(*allows_free_input),
                _ => None,
            }
        }
        /// `CHOICE`: its options (after `refresh_modal`, those of the form as fetched before).
        #[getter]
        fn options(&self) -> Option<Vec<PyChoiceOption>> {
            match &self.0.kind {
                core::ModalFieldKind::Choice { options, .. } => {
                    Some(options.iter().flatten().cloned().map(PyChoiceOption).collect())
                }
                _ => None,
            }
        }
        /// The value to start with: a `str` (`TEXT`, `DATE`, `DATETIME`), a `bool`
        /// (`BOOLEAN`), the `ChoiceOption`s chosen (`CHOICE`), else None.
        #[getter]
        fn prefill<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
            use pyo3::IntoPyObjectExt;
            match &self.0.kind {
                core::ModalFieldKind::Text { prefill, .. }
                | core::ModalFieldKind::Date { prefill }
                | core::ModalFieldKind::Datetime { prefill } => prefill.as_deref().map(|p| p.into_bound_py_any(py)),
                core::ModalFieldKind::Boolean { prefill } => prefill.map(|p| p.into_bound_py_any(py)),
                core::ModalFieldKind::Choice { prefill, .. } => {
                    Some(prefill.iter().cloned().map(PyChoiceOption).collect::<Vec<_>>().into_bound_py_any(py))
                }
                _ => None,
            }
            .transpose()
        }
        /// `DISPLAY` and `FILE`: the kind's whole configuration object (images, downloads,
        /// upload rules), as plain dicts and lists.
        #[getter]
        fn config<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyAny>>> {
            match &self.0.kind {
                core::ModalFieldKind::Display { config_json, .. } | core::ModalFieldKind::File { config_json } => {
                    json_text(py, config_json)
                }
                _ => Ok(None),
            }
        }
        /// The value this field takes from text a person typed, as the wire value dict
        /// that `values` takes: `TEXT`, `DATE`, `DATETIME` as is; `BOOLEAN` from
        /// true/false/yes/no/1/0; a `CHOICE` from an option's value or label (several,
        /// comma-separated, when `multi`). `DISPLAY`, `FILE` and unknown kinds take no
        /// text: `InvalidArgumentError` naming the field.
        fn value_from_text<'py>(&self, py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
            let wire = self.0.value_from_text(text).and_then(|v| v.to_wire()).py_err(py)?;
            json_module(py)?.call_method1("loads", (wire.to_string(),))
        }
    }
);

model!(
    PyChoiceOption,
    core::ChoiceOption,
    "ChoiceOption",
    "One option of a `CHOICE` field.",
    ["value", "display_value"],
    {
        /// What to send (`{"option": value}`).
        #[getter]
        fn value(&self) -> &str {
            &self.0.value
        }
        /// What to show (None: show the value).
        #[getter]
        fn display_value(&self) -> Option<&str> {
            self.0.display_value.as_deref()
        }
    }
);

model!(
    traced PyModalSubmitResult,
    core::ModalSubmitResult,
    "ModalSubmitResult",
    "The acknowledgement of `Client.submit_modal` (not the outcome: the assistant's follow-up \
     arrives as new messages or events).",
    ["status", "receipt_text"],
    {
        /// `"SUBMITTED"` (also when the server sends no status) or another status, verbatim.
        #[getter]
        fn status(&self) -> &str {
            self.0.status.as_str()
        }
        /// A receipt to show, when the server sends one.
        #[getter]
        fn receipt_text(&self) -> Option<&str> {
            self.0.receipt_text.as_deref()
        }
    }
);

/// A `values` mapping as the core's values. Each value is its wire dict
/// (`{"option": "mac"}`, read by the core's `ModalValue::from_wire`: another object is
/// sent as given), or a `str` a person typed, read by that field of `modal` (the core's
/// `ModalField::value_from_text`); a `str` without a `modal` to read it is
/// `InvalidArgumentError` (`values`).
pub(crate) fn modal_values(
    py: Python<'_>,
    values: &Bound<'_, PyAny>,
    modal: Option<&core::Modal>,
) -> PyResult<HashMap<String, core::ModalValue>> {
    let invalid = |why: String| Err(core::Error::invalid_argument("values", why)).py_err(py);
    // Any mapping (a dict, a MappingProxyType, ...), read through its items().
    let items = match values.cast::<PyDict>() {
        Ok(dict) => dict.items().into_any(),
        Err(_) if values.hasattr("items")? && values.hasattr("keys")? => values.call_method0("items")?,
        Err(_) => return invalid("must be a mapping (dict) of field name to value".to_owned()),
    };
    let mut out = HashMap::new();
    for item in items.try_iter()? {
        let (key, value): (Bound<'_, PyAny>, Bound<'_, PyAny>) = item?.extract()?;
        let Ok(name) = key.extract::<String>() else {
            return invalid("field names must be strings".to_owned());
        };
        let converted = if let Ok(text) = value.cast::<PyString>() {
            let text: String = text.extract()?;
            match modal {
                None => {
                    return invalid(format!(
                        "{name:?}: a str value needs the form it belongs to (pass the Modal, not its ModalRef), \
                         or give the wire value, e.g. {{\"text\": ...}}"
                    ))
                }
                Some(modal) => match modal.field(&name) {
                    Some(field) => field.value_from_text(&text).py_err(py)?,
                    None => {
                        let names: Vec<&str> = modal.fields.iter().map(|f| f.name.as_str()).collect();
                        return invalid(format!("the form has no field {name:?} (fields: {})", names.join(", ")));
                    }
                },
            }
        } else if value.is_instance_of::<PyDict>() {
            core::ModalValue::from_wire(&any_to_json(py, "values", &value)?)
        } else {
            let type_name = value.get_type().name()?;
            return invalid(format!("{name:?}: expected a wire value dict or a str, got {type_name}"));
        };
        out.insert(name, converted);
    }
    Ok(out)
}

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyModalRef>()?;
    m.add_class::<PyModal>()?;
    m.add_class::<PyModalField>()?;
    m.add_class::<PyChoiceOption>()?;
    m.add_class::<PyModalSubmitResult>()?;
    Ok(())
}

/// The form `submit_modal` sends to: a `ModalRef`, or a `Modal` from `get_modal` /
/// `refresh_modal` (its `source`; it also reads `str` values).
pub(crate) fn submit_target(
    py: Python<'_>,
    modal: &Bound<'_, PyAny>,
) -> PyResult<(core::ModalRef, Option<core::Modal>)> {
    if let Ok(r) = modal.cast::<PyModalRef>() {
        return Ok((r.get().0.clone(), None));
    }
    if let Ok(m) = modal.cast::<PyModal>() {
        let m = &m.get().0;
        let source = m.source.clone().ok_or_else(|| {
            crate::convert::to_py_err(
                py,
                core::Error::invalid_argument("modal", "fetch it with get_modal first (it has no source)"),
            )
        });
        return Ok((source?, Some(m.clone())));
    }
    let name = modal.get_type().name()?;
    Err(pyo3::exceptions::PyTypeError::new_err(format!("modal must be a ModalRef or a Modal, got {name}")))
}

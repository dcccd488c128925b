//! `moveworks.Input`: the explicit input variants of a turn (rest/v1), and the
//! argument conversion that lets a turn's `text` be a `str` or an `Input`.

use moveworks as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyString};

use crate::convert::any_to_json;

/// The input of one turn, where a plain `str` is not what you mean: `Input.chat(text)`
/// (`{"chat": {"text": …}}`, rest/v1), `Input.text(text)` (`{"text": …}`, both
/// generations), `Input.callback(callback_id)` (a button press, rest/v1) or
/// `Input.raw(dict)` (any other input object, sent as given). Accepted wherever a
/// turn's text is (`create_response`, `create_response_and_wait`, `stream_response`,
/// ...); a plain `str` stays a typed turn in the client's generation. The core checks
/// it when the turn is sent (empty text: `InvalidArgumentError` `text`; a v1 input on
/// rest/v1beta1: `input`).
#[pyclass(frozen, eq, module = "moveworks", name = "Input")]
#[derive(Clone, PartialEq)]
pub(crate) struct PyInput(pub(crate) core::Input);

#[pymethods]
impl PyInput {
    /// A `{"chat": {"text": text}}` input (rest/v1).
    #[staticmethod]
    fn chat(text: String) -> Self {
        PyInput(core::Input::chat(text))
    }
    /// A `{"text": text}` input (documented on both generations).
    #[staticmethod]
    fn text(text: String) -> Self {
        PyInput(core::Input::text(text))
    }
    /// A `{"callback_id": callback_id}` input: a button press, with the callback id of a
    /// `CALLBACK_ACTION` passed back exactly as received (see also `Client.press`).
    #[staticmethod]
    fn callback(callback_id: String) -> Self {
        PyInput(core::Input::callback(callback_id))
    }
    /// Any other input object, sent as given (e.g. `{"action": {...}}`, whose shape is not
    /// published): a non-empty, JSON-serializable dict.
    #[staticmethod]
    fn raw(py: Python<'_>, input: Bound<'_, PyDict>) -> PyResult<Self> {
        let json = any_to_json(py, "input", input.as_any())?;
        core::Input::raw(json).map(PyInput).map_err(|e| crate::convert::to_py_err(py, e))
    }
    fn __repr__(&self) -> String {
        match &self.0 {
            core::Input::Turn(t) => format!("{t:?}"),
            core::Input::Chat(t) => format!("Input.chat({t:?})"),
            core::Input::Text(t) => format!("Input.text({t:?})"),
            core::Input::Callback(id) => format!("Input.callback({id:?})"),
            core::Input::Raw(map) => format!("Input.raw({})", serde_json::Value::Object(map.clone())),
        }
    }
}

/// A turn's `text` argument: a `str` (a typed turn in the client's generation) or an `Input`.
pub(crate) struct TurnInput(pub(crate) core::Input);

impl<'a, 'py> FromPyObject<'a, 'py> for TurnInput {
    type Error = PyErr;
    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if let Ok(text) = obj.cast::<PyString>() {
            return Ok(TurnInput(core::Input::Turn(text.extract::<String>()?)));
        }
        if let Ok(input) = obj.cast::<PyInput>() {
            return Ok(TurnInput(input.get().0.clone()));
        }
        let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
        Err(PyTypeError::new_err(format!("a turn's text must be a str or a moveworks.Input, got {name}")))
    }
}

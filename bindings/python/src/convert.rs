//! Core errors into `moveworks` exceptions, and Python arguments into core values.

use std::time::Duration;

use moveworks as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyDict, PyInt};

use crate::models::*;

pub(crate) static FROM_CORE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

/// Converts a core error into an instance of the matching `moveworks` exception
/// class (the class table lives in `moveworks/_errors.py`, keyed by the core's kind string).
pub(crate) fn to_py_err(py: Python<'_>, e: core::Error) -> PyErr {
    match build_error(py, &e) {
        Ok(obj) => PyErr::from_value(obj),
        Err(err) => err,
    }
}

pub(crate) fn build_error<'py>(py: Python<'py>, e: &core::Error) -> PyResult<Bound<'py, PyAny>> {
    let make = FROM_CORE.get_or_try_init(py, || -> PyResult<Py<PyAny>> {
        Ok(py.import("moveworks._errors")?.getattr("_from_core")?.unbind())
    })?;
    // The core's record as it serializes: its keys are the keyword names of the
    // exception classes, so no field is listed here. Only `response` becomes a
    // model object, and `http_headers` a dict, rather than plain JSON.
    let details = e.details();
    let record = serde_json::to_value(&details).map_err(|err| PyTypeError::new_err(err.to_string()))?;
    let kw = PyDict::new(py);
    for (key, value) in record.as_object().into_iter().flatten() {
        match (key.as_str(), value) {
            ("response", serde_json::Value::Object(_)) => {
                kw.set_item(key, details.response.clone().map(PyResponse))?;
            }
            ("http_headers", serde_json::Value::Object(_)) => {
                kw.set_item(key, details.http_headers.clone())?;
            }
            _ => kw.set_item(key, json_scalar(py, value)?)?,
        }
    }
    make.bind(py).call((e.to_string(),), Some(&kw))
}

/// A JSON scalar (the record's fields are strings, numbers, booleans or null) as a Python object.
pub(crate) fn json_scalar<'py>(py: Python<'py>, value: &serde_json::Value) -> PyResult<Bound<'py, PyAny>> {
    use pyo3::IntoPyObjectExt;
    match value {
        serde_json::Value::Null => Ok(py.None().into_bound(py)),
        serde_json::Value::Bool(b) => b.into_bound_py_any(py),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => i.into_bound_py_any(py),
            None => n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py),
        },
        serde_json::Value::String(s) => s.into_bound_py_any(py),
        other => other.to_string().into_bound_py_any(py),
    }
}

/// Result conversion for calls made while the GIL is held.
pub(crate) trait IntoPy<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T>;
}
impl<T> IntoPy<T> for core::Result<T> {
    fn py_err(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| to_py_err(py, e))
    }
}

/// Seconds (Python's convention for durations) to a `Duration`; negative,
/// NaN and infinite values are invalid arguments, not panics.
pub(crate) fn seconds(argument: &str, value: Option<f64>) -> core::Result<Option<Duration>> {
    value
        .map(|s| {
            Duration::try_from_secs_f64(s).map_err(|_| {
                core::Error::invalid_argument(argument, format_args!("{s} is not a finite number of seconds >= 0"))
            })
        })
        .transpose()
}

/// An integer argument: any Python int except bool. Ints too big for 64 bits
/// saturate, so the range checks report them as invalid arguments instead of
/// pyo3 raising `OverflowError`.
pub(crate) struct IntArg(pub(crate) i128);

impl<'a, 'py> FromPyObject<'a, 'py> for IntArg {
    type Error = PyErr;
    fn extract(obj: pyo3::Borrowed<'a, 'py, PyAny>) -> PyResult<Self> {
        if obj.is_instance_of::<PyBool>() || !obj.is_instance_of::<PyInt>() {
            let name = obj.get_type().name().map(|n| n.to_string()).unwrap_or_default();
            return Err(PyTypeError::new_err(format!("expected an int, got {name}")));
        }
        match obj.extract::<i64>() {
            Ok(n) => Ok(IntArg(n.into())),
            Err(_) => Ok(IntArg(if obj.lt(0)? { i128::MIN } else { i128::MAX })),
        }
    }
}

pub(crate) fn out_of_range(argument: &str, n: i128) -> core::Error {
    if n == i128::MIN || n == i128::MAX {
        core::Error::invalid_argument(argument, "is out of range")
    } else {
        core::Error::invalid_argument(argument, format_args!("{n} is out of range"))
    }
}

/// A Python int to `u32`; out-of-range values are invalid arguments.
pub(crate) fn to_u32(argument: &str, value: Option<IntArg>) -> core::Result<Option<u32>> {
    value.map(|IntArg(n)| u32::try_from(n).map_err(|_| out_of_range(argument, n))).transpose()
}

/// Any JSON-serializable Python value (dicts, lists, str, numbers, bool, None) as JSON,
/// through the `json` module; anything else is an invalid argument naming `argument`.
pub(crate) fn any_to_json(py: Python<'_>, argument: &str, value: &Bound<'_, PyAny>) -> PyResult<serde_json::Value> {
    let kwargs = PyDict::new(py);
    kwargs.set_item("allow_nan", false)?;
    let text = py.import("json")?.call_method("dumps", (value,), Some(&kwargs)).and_then(|t| t.extract::<String>());
    let text = text.map_err(|e| {
        let why = format!("must be JSON-serializable (dict, list, str, int, float, bool, None): {e}");
        to_py_err(py, core::Error::invalid_argument(argument, why))
    })?;
    serde_json::from_str(&text).map_err(|e| to_py_err(py, core::Error::invalid_argument(argument, e.to_string())))
}

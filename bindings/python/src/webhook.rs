//! `moveworks.WebhookDelivery`: reading an outbound webhook delivery with the core's
//! parser (and an optional verifier of the user's), and fetching its event.

use std::sync::{Arc, Mutex};

use moveworks as core;
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyString, PyType};

use crate::async_client::spawn_call;
use crate::client::Client;
use crate::convert::*;
use crate::models::PyEvent;

/// One outbound webhook delivery of Moveworks, as POSTed to your endpoint:
/// `{"id": "evt_…", "data": {"conversation_id": "conv_…", "user_id": "…"}, …}`. It only
/// points at the content: `fetch(client)` gets the event with a client acting for
/// `user_id` (`Client.for_user`). `id` is also the key to drop a repeat, whether it came
/// by webhook again or by polling (`follow_events`).
#[pyclass(frozen, module = "moveworks", name = "WebhookDelivery")]
pub(crate) struct PyWebhookDelivery(core::WebhookDelivery);

/// The user's verifier behind the core's `WebhookVerifier`: an exception it raises
/// rejects the delivery and is re-raised unchanged to `parse`'s caller.
struct PyVerifier {
    callable: Py<PyAny>,
    raised: Arc<Mutex<Option<PyErr>>>,
}

impl core::WebhookVerifier for PyVerifier {
    fn verify(&self, headers: &[(String, String)], body: &[u8]) -> core::Result<()> {
        Python::attach(|py| {
            let headers: Vec<(String, String)> = headers.to_vec();
            match self.callable.bind(py).call1((headers, PyBytes::new(py, body))) {
                Ok(_) => Ok(()),
                Err(e) => {
                    *self.raised.lock().unwrap_or_else(|p| p.into_inner()) = Some(e);
                    Err(core::Error::invalid_argument("verifier", "rejected the delivery"))
                }
            }
        })
    }
}

/// The request headers as `(name, value)` pairs: a mapping or an iterable of pairs.
fn header_pairs(py: Python<'_>, headers: &Bound<'_, PyAny>) -> PyResult<Vec<(String, String)>> {
    let pairs = if let Ok(dict) = headers.cast::<PyDict>() {
        dict.items().into_any()
    } else if headers.hasattr("items")? {
        headers.call_method0("items")?
    } else {
        headers.clone()
    };
    let mut out = Vec::new();
    for pair in pairs.try_iter()? {
        let pair = pair?;
        let (name, value) = pair.extract::<(String, String)>().map_err(|_| {
            to_py_err(py, core::Error::invalid_argument("headers", "must map header names (str) to values (str)"))
        })?;
        out.push((name, value));
    }
    Ok(out)
}

#[pymethods]
impl PyWebhookDelivery {
    /// Reads a delivery from the raw request body (`bytes`, or `str` as received).
    ///
    /// With `verifier`, a callable `verifier(headers, body)` of yours runs first, with the
    /// request's `headers` (a mapping or `(name, value)` pairs, as a list of pairs; compare
    /// names case-insensitively) and the raw `body` bytes: raising rejects the delivery
    /// (the exception propagates unchanged and nothing is parsed). Moveworks signs
    /// deliveries with a rotating key, but the scheme (header names, algorithm, where the
    /// keys live) is not public, so the SDK ships no verifier: write one once your
    /// Moveworks account team gives you the scheme. Until then keep the endpoint's URL
    /// secret and treat a delivery as a hint: `fetch` reads the content with your own
    /// credentials. `headers` without a `verifier` is `InvalidArgumentError` (`verifier`),
    /// so that nobody believes they were checked.
    ///
    /// A body that is not a JSON object is `DecodeError`; a missing or empty `id`,
    /// `data`, `data.conversation_id` or `data.user_id` is `InvalidArgumentError`
    /// naming that member. Unknown members and event types are accepted (see `raw`).
    #[classmethod]
    #[pyo3(signature = (body, *, headers=None, verifier=None))]
    fn parse(
        _cls: &Bound<'_, PyType>,
        py: Python<'_>,
        body: &Bound<'_, PyAny>,
        headers: Option<&Bound<'_, PyAny>>,
        verifier: Option<Py<PyAny>>,
    ) -> PyResult<Self> {
        let body: Vec<u8> = if let Ok(b) = body.cast::<PyBytes>() {
            b.as_bytes().to_vec()
        } else if let Ok(s) = body.cast::<PyString>() {
            s.extract::<String>()?.into_bytes()
        } else if let Ok(b) = body.extract::<Vec<u8>>() {
            b // bytearray, memoryview
        } else {
            let name = body.get_type().name()?;
            return Err(PyTypeError::new_err(format!("body must be bytes or str, got {name}")));
        };
        let Some(callable) = verifier else {
            if headers.is_some() {
                let why = "headers were given without a verifier: nothing would check them";
                return Err(to_py_err(py, core::Error::invalid_argument("verifier", why)));
            }
            return core::WebhookDelivery::parse(&body).map(PyWebhookDelivery).py_err(py);
        };
        if !callable.bind(py).is_callable() {
            return Err(to_py_err(py, core::Error::invalid_argument("verifier", "must be callable")));
        }
        let headers = headers.map(|h| header_pairs(py, h)).transpose()?.unwrap_or_default();
        let raised = Arc::new(Mutex::new(None));
        let verifier = PyVerifier { callable, raised: Arc::clone(&raised) };
        let parsed = core::WebhookDelivery::parse_verified(&headers, &body, &verifier);
        if let Some(e) = raised.lock().unwrap_or_else(|p| p.into_inner()).take() {
            return Err(e);
        }
        parsed.map(PyWebhookDelivery).py_err(py)
    }

    /// The event id (`evt_…`): what `fetch` gets, and the key to drop a repeat.
    #[getter]
    fn id(&self) -> &str {
        &self.0.id
    }
    /// The public conversation id (`data.conversation_id`).
    #[getter]
    fn conversation_id(&self) -> &str {
        &self.0.conversation_id
    }
    /// The user to act as when fetching (`data.user_id`).
    #[getter]
    fn user_id(&self) -> &str {
        &self.0.user_id
    }
    /// The event type when the delivery names one (`"CONVERSATION_RESPONSE_RECEIVED"`);
    /// None is normal (its member name is not published).
    #[getter]
    fn event_type(&self) -> Option<&str> {
        self.0.event_type.as_deref()
    }
    /// True when the delivery is (or may be) a `CONVERSATION_RESPONSE_RECEIVED`: it names
    /// that type, or names none.
    #[getter]
    fn is_conversation_response(&self) -> bool {
        self.0.is_conversation_response()
    }
    /// The whole body as received (unknown members included), as plain dicts and lists.
    #[getter]
    fn raw<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = serde_json::Value::Object(self.0.raw.clone()).to_string();
        py.import("json")?.call_method1("loads", (text,))
    }
    /// Fetches the event this delivery points at (`GET /conversations/{cid}/events/{id}`,
    /// rest/v1). `client` must act for `user_id` (e.g. `app.for_user(provider)`): another
    /// user's client gets `NotFoundError`.
    fn fetch(&self, py: Python<'_>, client: PyRef<'_, Client>) -> PyResult<PyEvent> {
        let (delivery, client) = (&self.0, &client.inner);
        py.detach(|| delivery.fetch(client)).py_err(py).map(PyEvent)
    }
    /// `fetch` for an `AsyncClient`: `event = await delivery.fetch_async(async_client)`.
    fn fetch_async<'py>(&self, py: Python<'py>, client: &Bound<'py, PyAny>) -> PyResult<Bound<'py, PyAny>> {
        let sync = client
            .getattr("sync_client")
            .ok()
            .and_then(|c| c.cast_into::<Client>().ok())
            .ok_or_else(|| PyTypeError::new_err("fetch_async takes a moveworks.AsyncClient"))?;
        let (delivery, client) = (self.0.clone(), sync.get().inner.clone());
        spawn_call(py, move || delivery.fetch(&client), PyEvent)
    }
    fn __repr__(slf: &Bound<'_, Self>) -> PyResult<String> {
        crate::models::repr_of(slf.as_any(), "WebhookDelivery", &["id", "conversation_id", "user_id", "event_type"])
    }
}

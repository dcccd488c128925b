//! `Sandbox`: the core's in-process simulator (`moveworks::sandbox`), the native
//! half of `moveworks.testing.Sandbox`.
//!
//! Only conversion happens here: keyword options into the core's
//! `SandboxOptions`, the sandbox's client options merged under the caller's, and
//! scripting actions forwarded by name as JSON text to the core's `run_json`
//! (the vocabulary lives in the simulator crate; a new action needs no change here).

use std::sync::RwLock;

use moveworks as core;
use moveworks::sandbox::{Sandbox as CoreSandbox, SandboxOptions};
use pyo3::prelude::*;
use pyo3::types::PyDict;

use crate::client::{binding_name, client_options, to_json, Client};
use crate::convert::*;

/// A running sandbox: the simulator of the Conversations API on a free
/// 127.0.0.1 port in this process. `close()` (or garbage collection) stops it;
/// every later call raises `InvalidArgumentError` (`argument == "sandbox"`).
#[pyclass(frozen, module = "moveworks._moveworks")]
pub(crate) struct Sandbox {
    inner: RwLock<Option<CoreSandbox>>,
}

fn closed() -> core::Error {
    core::Error::invalid_argument("sandbox", "was closed; start a new sandbox")
}

impl Sandbox {
    /// Runs `f` on the live sandbox, or fails with the closed-sandbox error.
    fn with<T>(&self, py: Python<'_>, f: impl FnOnce(&CoreSandbox) -> core::Result<T>) -> PyResult<T> {
        let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
        guard.as_ref().ok_or_else(closed).and_then(f).py_err(py)
    }
}

#[pymethods]
impl Sandbox {
    /// Starts a sandbox. `response_duration` is in seconds; the other keywords are
    /// the core's `SandboxOptions` (an unknown one is `InvalidArgumentError` naming it).
    #[new]
    #[pyo3(signature = (*, response_duration=None, **options))]
    fn new(py: Python<'_>, response_duration: Option<f64>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Self> {
        let parse = || -> core::Result<SandboxOptions> {
            let mut map = serde_json::Map::new();
            for (key, value) in options.into_iter().flat_map(|d| d.iter()) {
                let key: String =
                    key.extract().map_err(|_| core::Error::invalid_argument("options", "keys must be strings"))?;
                let json = to_json(&key, &value)?;
                map.insert(key, json);
            }
            if let Some(duration) = seconds("response_duration", response_duration)? {
                if map.get("response_duration_ms").is_some_and(|v| !v.is_null()) {
                    return Err(core::Error::invalid_argument(
                        "response_duration_ms/response_duration",
                        "give one spelling, not both",
                    ));
                }
                let ms = u64::try_from(duration.as_millis()).unwrap_or(u64::MAX);
                map.insert("response_duration_ms".into(), ms.into());
            }
            SandboxOptions::from_json(&serde_json::Value::Object(map).to_string())
        };
        let options = parse().py_err(py)?;
        let sandbox = py.detach(|| CoreSandbox::start(&options)).py_err(py)?;
        Ok(Sandbox { inner: RwLock::new(Some(sandbox)) })
    }

    /// The API base URL (`http://127.0.0.1:PORT/rest/v1beta1`, `https://` with `tls=True`).
    #[getter]
    fn base_url(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.base_url()))
    }

    /// `http://127.0.0.1:PORT`.
    #[getter]
    fn origin(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.origin()))
    }

    /// The OAuth token endpoint.
    #[getter]
    fn token_url(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.token_url()))
    }

    /// Started with `tls=True`: the throwaway CA that signed the sandbox's certificate
    /// (PEM text), which its clients trust through `ca_certificates`; None otherwise.
    #[getter]
    fn ca_certificate(&self, py: Python<'_>) -> PyResult<Option<String>> {
        self.with(py, |s| Ok(s.ca_certificate_pem()))
    }

    /// The `Assistant-Name` the sandbox expects.
    #[getter]
    fn assistant_name(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.assistant_name().to_owned()))
    }

    /// A bearer token the sandbox always accepts.
    #[getter]
    fn token(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.token().to_owned()))
    }

    /// The OAuth client id the token endpoint accepts.
    #[getter]
    fn client_id(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.client_id().to_owned()))
    }

    /// The OAuth client secret the token endpoint accepts.
    #[getter]
    fn client_secret(&self, py: Python<'_>) -> PyResult<String> {
        self.with(py, |s| Ok(s.client_secret().to_owned()))
    }

    /// A `Client` for this sandbox; keyword options (the `Client` keywords) are
    /// merged over the sandbox's own (base URL, assistant name, credentials).
    #[pyo3(signature = (**options))]
    fn client(&self, py: Python<'_>, options: Option<&Bound<'_, PyDict>>) -> PyResult<Client> {
        crate::logs::follow_python_level(py);
        let inner = self.with(py, |s| {
            let mut merged = s.client_options();
            merged.merge(client_options(options)?);
            core::Client::builder().options(merged)?.binding(binding_name()).build()
        })?;
        Ok(Client { inner })
    }

    /// Runs one scripting action with its arguments as JSON text (an object, or
    /// empty/`null` for none); returns the answer as JSON text.
    #[pyo3(signature = (action, args_json=None))]
    fn run(&self, py: Python<'_>, action: &str, args_json: Option<&str>) -> PyResult<String> {
        let args = args_json.unwrap_or_default();
        // The lock is taken and released without the GIL, so a thread waiting for
        // the GIL never holds it (see `close`).
        py.detach(|| {
            let guard = self.inner.read().unwrap_or_else(|p| p.into_inner());
            guard.as_ref().ok_or_else(closed).and_then(|s| s.run_json(action, args))
        })
        .py_err(py)
    }

    /// Whether `close()` was called.
    #[getter]
    fn closed(&self) -> bool {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).is_none()
    }

    /// Stops the server (idempotent); clients made for it then fail with connection errors.
    fn close(&self, py: Python<'_>) {
        // Without the GIL: waiting for an action running in another thread (which
        // takes the lock with the GIL released) must not block that thread's return.
        py.detach(|| drop(self.inner.write().unwrap_or_else(|p| p.into_inner()).take()));
    }
}

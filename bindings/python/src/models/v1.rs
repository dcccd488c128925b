//! The rest/v1 additions to the model (actions, live-agent sender, "Get Help" menu,
//! attached files) as frozen Python classes, like the rest of `models.rs`.

use moveworks as core;
use pyo3::prelude::*;
use pyo3::types::PyType;

use super::{decode_error, json_module, repr_of, PyContent};

model!(
    PyAction,
    core::Action,
    "Action",
    "One button of an assistant message, tagged by `type` (`CALLBACK_ACTION`, `URL_ACTION`, \
     `MODAL_ACTION`; unknown types are kept). Press a callback action with `Client.press`.",
    ["type", "label"],
    {
        /// The wire type name, e.g. `"CALLBACK_ACTION"` (unknown types keep their name).
        #[getter(r#type)]
        fn type_name(&self) -> &str {
            self.0.type_name()
        }
        /// The button or link text (None only for an unknown action without one).
        #[getter]
        fn label(&self) -> Option<&str> {
            self.0.label()
        }
        /// The callback id of a `CALLBACK_ACTION`.
        #[getter]
        fn callback_id(&self) -> Option<&str> {
            match &self.0 {
                core::Action::Callback { callback_id, .. } => Some(callback_id),
                _ => None,
            }
        }
        /// The url of a `URL_ACTION`.
        #[getter]
        fn url(&self) -> Option<&str> {
            match &self.0 {
                core::Action::Url { url, .. } => Some(url),
                _ => None,
            }
        }
        /// The modal id of a `MODAL_ACTION`.
        #[getter]
        fn modal_id(&self) -> Option<&str> {
            match &self.0 {
                core::Action::Modal { modal_id, .. } => Some(modal_id),
                _ => None,
            }
        }
        /// True for an action type this SDK version does not know.
        #[getter]
        fn is_unknown(&self) -> bool {
            matches!(self.0, core::Action::Unknown { .. })
        }
    }
);

model!(
    PySenderInfo,
    core::SenderInfo,
    "SenderInfo",
    "Who wrote a `LIVE_AGENT` message.",
    ["display_name", "avatar_url"],
    {
        /// The agent's name as shown to the user.
        #[getter]
        fn display_name(&self) -> &str {
            &self.0.display_name
        }
        /// The agent's picture, when there is one.
        #[getter]
        fn avatar_url(&self) -> Option<&str> {
            self.0.avatar_url.as_deref()
        }
    }
);

model!(
    PyFileRef,
    core::FileRef,
    "FileRef",
    "A file attached to a user's `PLAIN_TEXT` message.",
    ["file_id", "file_name"],
    {
        /// The file's id.
        #[getter]
        fn file_id(&self) -> &str {
            &self.0.file_id
        }
        /// Its name, when the server sends one.
        #[getter]
        fn file_name(&self) -> Option<&str> {
            self.0.file_name.as_deref()
        }
    }
);

model!(PyHandoff, core::Handoff, "Handoff", "The \"Get Help\" menu of an assistant message.", ["categories"], {
    /// Its categories, in order.
    #[getter]
    fn categories(&self) -> Vec<PyHandoffCategory> {
        self.0.categories.iter().cloned().map(PyHandoffCategory).collect()
    }
});

model!(
    PyHandoffCategory,
    core::HandoffCategory,
    "HandoffCategory",
    "One category of a `Handoff` menu.",
    ["category_id", "name", "items"],
    {
        /// Its id.
        #[getter]
        fn category_id(&self) -> Option<&str> {
            self.0.category_id.as_deref()
        }
        /// Its name (may hold emoji shortcodes).
        #[getter]
        fn name(&self) -> Option<&str> {
            self.0.name.as_deref()
        }
        /// What it covers.
        #[getter]
        fn description(&self) -> Option<&str> {
            self.0.description.as_deref()
        }
        /// Its entries, in order.
        #[getter]
        fn items(&self) -> Vec<PyHandoffItem> {
            self.0.items.iter().cloned().map(PyHandoffItem).collect()
        }
    }
);

model!(
    PyHandoffItem,
    core::HandoffItem,
    "HandoffItem",
    "One entry of a `HandoffCategory`: a button (`ACTION`) or a text (`TEXT`).",
    ["title", "type"],
    {
        /// The entry's title.
        #[getter]
        fn title(&self) -> &str {
            &self.0.title
        }
        /// `"ACTION"`, `"TEXT"` or an unknown type, verbatim.
        #[getter(r#type)]
        fn type_name(&self) -> &str {
            self.0.item_type.as_str()
        }
        /// The button of an `ACTION` entry.
        #[getter]
        fn action(&self) -> Option<PyAction> {
            self.0.action.clone().map(PyAction)
        }
        /// The text of a `TEXT` entry.
        #[getter]
        fn text(&self) -> Option<PyContent> {
            self.0.text.clone().map(PyContent)
        }
    }
);

pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<PyAction>()?;
    m.add_class::<PySenderInfo>()?;
    m.add_class::<PyFileRef>()?;
    m.add_class::<PyHandoff>()?;
    m.add_class::<PyHandoffCategory>()?;
    m.add_class::<PyHandoffItem>()?;
    Ok(())
}

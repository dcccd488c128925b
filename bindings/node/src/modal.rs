//! Forms (`rest/v1` modals): `getModal`, `refreshModal`, `submitModal` and the
//! message helpers that find a form (`modalRef`, `modals`). Refs, modals and values
//! cross as the core's wire JSON.

use std::collections::HashMap;

use moveworks::{Action, Error, Message, Modal, ModalRef, ModalValue};
use napi::bindgen_prelude::*;
use napi_derive::napi;
use serde_json::Value;

use crate::cancel::CancelHandle;
use crate::client::NativeClient;
use crate::convert::{to_napi, NativeValue};

/// Decodes `json` as `T`; anything else is `invalid_argument` naming `argument`.
fn decode<T: serde::de::DeserializeOwned>(argument: &str, what: &str, json: &str) -> moveworks::Result<T> {
    serde_json::from_str(json).map_err(|e| Error::invalid_argument(argument, format_args!("is not {what} ({e})")))
}

/// A form's values from their wire JSON (`{"model": {"option": "mac"}}`), each by the
/// core's `ModalValue::from_wire`.
fn values(values_json: &str) -> moveworks::Result<HashMap<String, ModalValue>> {
    let map: serde_json::Map<String, Value> = decode("values", "an object of field values", values_json)?;
    Ok(map.iter().map(|(name, value)| (name.clone(), ModalValue::from_wire(value))).collect())
}

#[napi]
impl NativeClient {
    /// `GET …/modals/{modal_id}`: a Modal. `modal_ref_json` is a ModalRef as wire JSON.
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn get_modal<'env>(
        &self,
        env: &'env Env,
        modal_ref_json: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let modal = decode::<ModalRef>("modal", "a ModalRef", &modal_ref_json);
        self.call(env, options_json, cancel, move |c| c.get_modal(&modal?))
    }

    /// `POST …/modals/{modal_id}/refresh`: the refreshed Modal (the core re-applies the
    /// choice options of `previous_json`, the Modal as fetched from `modal_ref_json`;
    /// without it, the core's error says to fetch the form first).
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn refresh_modal<'env>(
        &self,
        env: &'env Env,
        modal_ref_json: Option<String>,
        previous_json: String,
        values_json: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let previous = (|| {
            let mut previous = decode::<Modal>("modal", "a Modal", &previous_json)?;
            // Where it was fetched: not wire JSON, so the JS layer keeps it beside the modal.
            previous.source = modal_ref_json.map(|r| decode("modal", "a ModalRef", &r)).transpose()?;
            Ok((previous, values(&values_json)?))
        })();
        self.call(env, options_json, cancel, move |c| {
            let (previous, values) = previous?;
            c.refresh_modal(&previous, &values)
        })
    }

    /// `POST …/modals/{modal_id}/submit`: a ModalSubmitResult.
    #[napi(ts_return_type = "Promise<NativeValue>")]
    pub fn submit_modal<'env>(
        &self,
        env: &'env Env,
        modal_ref_json: String,
        values_json: String,
        #[napi(ts_arg_type = "string | undefined | null")] options_json: Option<String>,
        cancel: Option<&CancelHandle>,
    ) -> Result<PromiseRaw<'env, NativeValue>> {
        let args = (|| Ok((decode::<ModalRef>("modal", "a ModalRef", &modal_ref_json)?, values(&values_json)?)))();
        self.call(env, options_json, cancel, move |c| {
            let (modal, values) = args?;
            c.submit_modal(&modal, &values)
        })
    }
}

/// The core's `Message::modal_ref`: the ModalRef (wire JSON) of the form `action_json`
/// opens, or null when it is not a `MODAL_ACTION`.
#[napi]
pub fn modal_ref(message_json: String, action_json: String) -> Result<Option<String>> {
    let message: Message = decode("message", "a Message", &message_json).map_err(to_napi)?;
    let action: Action = decode("action", "an Action", &action_json).map_err(to_napi)?;
    Ok(message.modal_ref(&action).map(|r| serde_json::to_string(&r).unwrap_or_default()))
}

/// The core's `Message::modals`: the ModalRefs (wire JSON) of a message's forms, in order.
#[napi]
pub fn message_modals(message_json: String) -> Result<Vec<String>> {
    let message: Message = decode("message", "a Message", &message_json).map_err(to_napi)?;
    Ok(message.modals().iter().map(|r| serde_json::to_string(r).unwrap_or_default()).collect())
}

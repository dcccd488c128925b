//! C ABI of the Moveworks SDK (libmoveworks).
//!
//! This crate only converts: every call goes to the core crate `moveworks`, which
//! owns validation, retries, polling decisions and the error taxonomy. The header
//! `include/moveworks.h` is generated from this file by cbindgen (see build.rs), so
//! the doc comments here are the C documentation.
//!
//! Implementation notes: opaque handles are the core's own types behind a
//! `Box` (owned) or a reference into a parent handle (borrowed); the `mw_*`
//! struct types are zero-sized markers that only give C a distinct pointer type.

#![allow(non_camel_case_types)]
#![allow(clippy::missing_safety_doc)]
// the safety contract is the C header's documentation

mod client;
mod error;
mod follower;
mod input;
mod logging;
mod modal;
mod models;
mod models_v1;
mod sandbox;
mod stream;
mod user_auth;
mod util;
mod webhook;

pub use client::*;
pub use error::*;
pub use follower::*;
pub use input::*;
pub use logging::*;
pub use modal::*;
pub use models::*;
pub use models_v1::*;
pub use sandbox::*;
pub use stream::*;
pub use user_auth::*;
pub use util::*;
pub use webhook::*;

//! Node.js addon of the Moveworks SDK (napi-rs)

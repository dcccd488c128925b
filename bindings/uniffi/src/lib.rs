//! Swift and Kotlin bindings of the Moveworks SDK (uniffi)

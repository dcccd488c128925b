//! C ABI of the Moveworks SDK (libmoveworks)

//! Python extension module of the Moveworks SDK (pyo3)

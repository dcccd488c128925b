//! Generates the C header from `src/` with the pinned cbindgen, into `OUT_DIR` only.
//!
//! The committed `include/moveworks.h` is written by `bash scripts/c-header.sh`
//! (which copies this output) and never by a build; `bindings/c/test.sh` runs
//! `scripts/c-header.sh --check`, which fails when the two differ.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header");
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("moveworks.h");
    bindings.write_to_file(out);
}

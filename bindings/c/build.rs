//! Regenerates `include/moveworks.h` from `src/lib.rs` with the pinned cbindgen.
//!
//! The header is committed; `bindings/c/test.sh` snapshots it before building and
//! fails when the build changed it, so the committed header can never drift.

use std::path::PathBuf;

fn main() {
    let crate_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    let header = crate_dir.join("../../include/moveworks.h");
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=cbindgen.toml");
    println!("cargo:rerun-if-changed={}", header.display());
    let config = cbindgen::Config::from_file(crate_dir.join("cbindgen.toml")).expect("read cbindgen.toml");
    let bindings = cbindgen::Builder::new()
        .with_crate(&crate_dir)
        .with_config(config)
        .generate()
        .expect("cbindgen could not generate the header");
    let mut generated = Vec::new();
    bindings.write(&mut generated);
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap()).join("moveworks.h");
    std::fs::write(&out, &generated).expect("write OUT_DIR header");
    // Rewrite the committed header only when it differs, so an unchanged build leaves it untouched.
    if std::fs::read(&header).ok().as_deref() != Some(&generated[..]) {
        std::fs::create_dir_all(header.parent().unwrap()).expect("create include/");
        std::fs::write(&header, &generated).expect("write include/moveworks.h");
    }
}

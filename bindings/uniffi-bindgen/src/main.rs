//! The uniffi binding generator, built from the workspace so that it always
//! matches the uniffi version of `moveworks-uniffi` (see bindings/kotlin/test.sh).
//!
//!     uniffi-bindgen <kotlin|swift> <library> <out-dir> <crate>...
//!
//! Library mode, like `uniffi-bindgen generate --library --crate <crate>`, once per
//! crate into `<out-dir>/<crate>/` (the model crate and bindings/uniffi share one
//! Swift module, and Swift names each source file after its module), with one
//! more difference:
//! each component's `uniffi.toml` is looked up by crate name in `cargo metadata`,
//! and two workspace crates have a library target named `moveworks` (the core and
//! the C binding, bindings/c). The stock generator takes whichever comes last and
//! misses the core's `crates/moveworks/uniffi.toml`; this one keeps the package
//! that is really named `moveworks`.

use anyhow::{bail, Context, Result};
use camino::Utf8PathBuf;

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [language, library, out_dir, crates @ ..] = args.as_slice() else {
        bail!("usage: uniffi-bindgen <kotlin|swift> <library> <out-dir> <crate>...");
    };
    let mut metadata = cargo_metadata::MetadataCommand::new().exec().context("cargo metadata")?;
    // A package whose library target name another package also uses only counts
    // when the package has that name itself.
    metadata.packages.retain(|p| {
        p.targets.iter().filter(|t| t.is_lib() || t.is_cdylib() || t.is_staticlib()).all(|t| {
            let lib = t.name.replace('-', "_");
            lib == p.name.replace('-', "_") || lib != "moveworks"
        })
    });
    let supplier = uniffi::CargoMetadataConfigSupplier::from(metadata);
    let library = Utf8PathBuf::from(library);
    for krate in crates {
        let out_dir = Utf8PathBuf::from(out_dir).join(krate);
        let krate = Some(krate.clone());
        // No formatting: ktlint/swift-format output depends on their versions.
        match language.as_str() {
            "kotlin" => uniffi::generate_bindings_library_mode(
                &library,
                krate,
                &uniffi::KotlinBindingGenerator,
                &supplier,
                None,
                &out_dir,
                false,
            )
            .map(drop),
            "swift" => uniffi::generate_bindings_library_mode(
                &library,
                krate,
                &uniffi::SwiftBindingGenerator,
                &supplier,
                None,
                &out_dir,
                false,
            )
            .map(drop),
            other => bail!("unknown language {other:?}: kotlin or swift"),
        }?;
    }
    Ok(())
}

//! The uniffi binding generator, built from the workspace so that it always
//! matches the uniffi version of `moveworks-uniffi` (see bindings/kotlin/test.sh).

fn main() {
    uniffi::uniffi_bindgen_main()
}

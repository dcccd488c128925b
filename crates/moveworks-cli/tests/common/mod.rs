//! What the CLI's test files share.

use std::process::{Command, Output};

/// Runs the `moveworks` binary with `args`, without the developer's own credentials.
pub fn moveworks(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_moveworks"))
        .args(args)
        // A developer's real credentials must not leak into the sandbox runs.
        .env_remove("MOVEWORKS_TOKEN")
        .env_remove("MOVEWORKS_BASE_URL")
        .output()
        .expect("run the CLI")
}

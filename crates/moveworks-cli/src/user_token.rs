//! `--user-token-cmd`: a token provider for shell users. The command prints a
//! bearer for the user to act as (rest/v1); the SDK caches it and runs the
//! command again shortly before it expires, or once after the API answers 401.

use std::process::{Command, Stdio};
use std::time::Duration;

use moveworks::{Error, ErrorKind, ProviderError, UserToken};
use serde_json::Value;

/// Runs `command` through the shell and reads its output as a token:
/// either the first non-empty line (a bare token), or a JSON object with
/// `access_token` (or `token`) and optionally `expires_in` seconds, as identity
/// providers' token endpoints answer, so `curl … | cat`-style commands work as they are.
pub(crate) fn provider(command: String) -> impl Fn() -> Result<UserToken, ProviderError> + Send + Sync + 'static {
    move || run(&command).map_err(ProviderError::from)
}

fn run(command: &str) -> Result<UserToken, Error> {
    let (shell, flag) = if cfg!(windows) { ("cmd", "/C") } else { ("sh", "-c") };
    let output = Command::new(shell)
        .args([flag, command])
        .stdin(Stdio::null())
        .stderr(Stdio::inherit())
        .output()
        .map_err(|e| failure(format!("could not run --user-token-cmd: {e}")))?;
    if !output.status.success() {
        // Its stderr went to ours; its stdout may hold a secret, so it is not echoed.
        return Err(failure(format!("--user-token-cmd failed ({})", output.status)));
    }
    let printed = String::from_utf8(output.stdout)
        .map_err(|_| failure("--user-token-cmd printed something that is not UTF-8".into()))?;
    parse(printed.trim())
}

/// The token (and lifetime) of the command's output; never echoes the output in an error.
fn parse(printed: &str) -> Result<UserToken, Error> {
    if printed.starts_with('{') {
        let answer: Value = serde_json::from_str(printed)
            .map_err(|_| failure("--user-token-cmd printed a JSON object that does not parse".into()))?;
        let token = ["access_token", "token"]
            .iter()
            .find_map(|key| answer.get(key).and_then(Value::as_str))
            .filter(|t| !t.is_empty())
            .ok_or_else(|| failure("--user-token-cmd printed JSON without an access_token or token".into()))?;
        let token = UserToken::new(token);
        return Ok(match answer.get("expires_in").and_then(Value::as_f64) {
            Some(secs) if secs.is_finite() && secs >= 0.0 => token.expires_in(Duration::from_secs_f64(secs)),
            _ => token,
        });
    }
    match printed.lines().map(str::trim).find(|line| !line.is_empty()) {
        Some(token) => Ok(UserToken::new(token)),
        None => Err(failure("--user-token-cmd printed nothing".into())),
    }
}

fn failure(message: String) -> Error {
    Error::new(ErrorKind::OAuth, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bare_token_or_a_token_endpoints_json_answer_is_read() {
        assert!(parse("\n  abc  \nignored").is_ok());
        assert!(parse(r#"{"access_token": "abc", "expires_in": 3600, "token_type": "Bearer"}"#).is_ok());
        assert!(parse(r#"{"token": "abc"}"#).is_ok());
    }

    #[test]
    fn unusable_output_is_an_oauth_error_that_does_not_echo_it() {
        for printed in ["", r#"{"access_token": ""}"#, r#"{"secret-ish": 1"#] {
            let e = parse(printed).unwrap_err();
            assert_eq!(e.kind(), ErrorKind::OAuth);
            assert!(!e.to_string().contains("secret-ish"), "{e}");
        }
    }
}

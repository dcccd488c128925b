//! `moveworks-simulator`: runs the simulator as a process, for test suites in
//! any language. Prints one JSON line describing where it listens, then serves
//! until stdin reaches end of file (or SIGTERM/SIGINT, whose default action
//! ends the process). See the library docs for the full usage.

use std::io::{self, Read, Write};
use std::process::ExitCode;
use std::time::Duration;

use moveworks_simulator::{Simulator, SimulatorConfig};

const USAGE: &str = "\
usage: moveworks-simulator [--host H] [--port P] [--assistant-name N] [--token T]
                           [--client-id ID] [--client-secret S] [--response-ms MS]
                           [--threads N] [--tls] [--ignore-stdin]

Prints one JSON line with base_url, v1_base_url, token_url, origin, port, assistant_name,
token, client_id, client_secret and ca_certificate_pem, then serves until stdin
reaches EOF. --token \"\" disables the static token; --ignore-stdin serves until killed.
--tls serves HTTPS with a throwaway CA made at start (ca_certificate_pem, PEM text,
is what clients must trust; null without --tls).

API routes are under {origin}/rest/v1beta1 and {origin}/rest/v1 (bearer token + Assistant-Name),
the token endpoint is {origin}/oauth/v1/token. Control routes (no auth, JSON):
  GET    /_sim/health          {\"status\":\"ok\"}
  POST   /_sim/reset           forget all state, back to start-up settings
  GET    /_sim/config          current settings
  POST   /_sim/config          partial update: response_duration_ms, unknown_values,
                               token_ttl_secs, rate_limit {max_requests, window_ms} | null,
                               wrapped_token_answer, null_pending_outputs, live_agent_delay_ms
  GET    /_sim/faults          queued faults
  POST   /_sim/faults          queue faults: {\"faults\": [{\"kind\": K, \"count\"?, \"method\"?,
                               \"path_contains\"?, ...}]}; kinds and fields under Faults below
  DELETE /_sim/faults          clear queued faults
  POST   /_sim/tokens/revoke   invalidate every issued token (static token stays valid)
  GET    /_sim/requests        request log, oldest first
  DELETE /_sim/requests        clear the request log
  POST   /_sim/events          inject a system-initiated message into the events feed:
                               {\"conversation_id\": C, \"text\": T,
                                \"kind\"?: \"notification\" | \"async_response\",
                                \"event_type\"?: \"MESSAGE_EVENT\"}
                               -> 201 the event {\"event_id\", \"conversation_id\", \"event_payload\"}
  GET    /_sim/feedback        accepted submit-feedback requests, oldest first
  GET    /_sim/stream_marks    when each stream's first RESPONSE_OUTPUT_DELTA was written (benchmarks)
  POST   /_sim/script          {\"action\": A, \"args\": {...}}: one action of the sandbox
                               vocabulary (below), the same every language's Sandbox speaks
The crate documentation (moveworks-simulator, lib.rs) describes each in full.

Sandbox actions (POST /_sim/script; Sandbox.<action>(...) in every language):";

struct Options {
    config: SimulatorConfig,
    watch_stdin: bool,
}

fn parse_number<T: std::str::FromStr>(flag: &str, value: &str) -> Result<T, String> {
    value.parse().map_err(|_| format!("{flag}: `{value}` is not a valid number"))
}

fn parse_args(args: impl IntoIterator<Item = String>) -> Result<Option<Options>, String> {
    let mut options = Options { config: SimulatorConfig::default(), watch_stdin: true };
    let mut args = args.into_iter();
    while let Some(arg) = args.next() {
        // Accept both `--flag value` and `--flag=value`.
        let (flag, inline) = match arg.split_once('=') {
            Some((flag, value)) if flag.starts_with("--") => (flag.to_owned(), Some(value.to_owned())),
            _ => (arg.clone(), None),
        };
        match flag.as_str() {
            "-h" | "--help" => return Ok(None),
            "--ignore-stdin" => {
                options.watch_stdin = false;
                continue;
            }
            "--tls" => {
                options.config.tls = true;
                continue;
            }
            _ => {}
        }
        let value = match inline {
            Some(value) => value,
            None => args.next().ok_or_else(|| format!("{flag} needs a value"))?,
        };
        let config = &mut options.config;
        match flag.as_str() {
            "--host" => config.host = value,
            "--port" => config.port = parse_number(&flag, &value)?,
            "--assistant-name" => config.assistant_name = value,
            "--token" => config.static_token = (!value.is_empty()).then_some(value),
            "--client-id" => config.client_id = value,
            "--client-secret" => config.client_secret = value,
            "--response-ms" => config.response_duration = Duration::from_millis(parse_number(&flag, &value)?),
            "--threads" => config.threads = parse_number(&flag, &value)?,
            _ => return Err(format!("unknown argument `{arg}`")),
        }
    }
    Ok(Some(options))
}

fn main() -> ExitCode {
    let options = match parse_args(std::env::args().skip(1)) {
        Ok(Some(options)) => options,
        Ok(None) => {
            println!(
                "{USAGE}\n{}\nFaults (count default 1; method, path_contains filter; first match wins):\n{}\n\
                 MOVEWORKS_SIM_CONTRACT_LOG=DIR records every served body and SSE event to DIR/sim-<pid>.jsonl\n\
                 for scripts/contract-check.sh (see the crate docs, Contract recording).",
                moveworks_simulator::describe_actions(),
                moveworks_simulator::describe_faults()
            );
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("moveworks-simulator: {e}\n\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    let simulator = match Simulator::start(options.config) {
        Ok(simulator) => simulator,
        Err(e) => {
            eprintln!("moveworks-simulator: cannot start: {e}");
            return ExitCode::FAILURE;
        }
    };
    let config = simulator.config();
    let line = serde_json::json!({
        "base_url": simulator.base_url(),
        "v1_base_url": simulator.v1_base_url(),
        "token_url": simulator.token_url(),
        "origin": simulator.origin(),
        "port": simulator.addr().port(),
        "assistant_name": config.assistant_name,
        "token": config.static_token,
        "client_id": config.client_id,
        "client_secret": config.client_secret,
        "ca_certificate_pem": simulator.ca_certificate_pem(),
    });
    let mut stdout = io::stdout().lock();
    if writeln!(stdout, "{line}").and_then(|()| stdout.flush()).is_err() {
        return ExitCode::FAILURE;
    }
    drop(stdout);
    if options.watch_stdin {
        // The parent holds our stdin; its end of file means the parent is gone.
        let mut sink = [0u8; 4096];
        let mut stdin = io::stdin().lock();
        while matches!(stdin.read(&mut sink), Ok(n) if n > 0) {}
    } else {
        loop {
            std::thread::park();
        }
    }
    simulator.shutdown();
    ExitCode::SUCCESS
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn parses_flags() {
        let options = parse_args(args(&["--port", "8080", "--token=", "--response-ms=60", "--assistant-name", "x"]))
            .unwrap()
            .unwrap();
        assert_eq!(options.config.port, 8080);
        assert_eq!(options.config.static_token, None);
        assert_eq!(options.config.response_duration, Duration::from_millis(60));
        assert_eq!(options.config.assistant_name, "x");
        assert!(parse_args(args(&["--port", "x"])).is_err());
        assert!(parse_args(args(&["--bogus", "1"])).is_err());
        assert!(parse_args(args(&["--host"])).is_err());
        assert!(parse_args(args(&["--help"])).unwrap().is_none());
        assert!(!options.config.tls);
        assert!(parse_args(args(&["--tls", "--port", "0"])).unwrap().unwrap().config.tls);
    }

    #[test]
    fn help_names_every_control_route() {
        for route in [
            "/_sim/health",
            "/_sim/reset",
            "/_sim/config",
            "/_sim/faults",
            "/_sim/tokens/revoke",
            "/_sim/requests",
            "/_sim/events",
            "/_sim/feedback",
            "/_sim/script",
        ] {
            assert!(USAGE.contains(route), "--help does not mention {route}");
        }
    }
}

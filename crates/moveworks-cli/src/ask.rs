//! `moveworks ask`: one turn, streamed by default (`Client::stream_response`), or
//! polled with `--no-stream` (`Client::create_response_and_wait`). Ctrl-C cancels
//! the turn through a `CancelToken`, so it ends as the core's `cancelled` error.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use clap::Args;
use moveworks::{CancelToken, Client, Error, Input, ResponseStatus, StreamEvent, StreamOptions, WaitOptions};

use crate::render::{print_answer, TurnPrinter};
use crate::{seconds, wait_with_spinner, Output, WaitArgs};

/// `ask`'s arguments.
#[derive(Args)]
pub(crate) struct AskArgs {
    /// The question.
    text: String,
    /// Continue this conversation.
    #[arg(long)]
    conversation: Option<String>,
    #[command(flatten)]
    turn: TurnArgs,
}

/// How a turn is waited for (`ask`, `press`).
#[derive(Args)]
pub(crate) struct TurnArgs {
    /// Wait for the whole answer, polling, instead of streaming it as it is written.
    #[arg(long)]
    no_stream: bool,
    /// Seconds without a streamed event before the stream is given up (the turn is
    /// then finished by polling; the question is never sent twice).
    #[arg(long, default_value_t = 30.0, conflicts_with = "no_stream")]
    idle_timeout: f64,
    #[command(flatten)]
    wait: WaitArgs,
}

/// Runs `ask`. With `--json`, a streamed turn prints each event as one JSON line
/// (`{"event": "OUTPUT_DELTA", ...}`), ending with `RESPONSE_COMPLETED` and its
/// final response; `--no-stream --json` prints the final response.
pub(crate) fn ask(client: &Client, out: &Output, args: AskArgs) -> Result<(), Error> {
    let conversation_id = match args.conversation {
        Some(id) => id,
        None => client.create_conversation(None)?.conversation_id,
    };
    run_turn(client, out, &conversation_id, Input::from(args.text), &args.turn)
}

/// One turn (a question or a pressed button), streamed or polled, printed as `ask` does:
/// the answer, its footnotes, then its buttons numbered.
pub(crate) fn run_turn(
    client: &Client,
    out: &Output,
    conversation_id: &str,
    input: Input,
    turn: &TurnArgs,
) -> Result<(), Error> {
    let deadline = seconds("deadline", turn.wait.deadline)?;
    let idle_timeout = seconds("idle_timeout", turn.idle_timeout)?;
    let cancel = cancel_on_ctrl_c();
    if turn.no_stream {
        let (options, spinner) = wait_with_spinner(out, deadline);
        let options = WaitOptions { cancel: Some(cancel), ..options };
        let result = client.create_response_and_wait(conversation_id, input, &options);
        spinner.finish_and_clear();
        let response = result?;
        if out.json {
            out.print_json(&response);
        } else {
            print_answer(&response);
        }
        return Ok(());
    }
    let wait = WaitOptions { deadline, cancel: Some(cancel), ..WaitOptions::default() };
    if out.json {
        let options = StreamOptions { idle_timeout, wait };
        for event in client.stream_response(conversation_id, input, &options)? {
            print_json_line(&event?);
        }
        return Ok(());
    }
    let stderr_tty = std::io::stderr().is_terminal();
    let dim = stderr_tty && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty());
    let printer = Arc::new(Mutex::new(TurnPrinter::new(Box::new(std::io::stdout()), Box::new(std::io::stderr()), dim)));
    // When the stream breaks, the core polls for the rest of the turn and delivers what
    // each poll adds as deltas, so one loop shows both.
    let options = StreamOptions { idle_timeout, wait };
    let result = (|| {
        for event in client.stream_response(conversation_id, input, &options)? {
            match event? {
                StreamEvent::ResponseOutputDelta { output, .. } => lock(&printer).output(&output),
                // A FAILED one is followed by its `response_failed` error.
                StreamEvent::ResponseCompleted {
                    response: Some(response), status: ResponseStatus::Completed, ..
                } => lock(&printer).completed(&response),
                _ => {}
            }
        }
        Ok(())
    })();
    if result.is_err() {
        lock(&printer).end_lines();
    }
    result
}

fn lock(printer: &Mutex<TurnPrinter>) -> MutexGuard<'_, TurnPrinter> {
    printer.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

fn print_json_line(event: &StreamEvent) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{}", serde_json::to_string(event).expect("events serialize"));
    let _ = stdout.flush();
}

/// A token the first Ctrl-C cancels (the turn then ends as `cancelled`, exit code
/// 24); a second Ctrl-C exits at once with 130.
pub(crate) fn cancel_on_ctrl_c() -> CancelToken {
    let token = CancelToken::new();
    let cancel = token.clone();
    let pressed = AtomicBool::new(false);
    let installed = ctrlc::set_handler(move || {
        if pressed.swap(true, Ordering::SeqCst) {
            std::process::exit(130);
        }
        cancel.cancel();
    });
    if let Err(e) = installed {
        eprintln!("[moveworks warn] Ctrl-C will not cancel cleanly: {e}");
    }
    token
}

//! `events follow --checkpoint FILE`: the core's `EventsFollower` on the command
//! line. Each event is printed as it arrives and its id saved to the file only
//! after it was printed, so a killed run prints at most that one event again.

use std::io::Write;
use std::ops::ControlFlow;

use clap::Args;
use moveworks::{Client, Error, Event, EventsFollower, FileCheckpoint, FollowOptions};

use crate::Output;

/// Arguments of `events follow`.
#[derive(Args)]
pub(crate) struct FollowArgs {
    /// File keeping the id of the last event printed (created if missing; its directory
    /// must exist). Use one file per user. A restart resumes after that event.
    #[arg(long, value_name = "FILE")]
    checkpoint: String,
    /// Poll once (with every page), print what is new, save the checkpoint and exit.
    #[arg(long)]
    once: bool,
    /// On a new checkpoint file, print the events already in the feed too (by default
    /// the first poll only records where the feed ends).
    #[arg(long)]
    replay: bool,
    /// Seconds between polls (default 6: event polls share the rate limit of history and
    /// list reads, so polling faster starves them).
    #[arg(long, default_value_t = 6.0)]
    interval: f64,
}

/// Follows the events feed until Ctrl-C (a clean stop: exit code 0) or, with `--once`,
/// for one poll.
pub(crate) fn follow(client: &Client, out: &Output, args: FollowArgs) -> Result<(), Error> {
    let fresh = !std::path::Path::new(&args.checkpoint).exists();
    let options = FollowOptions {
        interval: crate::seconds("interval", args.interval)?,
        replay: args.replay,
        on_backoff: Some(std::sync::Arc::new(|e: &Error, wait| {
            eprintln!("[moveworks] {} ({}); polling again in {:.1}s", e.kind(), e.message(), wait.as_secs_f64());
        })),
        cancel: (!args.once).then(crate::ask::cancel_on_ctrl_c),
        ..FollowOptions::default()
    };
    let mut follower = EventsFollower::new(client, FileCheckpoint::new(&args.checkpoint), options)?;
    let print = |event: &Event| {
        print_event(out, event);
        ControlFlow::Continue(())
    };
    if args.once {
        follower.poll_once(print)?;
    } else {
        follower.run(print)?;
    }
    if fresh && !args.replay {
        if let Some(at) = follower.checkpoint() {
            let at = if at.is_empty() { "its start (no events yet)" } else { at };
            eprintln!("[moveworks] new checkpoint: the feed was caught up at {at}; later events will be printed");
        }
    }
    Ok(())
}

/// One event: a JSON line with `--json` (a stream of documents), else the `events list` line.
fn print_event(out: &Output, event: &Event) {
    if out.json {
        println!("{}", serde_json::to_string(event).expect("events serialize"));
    } else {
        out.event(event);
    }
    // Printed (and visible through a pipe) before its checkpoint is saved.
    let _ = std::io::stdout().flush();
}

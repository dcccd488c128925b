//! `moveworks`: command-line client of the Moveworks Conversations API (rest/v1 and rest/v1beta1).
//!
//! Configuration comes from flags or the `MOVEWORKS_*` environment variables;
//! `--sandbox` starts the simulator in-process so every command works with no
//! account. Errors print their kind, message and request id, and the exit code
//! tells the error kind apart (see `EXIT CODES` in `--help`).

use std::io::IsTerminal;
use std::ops::ControlFlow;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use clap::{Args, Parser, Subcommand};
use indicatif::{ProgressBar, ProgressStyle};
use moveworks::sandbox::{Sandbox, SandboxOptions};
use moveworks::{
    Client, ClientOptions, ConversationUpdate, Error, ErrorKind, Event, EventPayload, ListConversationsParams,
    ListEventsParams, Response, WaitOptions,
};
use serde::Serialize;

use crate::ask::AskArgs;

mod ask;
mod events;
mod messages;
mod render;
mod user_token;
mod v1;

const EXIT_CODES: &str = "EXIT CODES:
  0 success; 2 usage error; otherwise 10 + the error kind's index:
  10 invalid_argument  11 connection  12 timeout  13 decode  14 oauth
  15 bad_request  16 authentication  17 permission_denied  18 not_found
  19 rate_limit  20 internal_server  21 api_status  22 response_failed
  23 poll_timeout  24 cancelled";

/// Command-line client of the Moveworks Conversations API (rest/v1, and the rest/v1beta1 beta).
#[derive(Parser)]
#[command(name = "moveworks", version, about, after_help = EXIT_CODES)]
struct Cli {
    #[command(flatten)]
    conn: Connection,
    /// Print raw models as JSON (one document per result) for scripts.
    #[arg(long, global = true)]
    json: bool,
    /// Log every HTTP attempt to stderr (never credentials); the same as MOVEWORKS_LOG=debug
    /// (MOVEWORKS_LOG=trace adds redacted bodies).
    #[arg(short, long, global = true)]
    verbose: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Args)]
struct Connection {
    /// Run against an in-process simulator of the API: no account or setup needed.
    #[arg(long, global = true)]
    sandbox: bool,
    /// API base URL. A bare origin (https://api.am-eu-central.moveworks.ai) gets the
    /// generation's path (/rest/v1 or /rest/v1beta1) appended.
    #[arg(long, env = "MOVEWORKS_BASE_URL", global = true)]
    base_url: Option<String>,
    /// The API generation: v1 (the current Conversations API, the default) or v1beta1
    /// (the deprecated beta). With --sandbox the simulator serves both.
    #[arg(long = "api", value_name = "VERSION", env = "MOVEWORKS_API_VERSION", global = true,
          value_parser = ["v1", "v1beta1"])]
    api_version: Option<String>,
    /// Assistant name configured for your organization.
    #[arg(long, env = "MOVEWORKS_ASSISTANT_NAME", global = true)]
    assistant_name: Option<String>,
    /// Static bearer token.
    #[arg(long, env = "MOVEWORKS_TOKEN", hide_env_values = true, global = true)]
    token: Option<String>,
    /// OAuth client id (with --client-secret).
    #[arg(long, env = "MOVEWORKS_CLIENT_ID", global = true)]
    client_id: Option<String>,
    /// OAuth client secret.
    #[arg(long, env = "MOVEWORKS_CLIENT_SECRET", hide_env_values = true, global = true)]
    client_secret: Option<String>,
    /// Act for one user (rest/v1): run CMD through the shell for that user's bearer. CMD
    /// prints the token, or a token endpoint's JSON answer ({"access_token", "expires_in"});
    /// it runs again shortly before that expires, or once after a 401. No --token or
    /// client credentials are needed with it; given, they stay the client's own.
    #[arg(long, value_name = "CMD", env = "MOVEWORKS_USER_TOKEN_CMD", global = true)]
    user_token_cmd: Option<String>,
    /// OAuth token URL (default: the base URL's origin + /oauth/v1/token).
    #[arg(long, env = "MOVEWORKS_TOKEN_URL", global = true)]
    token_url: Option<String>,
    /// Proxy for every request (http://, https:// or socks5://; user:password@ allowed, never
    /// printed). Without it HTTPS_PROXY / ALL_PROXY / NO_PROXY are followed, as curl does.
    #[arg(long, global = true)]
    proxy: Option<String>,
    /// Extra trusted root certificates (a PEM file), e.g. your company proxy's root. The
    /// system's trust store is used too (SSL_CERT_FILE / SSL_CERT_DIR are honoured).
    #[arg(long, value_name = "PEM_FILE", global = true)]
    ca_certificates: Option<String>,
    /// Any client option as KEY=VALUE (repeatable), by its name in the README's options
    /// table, e.g. -o user_agent_suffix=my-script/1.0 -o timeout=5 -o max_retries=0.
    /// Applied after the flags above.
    #[arg(short = 'o', long = "option", value_name = "KEY=VALUE", global = true)]
    options: Vec<String>,
}

#[derive(Subcommand)]
enum Command {
    /// List, create, get and update conversations.
    #[command(subcommand)]
    Conversations(ConversationsCmd),
    /// Read the events feed.
    #[command(subcommand)]
    Events(EventsCmd),
    /// Create, get and wait for responses, and list a response's messages.
    #[command(subcommand)]
    Responses(ResponsesCmd),
    /// List a conversation's messages.
    #[command(subcommand)]
    Messages(messages::MessagesCmd),
    /// Rate an assistant message as helpful or unhelpful (the message's own callback id is
    /// looked up for you), with an optional comment.
    Feedback(messages::FeedbackArgs),
    /// Ask a question and print the answer as it is written (creates a conversation unless given one).
    ///
    /// The answer is streamed: reasoning is shown on stderr as `… ` lines, the answer is
    /// printed on stdout as it grows, then its citations as footnotes. If the stream
    /// breaks, the turn is finished by polling (the question is never sent twice) and
    /// the rest of the answer printed. With --json, each streamed event is one JSON line
    /// on stdout, the last one RESPONSE_COMPLETED with the final response. --no-stream
    /// waits for the whole answer by polling instead (with --json: the final response).
    /// Ctrl-C cancels the turn (exit code 24); a second Ctrl-C exits at once.
    Ask(AskArgs),
    /// Press button N of a conversation's last answer (as `ask` numbered them): a button
    /// sends its callback as the next turn and prints the answer like `ask`; a link is
    /// printed; a form button shows the form (see `forms`). rest/v1 only.
    Press(v1::PressArgs),
    /// Show, refresh and submit the form (modal) of a conversation's last answer. rest/v1 only.
    #[command(subcommand)]
    Forms(v1::FormsCmd),
}

#[derive(Subcommand)]
enum ConversationsCmd {
    /// List conversations, most recently updated first.
    List {
        /// Page size (1-100).
        #[arg(long)]
        limit: Option<u32>,
        /// Cursor from a previous page.
        #[arg(long)]
        cursor: Option<String>,
        /// List archived conversations instead of active ones.
        #[arg(long)]
        archived: bool,
        /// Follow cursors and list every page.
        #[arg(long)]
        all: bool,
    },
    /// Create a conversation.
    Create {
        /// Title (at most 256 characters).
        #[arg(long)]
        title: Option<String>,
    },
    /// Show one conversation.
    Get {
        /// Conversation id.
        id: String,
    },
    /// Change a conversation's title or archive flag.
    Update {
        /// Conversation id.
        id: String,
        /// New title.
        #[arg(long)]
        title: Option<String>,
        /// Archive (true) or unarchive (false).
        #[arg(long)]
        archived: Option<bool>,
    },
}

#[derive(Subcommand)]
enum EventsCmd {
    /// List events, oldest first.
    List {
        /// Only this conversation (default: all conversations).
        #[arg(long)]
        conversation: Option<String>,
        /// Only events after this id.
        #[arg(long)]
        starting_after: Option<String>,
        /// Only events up to this id.
        #[arg(long)]
        ending_at: Option<String>,
        /// Page size (1-100).
        #[arg(long)]
        limit: Option<u32>,
        /// Keep polling for new events after the last one seen.
        #[arg(long)]
        follow: bool,
        /// Seconds between polls with --follow.
        #[arg(long, default_value_t = 2.0)]
        interval: f64,
    },
    /// Follow the events feed, printing each event once as it arrives and saving the last
    /// one's id to a checkpoint file, so a restart resumes where it stopped (none lost, none
    /// repeated; after a crash at most the last event again). Stops on Ctrl-C, or after one
    /// poll with --once.
    Follow(events::FollowArgs),
}

#[derive(Subcommand)]
enum ResponsesCmd {
    /// Send a message; prints the new response at once.
    Create {
        /// Conversation id.
        conversation_id: String,
        /// Message text.
        text: String,
    },
    /// Show a response's current state.
    Get {
        /// Conversation id.
        conversation_id: String,
        /// Response id.
        response_id: String,
    },
    /// List one response's messages (the question and the answer).
    Messages {
        /// Conversation id.
        conversation_id: String,
        /// Response id.
        response_id: String,
        #[command(flatten)]
        page: messages::PageArgs,
    },
    /// Wait until a response completes or fails.
    Wait {
        /// Conversation id.
        conversation_id: String,
        /// Response id.
        response_id: String,
        #[command(flatten)]
        wait: WaitArgs,
    },
}

#[derive(Args)]
pub(crate) struct WaitArgs {
    /// Give up after this many seconds.
    #[arg(long, default_value_t = 120.0)]
    pub(crate) deadline: f64,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    // The core's own records (redacted: never a credential), to stderr; -v is MOVEWORKS_LOG=debug.
    if cli.verbose {
        moveworks::logging::set_log_level(Some(moveworks::logging::LogLevel::Debug));
    }
    moveworks::logging::set_log_sink(Some(std::sync::Arc::new(|r: &moveworks::logging::LogRecord| {
        eprintln!("[moveworks {}] {}", r.level, r.message);
    })));
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error[{}]: {}", e.kind(), e.message());
            for (label, value) in [
                ("status", e.status().map(|s| s.to_string())),
                ("code", e.code().map(|c| c.to_string())),
                ("request id", e.request_id().map(str::to_owned)),
                ("response id", e.response_id().map(str::to_owned)),
                ("retry after", e.retry_after().map(|d| format!("{:.1}s", d.as_secs_f64()))),
            ] {
                if let Some(v) = value {
                    eprintln!("  {label}: {v}");
                }
            }
            ExitCode::from(exit_code(e.kind()))
        }
    }
}

/// 10 + the kind's position in the core's taxonomy: stable and documented in `--help`.
fn exit_code(kind: ErrorKind) -> u8 {
    10 + ErrorKind::ALL.iter().position(|k| *k == kind).unwrap_or(0) as u8
}

pub(crate) fn seconds(arg: &str, secs: f64) -> Result<Duration, Error> {
    Duration::try_from_secs_f64(secs)
        .map_err(|_| Error::invalid_argument(arg, "must be a non-negative number of seconds"))
}

/// The client, and the sandbox that must outlive it.
///
/// Flags and `-o KEY=VALUE` pairs become one `ClientOptions`, which the core checks
/// (a token together with client credentials is its `invalid_argument`).
fn connect(conn: &Connection) -> Result<(Client, Option<Sandbox>), Error> {
    let binding = format!("cli/{}", moveworks::VERSION);
    let sandbox = match conn.sandbox {
        true => Some(Sandbox::start(&SandboxOptions::default())?),
        false => None,
    };
    let mut options = if let Some(sandbox) = &sandbox {
        // The sandbox's own connection; credentials from flags or the environment are ignored.
        let mut options = sandbox.client_options();
        if conn.api_version.is_some() {
            // The simulator serves both generations: its origin, with the asked one's path.
            options.base_url = options.base_url.as_deref().map(origin_of);
        }
        options
    } else {
        ClientOptions {
            base_url: conn.base_url.clone(),
            assistant_name: conn.assistant_name.clone(),
            token: conn.token.clone(),
            client_id: conn.client_id.clone(),
            client_secret: conn.client_secret.clone(),
            token_url: conn.token_url.clone(),
            ..ClientOptions::default()
        }
    };
    if conn.api_version.is_some() {
        options.api_version.clone_from(&conn.api_version);
    }
    if conn.proxy.is_some() {
        options.proxy.clone_from(&conn.proxy);
    }
    if conn.ca_certificates.is_some() {
        options.ca_certificates.clone_from(&conn.ca_certificates);
    }
    for pair in &conn.options {
        let (key, value) =
            pair.split_once('=').ok_or_else(|| Error::invalid_argument("option", "expected KEY=VALUE"))?;
        options.set(key, value)?;
    }
    let for_user = |client: Client| match &conn.user_token_cmd {
        Some(command) => client.for_user(user_token::provider(command.clone())),
        None => client,
    };
    if sandbox.is_some() {
        let client = Client::builder().options(options)?.binding(binding).build()?;
        return Ok((for_user(client), sandbox));
    }
    // The core would say the same, without pointing at the flags and variables.
    if options.assistant_name.is_none() {
        return Err(Error::invalid_argument(
            "assistant_name",
            "pass --assistant-name or set MOVEWORKS_ASSISTANT_NAME (or use --sandbox)",
        ));
    }
    let no_credential = options.token.is_none() && options.client_id.is_none() && options.client_secret.is_none();
    if no_credential && conn.user_token_cmd.is_none() {
        return Err(Error::invalid_argument(
            "token",
            "pass --token, --user-token-cmd, or --client-id and --client-secret (or the MOVEWORKS_* variables, or --sandbox)",
        ));
    }
    Ok((for_user(Client::builder().options(options)?.binding(binding).build()?), None))
}

/// `scheme://host[:port]` of a URL (the whole text when it has no path).
fn origin_of(url: &str) -> String {
    let after_scheme = url.find("://").map_or(0, |i| i + 3);
    match url[after_scheme..].find('/') {
        Some(i) => url[..after_scheme + i].to_owned(),
        None => url.to_owned(),
    }
}

fn run(cli: Cli) -> Result<(), Error> {
    let (client, _sandbox) = connect(&cli.conn)?;
    let out = Output { json: cli.json };
    match cli.command {
        Command::Conversations(cmd) => conversations(&client, &out, cmd),
        Command::Events(EventsCmd::List { conversation, starting_after, ending_at, limit, follow, interval }) => {
            let params =
                ListEventsParams { conversation_id: conversation, starting_after, ending_at, cursor: None, limit };
            events(&client, &out, params, follow.then_some(seconds("interval", interval)?))
        }
        Command::Events(EventsCmd::Follow(args)) => events::follow(&client, &out, args),
        Command::Responses(ResponsesCmd::Create { conversation_id, text }) => {
            out.response(&client.create_response(&conversation_id, text)?);
            Ok(())
        }
        Command::Responses(ResponsesCmd::Get { conversation_id, response_id }) => {
            out.response(&client.get_response(&conversation_id, &response_id)?);
            Ok(())
        }
        Command::Responses(ResponsesCmd::Wait { conversation_id, response_id, wait }) => {
            let (options, spinner) = wait_with_spinner(&out, seconds("deadline", wait.deadline)?);
            let result = client.wait_for_response(&conversation_id, &response_id, &options);
            spinner.finish_and_clear();
            out.response(&result?);
            Ok(())
        }
        Command::Responses(ResponsesCmd::Messages { conversation_id, response_id, page }) => {
            messages::response_messages(&client, &out, conversation_id, response_id, page)
        }
        Command::Messages(cmd) => messages::messages(&client, &out, cmd),
        Command::Feedback(args) => messages::feedback(&client, &out, args),
        Command::Ask(args) => ask::ask(&client, &out, args),
        Command::Press(args) => v1::press(&client, &out, args),
        Command::Forms(cmd) => v1::forms(&client, &out, cmd),
    }
}

fn conversations(client: &Client, out: &Output, cmd: ConversationsCmd) -> Result<(), Error> {
    match cmd {
        ConversationsCmd::List { limit, cursor, archived, all } => {
            let params = ListConversationsParams { limit, cursor, archived: Some(archived) };
            if all {
                for c in client.iter_conversations(params) {
                    out.conversation(&c?);
                }
            } else {
                let page = client.list_conversations(&params)?;
                if out.json {
                    out.print_json(&page);
                } else {
                    page.conversations.iter().for_each(|c| out.conversation(c));
                    if let Some(next) = page.next_cursor {
                        println!("(more: --cursor {next})");
                    }
                }
            }
        }
        ConversationsCmd::Create { title } => out.conversation(&client.create_conversation(title.as_deref())?),
        ConversationsCmd::Get { id } => out.conversation(&client.get_conversation(&id)?),
        ConversationsCmd::Update { id, title, archived } => {
            out.conversation(&client.update_conversation(&id, &ConversationUpdate { title, archived })?)
        }
    }
    Ok(())
}

fn events(client: &Client, out: &Output, mut params: ListEventsParams, follow: Option<Duration>) -> Result<(), Error> {
    loop {
        for event in client.iter_events(params.clone()) {
            let event = event?;
            out.event(&event);
            params.starting_after = Some(event.event_id);
        }
        match follow {
            Some(interval) => std::thread::sleep(interval),
            None => return Ok(()),
        }
    }
}

/// Wait options whose update callback drives a spinner showing status and reasoning.
pub(crate) fn wait_with_spinner(out: &Output, deadline: Duration) -> (WaitOptions, ProgressBar) {
    let spinner = if out.json || !std::io::stderr().is_terminal() {
        ProgressBar::hidden()
    } else {
        let s = ProgressBar::new_spinner();
        s.set_style(ProgressStyle::with_template("{spinner} {msg}").expect("static template"));
        s.enable_steady_tick(Duration::from_millis(100));
        s.set_message("sending…");
        s
    };
    let bar = spinner.clone();
    let options = WaitOptions {
        deadline,
        on_update: Some(Arc::new(move |r: &Response| {
            let thought = r.reasoning_messages().last().and_then(|m| m.content.text_lossy());
            bar.set_message(match thought {
                Some(t) => format!("{} — {t}", r.status),
                None => r.status.to_string(),
            });
            ControlFlow::Continue(())
        })),
        ..WaitOptions::default()
    };
    (options, spinner)
}

pub(crate) struct Output {
    pub(crate) json: bool,
}

impl Output {
    pub(crate) fn print_json<T: Serialize>(&self, value: &T) {
        println!("{}", serde_json::to_string_pretty(value).expect("models serialize"));
    }
    fn conversation(&self, c: &moveworks::Conversation) {
        if self.json {
            return self.print_json(c);
        }
        let archived = if c.archived { " [archived]" } else { "" };
        println!(
            "{}  {}  {}{archived}",
            c.conversation_id,
            c.updated_at.format("%Y-%m-%d %H:%M:%S"),
            c.title.as_deref().unwrap_or("(untitled)")
        );
    }
    fn response(&self, r: &Response) {
        if self.json {
            return self.print_json(r);
        }
        println!("{}  {}", r.response_id, r.status);
        if let Some(text) = r.assistant_text() {
            println!("{text}");
        }
    }
    fn event(&self, e: &Event) {
        if self.json {
            return self.print_json(e);
        }
        match &e.payload {
            EventPayload::Message { message: m } => {
                println!("{}  {}  {}: {}", e.event_id, e.conversation_id, m.actor, m.text())
            }
            EventPayload::Unknown { type_name, .. } => {
                println!("{}  {}  ({})", e.event_id, e.conversation_id, type_name)
            }
        }
    }
}

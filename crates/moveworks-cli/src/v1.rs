//! `press` and `forms`: the buttons and forms of rest/v1 answers.
//!
//! The CLI keeps no state between runs: the "last answer" is the conversation's
//! newest assistant message, re-read each time (which also gives fresh modal ids,
//! since Moveworks mints them per message read).

use std::collections::HashMap;

use clap::{Args, Subcommand};
use moveworks::{Action, Actor, Client, Error, ListMessagesParams, Message, Modal, ModalFieldKind, ModalRef};

use crate::ask::{run_turn, TurnArgs};
use crate::Output;

/// `press`: press a button of the last answer.
#[derive(Args)]
pub(crate) struct PressArgs {
    /// The button's number, as `ask` printed it (1 = the first).
    number: usize,
    /// The conversation whose last answer has the button.
    #[arg(long)]
    conversation: String,
    #[command(flatten)]
    turn: TurnArgs,
}

#[derive(Subcommand)]
pub(crate) enum FormsCmd {
    /// Show the form of the last answer (its first form button, or button N), optionally
    /// refreshed with values (`--set name=value`, as a form does when a field changes).
    Show {
        #[command(flatten)]
        form: FormArgs,
    },
    /// Fill in and submit the form of the last answer (`--set name=value` per field).
    Submit {
        #[command(flatten)]
        form: FormArgs,
    },
}

#[derive(Args)]
pub(crate) struct FormArgs {
    /// The conversation whose last answer offers the form.
    #[arg(long)]
    conversation: String,
    /// The form button's number, as `ask` printed it (default: the first form button).
    #[arg(long)]
    button: Option<usize>,
    /// A field's value as NAME=VALUE (repeatable): text, a date, true/false, a choice's
    /// value or label (several, comma-separated, for a multiple choice).
    #[arg(long = "set", value_name = "NAME=VALUE")]
    values: Vec<String>,
}

/// The conversation's newest assistant message: what `ask` printed last.
fn last_answer(client: &Client, conversation_id: &str) -> Result<Message, Error> {
    let params = ListMessagesParams { conversation_id: conversation_id.to_owned(), cursor: None, limit: Some(20) };
    let page = client.list_messages(&params)?;
    page.messages
        .into_iter()
        .find(|m| m.actor == Actor::Assistant)
        .ok_or_else(|| Error::invalid_argument("conversation", "has no assistant message among its last 20 messages"))
}

fn button(message: &Message, number: usize) -> Result<&Action, Error> {
    let count = message.buttons().len();
    number.checked_sub(1).and_then(|i| message.buttons().get(i)).ok_or_else(|| {
        Error::invalid_argument("number", format_args!("the last answer has {count} button(s); pick 1 to {count}"))
    })
}

/// `press N`: a callback button is sent as the next turn (printed like `ask`); a link is
/// printed; a form button shows the form.
pub(crate) fn press(client: &Client, out: &Output, args: PressArgs) -> Result<(), Error> {
    let message = last_answer(client, &args.conversation)?;
    match button(&message, args.number)? {
        action @ Action::Callback { .. } => run_turn(client, out, &args.conversation, action.input()?, &args.turn),
        Action::Url { url, label } => {
            if out.json {
                out.print_json(&serde_json::json!({ "label": label, "url": url }));
            } else {
                println!("{label}: open {url}");
            }
            Ok(())
        }
        action @ Action::Modal { .. } => {
            let modal = client.get_modal(&message.modal_ref(action).expect("a modal action"))?;
            print_modal(out, &modal);
            Ok(())
        }
        other => Err(Error::invalid_argument(
            "number",
            format_args!("button {} is a {} this CLI cannot press", args.number, other.type_name()),
        )),
    }
}

pub(crate) fn forms(client: &Client, out: &Output, cmd: FormsCmd) -> Result<(), Error> {
    let (form, submit) = match cmd {
        FormsCmd::Show { form } => (form, false),
        FormsCmd::Submit { form } => (form, true),
    };
    let message = last_answer(client, &form.conversation)?;
    let source: ModalRef = match form.button {
        Some(n) => message.modal_ref(button(&message, n)?),
        None => message.modals().into_iter().next(),
    }
    .ok_or_else(|| Error::invalid_argument("button", "the last answer offers no form there"))?;
    let modal = client.get_modal(&source)?;
    let mut values = HashMap::new();
    for pair in &form.values {
        let (name, text) = pair.split_once('=').ok_or_else(|| Error::invalid_argument("set", "expected NAME=VALUE"))?;
        let field = modal.field(name).ok_or_else(|| {
            let names: Vec<&str> = modal.fields.iter().map(|f| f.name.as_str()).collect();
            Error::invalid_argument(
                "set",
                format_args!("the form has no field {name:?} (fields: {})", names.join(", ")),
            )
        })?;
        values.insert(name.to_owned(), field.value_from_text(text)?);
    }
    if submit {
        let result = client.submit_modal(&source, &values)?;
        if out.json {
            out.print_json(&result);
        } else {
            println!("{}", result.status);
            if let Some(receipt) = &result.receipt_text {
                println!("{receipt}");
            }
        }
        return Ok(());
    }
    let shown = if values.is_empty() { modal } else { client.refresh_modal(&modal, &values)? };
    print_modal(out, &shown);
    Ok(())
}

fn print_modal(out: &Output, modal: &Modal) {
    if out.json {
        return out.print_json(modal);
    }
    println!("{}", modal.title.as_deref().unwrap_or("(untitled form)"));
    for f in modal.visible_fields() {
        let label = f.label.as_deref().unwrap_or(&f.name);
        let required = if f.required { " (required)" } else { "" };
        let kind = match &f.kind {
            ModalFieldKind::Display { text, .. } => {
                println!("  {}", text.as_deref().unwrap_or_default());
                continue;
            }
            ModalFieldKind::Choice { options, multi, .. } => {
                let options: Vec<String> = options
                    .iter()
                    .flatten()
                    .map(|o| match &o.display_value {
                        Some(d) if *d != o.value => format!("{}={d}", o.value),
                        _ => o.value.clone(),
                    })
                    .collect();
                format!("{} of: {}", if *multi { "choices" } else { "choice" }, options.join(", "))
            }
            other => other.type_name().to_ascii_lowercase(),
        };
        println!("  {}: {label}{required} [{kind}]", f.name);
    }
}

//! `messages list`, `responses messages` and `feedback`: a conversation's history
//! and rating an answer.

use clap::{Args, Subcommand};
use moveworks::{Client, Error, ListMessagesParams, ListResponseMessagesParams, Message, MessagePage};

use crate::Output;

/// Paging flags shared by the message lists.
#[derive(Args)]
pub(crate) struct PageArgs {
    /// Page size (1-100).
    #[arg(long)]
    limit: Option<u32>,
    /// Cursor from a previous page.
    #[arg(long)]
    cursor: Option<String>,
    /// Follow cursors and list every page.
    #[arg(long)]
    all: bool,
}

#[derive(Subcommand)]
pub(crate) enum MessagesCmd {
    /// List a conversation's messages (user and assistant), newest first.
    List {
        /// Conversation id.
        conversation_id: String,
        #[command(flatten)]
        page: PageArgs,
    },
}

/// `feedback`: rate an assistant message as helpful or not.
#[derive(Args)]
pub(crate) struct FeedbackArgs {
    /// Conversation id.
    conversation_id: String,
    /// Response id.
    response_id: String,
    /// Message id (an assistant message of that response).
    message_id: String,
    /// Rate the message helpful.
    #[arg(long, conflicts_with = "unhelpful", required_unless_present_any = ["unhelpful", "callback_id"])]
    helpful: bool,
    /// Rate the message unhelpful.
    #[arg(long)]
    unhelpful: bool,
    /// The opaque callback id to send as is, instead of looking it up from --helpful/--unhelpful.
    #[arg(long, conflicts_with_all = ["helpful", "unhelpful"])]
    callback_id: Option<String>,
    /// Free-text comment (at most 1,000 characters).
    #[arg(long)]
    comment: Option<String>,
}

/// Prints one page, or every page with `--all`.
fn print_pages(
    out: &Output,
    all: bool,
    first: MessagePage,
    items: impl Iterator<Item = Result<Message, Error>>,
) -> Result<(), Error> {
    if !all {
        if out.json {
            out.print_json(&first);
        } else {
            first.messages.iter().for_each(|m| print_message(out, m));
            if let Some(next) = first.next_cursor {
                println!("(more: --cursor {next})");
            }
        }
        return Ok(());
    }
    for message in items {
        print_message(out, &message?);
    }
    Ok(())
}

fn print_message(out: &Output, m: &Message) {
    if out.json {
        return out.print_json(m);
    }
    let rate = match &m.feedback {
        Some(f) if f.helpful.is_some() || f.unhelpful.is_some() => {
            format!("  (rate: feedback {} {} {} --helpful|--unhelpful)", m.conversation_id, m.response_id, m.message_id)
        }
        _ => String::new(),
    };
    let who = match &m.sender_info {
        Some(s) => format!("{} ({})", m.actor, s.display_name),
        None => m.actor.to_string(),
    };
    let text = match &m.content {
        moveworks::Content::CallbackAction { .. } => "(pressed a button)".to_owned(),
        _ => m.text_with_citation_markers(),
    };
    let files: Vec<&str> = m.files().iter().map(|f| f.file_name.as_deref().unwrap_or(f.file_id.as_str())).collect();
    let files = if files.is_empty() { String::new() } else { format!("  [files: {}]", files.join(", ")) };
    println!("{}  {}  {who}: {text}{files}{rate}", m.message_id, m.created_at.format("%Y-%m-%d %H:%M:%S"));
}

pub(crate) fn messages(client: &Client, out: &Output, cmd: MessagesCmd) -> Result<(), Error> {
    let MessagesCmd::List { conversation_id, page } = cmd;
    let params = ListMessagesParams { conversation_id, cursor: page.cursor, limit: page.limit };
    if page.all {
        return print_pages(out, true, MessagePage::default(), client.iter_messages(params));
    }
    print_pages(out, false, client.list_messages(&params)?, std::iter::empty())
}

pub(crate) fn response_messages(
    client: &Client,
    out: &Output,
    conversation_id: String,
    response_id: String,
    page: PageArgs,
) -> Result<(), Error> {
    let params = ListResponseMessagesParams { conversation_id, response_id, cursor: page.cursor, limit: page.limit };
    if page.all {
        return print_pages(out, true, MessagePage::default(), client.iter_response_messages(params));
    }
    print_pages(out, false, client.list_response_messages(&params)?, std::iter::empty())
}

pub(crate) fn feedback(client: &Client, out: &Output, args: FeedbackArgs) -> Result<(), Error> {
    let callback_id = match args.callback_id {
        Some(id) => id,
        None => {
            // The callback id is the message's own opaque token for the chosen rating.
            let params = ListResponseMessagesParams {
                conversation_id: args.conversation_id.clone(),
                response_id: args.response_id.clone(),
                cursor: None,
                limit: None,
            };
            let message = client
                .iter_response_messages(params)
                .find(|m| m.as_ref().map_or(true, |m| m.message_id == args.message_id))
                .transpose()?
                .ok_or_else(|| Error::invalid_argument("message_id", "no such message in that response"))?;
            let feedback = message.feedback.unwrap_or_default();
            let option = if args.unhelpful { feedback.unhelpful } else { feedback.helpful };
            option
                .ok_or_else(|| Error::invalid_argument("message_id", "this message offers no such rating"))?
                .callback_id
        }
    };
    let result = client.submit_feedback(
        &args.conversation_id,
        &args.response_id,
        &args.message_id,
        &callback_id,
        args.comment.as_deref(),
    )?;
    if out.json {
        out.print_json(&result);
    } else {
        println!("feedback {}", result.status);
    }
    Ok(())
}

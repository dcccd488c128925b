//! How answers look on a terminal: the polled answer at once ([`print_answer`]) or a
//! streamed one as it grows ([`TurnPrinter`]), both ending with citation footnotes.

use std::io::Write;

use moveworks::{render_citations, Action, Actor, Message, OutputItem, Response};

/// The answer with `[n]` markers, then the citations as footnotes.
pub(crate) fn print_answer(response: &Response) {
    let mut stdout = std::io::stdout().lock();
    let messages: Vec<_> = response.assistant_messages().collect();
    if messages.is_empty() {
        let _ = writeln!(stdout, "{NO_MESSAGE}");
    }
    for m in &messages {
        let _ = writeln!(stdout, "{}", m.text_with_citation_markers());
        write_footnotes(&mut stdout, m);
    }
    write_buttons(&mut stdout, messages.last().copied());
}

/// A blank line then the buttons of the answer's last message, numbered for `press N`
/// (a URL action shows its link, a form action how to open it); nothing without buttons.
pub(crate) fn write_buttons(out: &mut dyn Write, m: Option<&Message>) {
    let Some(m) = m.filter(|m| !m.buttons().is_empty()) else { return };
    let _ = writeln!(out);
    let _ = writeln!(out, "Buttons (moveworks press N --conversation {}):", m.conversation_id);
    for (i, action) in m.buttons().iter().enumerate() {
        let label = action.label().unwrap_or("(no label)");
        let _ = match action {
            Action::Callback { .. } => writeln!(out, "  {}. {label}", i + 1),
            Action::Url { url, .. } => writeln!(out, "  {}. {label} <{url}>", i + 1),
            Action::Modal { .. } => writeln!(out, "  {}. {label} (form)", i + 1),
            Action::Unknown { type_name, .. } => writeln!(out, "  {}. {label} ({type_name})", i + 1),
        };
    }
}

const NO_MESSAGE: &str = "(the assistant returned no message)";

/// A blank line then `[n] title — url` for each citation of `m`; nothing without citations.
fn write_footnotes(out: &mut dyn Write, m: &Message) {
    if m.citations.is_empty() {
        return;
    }
    let _ = writeln!(out);
    for (i, c) in m.citations.iter().enumerate() {
        let title = c.display.as_ref().and_then(|d| d.title.as_ref()).and_then(|t| t.text_lossy());
        let parts: Vec<String> = [title, c.url.clone()].into_iter().flatten().collect();
        let _ = writeln!(out, "[{}] {}", i + 1, parts.join(" — "));
    }
}

/// What is shown of a (possibly partial) message: its text with `[n]` markers for
/// the citations its text already reaches. Markers of citations past the end are
/// left out rather than put at the end, so that a growing message shows a growing
/// text and the last delta shows [`Message::text_with_citation_markers`].
fn shown_text(m: &Message) -> String {
    let text = m.text();
    let len = text.chars().count() as u64;
    let places: Vec<(u64, usize)> = m.citation_places().into_iter().filter(|&(offset, _)| offset <= len).collect();
    render_citations(&text, &places, |i| format!("[{}]", i + 1))
}

/// Prints a streamed turn for people, as its outputs arrive.
///
/// Reasoning goes to `err` as `… text` lines (dimmed on a terminal) until the answer
/// starts; the answer goes to `out`, each delta adding only the new end of the
/// growing message. A message that changes other than by growing is printed again
/// in full on a new line, after a `… (revised)` note on `err`. [`completed`](Self::completed)
/// prints whatever part of the final response was not shown yet (all of it when
/// the stream broke and the turn was finished by polling), then the footnotes.
pub(crate) struct TurnPrinter {
    out: Box<dyn Write + Send>,
    err: Box<dyn Write + Send>,
    dim: bool,
    /// The reasoning message whose line is open on `err`, and the text shown of it.
    reasoning: Option<(String, String)>,
    /// Each answer message printed, by id, with its text as shown, in print order.
    answer: Vec<(String, String)>,
    /// The last answer line is not terminated yet.
    answer_open: bool,
}

impl TurnPrinter {
    /// `dim`: wrap reasoning lines in the terminal's faint style.
    pub(crate) fn new(out: Box<dyn Write + Send>, err: Box<dyn Write + Send>, dim: bool) -> TurnPrinter {
        TurnPrinter { out, err, dim, reasoning: None, answer: Vec::new(), answer_open: false }
    }

    /// One output as it is so far (from an `OUTPUT_DELTA`, or a polled response).
    pub(crate) fn output(&mut self, item: &OutputItem) {
        match item {
            OutputItem::ReasoningMessage { reasoning_message: r } if self.answer.is_empty() => {
                self.reasoning(&r.reasoning_message_id, &r.content.text_lossy().unwrap_or_default())
            }
            OutputItem::Message { message } if message.actor == Actor::Assistant => self.message(message),
            _ => {}
        }
    }

    /// The final response: the rest of the answer, then the footnotes.
    pub(crate) fn completed(&mut self, response: &Response) {
        let messages: Vec<&Message> = response.assistant_messages().collect();
        for m in &messages {
            self.message(m);
        }
        self.end_lines();
        if messages.is_empty() && self.answer.is_empty() {
            let _ = writeln!(self.out, "{NO_MESSAGE}");
        }
        for m in &messages {
            write_footnotes(&mut self.out, m);
        }
        write_buttons(&mut self.out, messages.last().copied());
        let _ = self.out.flush();
    }

    /// Terminates any open line (before an error is printed, say).
    pub(crate) fn end_lines(&mut self) {
        self.end_reasoning();
        if std::mem::take(&mut self.answer_open) {
            let _ = writeln!(self.out);
        }
        let _ = self.out.flush();
    }

    fn reasoning(&mut self, id: &str, text: &str) {
        let (start, end) = if self.dim { ("\x1b[2m", "\x1b[0m") } else { ("", "") };
        match &mut self.reasoning {
            Some((open, shown)) if open == id => {
                if let Some(rest) = text.strip_prefix(shown.as_str()) {
                    let _ = write!(self.err, "{start}{rest}{end}");
                } else {
                    let _ = write!(self.err, "\n{start}… {text}{end}");
                }
                *shown = text.to_owned();
            }
            _ => {
                self.end_reasoning();
                let _ = write!(self.err, "{start}… {text}{end}");
                self.reasoning = Some((id.to_owned(), text.to_owned()));
            }
        }
        let _ = self.err.flush();
    }

    fn end_reasoning(&mut self) {
        if self.reasoning.take().is_some() {
            let _ = writeln!(self.err);
            let _ = self.err.flush();
        }
    }

    fn message(&mut self, m: &Message) {
        self.end_reasoning();
        let text = shown_text(m);
        let last = self.answer.len().checked_sub(1);
        match self.answer.iter().position(|(id, _)| *id == m.message_id) {
            Some(i) if self.answer[i].1 == text => {}
            Some(i) if Some(i) == last && text.starts_with(self.answer[i].1.as_str()) => {
                let _ = write!(self.out, "{}", &text[self.answer[i].1.len()..]);
                self.answer_open = !text.ends_with('\n');
                self.answer[i].1 = text;
            }
            Some(i) => {
                // Changed other than by growing: print it again, in full, as the latest block.
                self.answer.remove(i);
                self.end_lines();
                let _ = writeln!(self.err, "… (revised)");
                self.start_message(m, text);
            }
            None => {
                if !self.answer.is_empty() {
                    self.end_lines();
                    let _ = writeln!(self.out);
                }
                self.start_message(m, text);
            }
        }
        let _ = self.out.flush();
    }

    fn start_message(&mut self, m: &Message, text: String) {
        let _ = write!(self.out, "{text}");
        self.answer_open = !text.is_empty() && !text.ends_with('\n');
        self.answer.push((m.message_id.clone(), text));
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use super::*;

    #[derive(Clone, Default)]
    struct Buf(Arc<Mutex<Vec<u8>>>);

    impl Write for Buf {
        fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(b);
            Ok(b.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl Buf {
        fn text(&self) -> String {
            String::from_utf8(self.0.lock().unwrap().clone()).unwrap()
        }
    }

    fn message(id: &str, text: &str, citations: &[(u64, &str)]) -> serde_json::Value {
        serde_json::json!({
            "type": "MESSAGE",
            "message": {
                "message_id": id, "conversation_id": "conv_1", "response_id": "resp_1", "actor": "ASSISTANT",
                "content": {"type": "PLAIN_TEXT", "plain_text": {"text": text}},
                "citations": citations.iter().map(|(offset, url)| serde_json::json!({
                    "location": {"offset": offset}, "url": url,
                    "display": {"title": {"type": "PLAIN_TEXT", "plain_text": {"text": "Doc"}}},
                })).collect::<Vec<_>>(),
                "created_at": "2026-01-01T00:00:00Z",
            },
        })
    }

    fn reasoning(text: &str) -> serde_json::Value {
        serde_json::json!({
            "type": "REASONING_MESSAGE",
            "reasoning_message": {
                "reasoning_message_id": "rm_1", "conversation_id": "conv_1", "response_id": "resp_1",
                "content": {"type": "PLAIN_TEXT", "plain_text": {"text": text}},
                "created_at": "2026-01-01T00:00:00Z",
            },
        })
    }

    fn item(v: serde_json::Value) -> OutputItem {
        serde_json::from_value(v).expect("an output item")
    }

    fn response(outputs: Vec<serde_json::Value>) -> Response {
        serde_json::from_value(serde_json::json!({
            "response_id": "resp_1", "conversation_id": "conv_1", "status": "COMPLETED",
            "created_at": "2026-01-01T00:00:00Z", "outputs": outputs,
        }))
        .expect("a response")
    }

    fn printer() -> (TurnPrinter, Buf, Buf) {
        let (out, err) = (Buf::default(), Buf::default());
        (TurnPrinter::new(Box::new(out.clone()), Box::new(err.clone()), false), out, err)
    }

    #[test]
    fn a_growing_answer_is_printed_once_with_markers_and_footnotes() {
        let (mut p, out, err) = printer();
        p.output(&item(reasoning("Looking up")));
        p.output(&item(reasoning("Looking up John Doe")));
        p.output(&item(message("m1", "John", &[])));
        p.output(&item(message("m1", "John reports to", &[(4, "https://a")])));
        let full = message("m1", "John reports to Jane.", &[(4, "https://a"), (21, "https://b")]);
        p.output(&item(full.clone()));
        p.completed(&response(vec![full]));
        assert_eq!(err.text(), "… Looking up John Doe\n");
        assert_eq!(out.text(), "John[1] reports to Jane.[2]\n\n[1] Doc — https://a\n[2] Doc — https://b\n");
    }

    #[test]
    fn after_a_fallback_the_rest_of_the_answer_is_printed() {
        let (mut p, out, _) = printer();
        p.output(&item(message("m1", "Hello", &[])));
        p.completed(&response(vec![message("m1", "Hello there.", &[])]));
        assert_eq!(out.text(), "Hello there.\n");
        // Nothing streamed at all: the whole answer.
        let (mut p, out, _) = printer();
        p.completed(&response(vec![message("m1", "Hello there.", &[])]));
        assert_eq!(out.text(), "Hello there.\n");
    }

    #[test]
    fn a_replaced_message_is_printed_again_on_a_new_line() {
        let (mut p, out, err) = printer();
        p.output(&item(message("m1", "Hello wor", &[])));
        p.output(&item(message("m1", "Hi there", &[])));
        p.completed(&response(vec![message("m1", "Hi there", &[])]));
        assert_eq!(out.text(), "Hello wor\nHi there\n");
        assert_eq!(err.text(), "… (revised)\n");
    }

    #[test]
    fn several_messages_are_separated_and_no_message_is_said() {
        let (mut p, out, _) = printer();
        p.output(&item(message("m1", "One.", &[])));
        p.completed(&response(vec![message("m1", "One.", &[]), message("m2", "Two.", &[])]));
        assert_eq!(out.text(), "One.\n\nTwo.\n");
        let (mut p, out, _) = printer();
        p.completed(&response(vec![]));
        assert_eq!(out.text(), format!("{NO_MESSAGE}\n"));
    }
}

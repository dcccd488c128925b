//! An incremental Server-Sent Events parser (the WHATWG HTML "event stream" format).
//!
//! Written here rather than taken from a crate: the SSE crates on crates.io are
//! built around async streams (`eventsource-stream`, `reqwest-eventsource`) or
//! own the HTTP connection themselves; this SDK reads a blocking `ureq` body and
//! needs only the ~100 lines of line splitting and field handling below.
//!
//! Bytes are fed as they arrive, in pieces of any size: the result is the same
//! whether the stream comes in one buffer or one byte at a time (tested).
//! Rules implemented: lines end in CR, LF or CRLF (a CR at the end of one read
//! and the LF at the start of the next count as one line end); a UTF-8 BOM at
//! the start of the stream is skipped; lines starting with `:` are comments;
//! `field:value` with one leading space of the value stripped; a line without a
//! colon is a field with an empty value; `data` lines are joined with `\n`;
//! `event`, `id` (ignored when it contains NUL, or is longer than [`MAX_EVENT_ID_BYTES`]:
//! every later event carries it, so a huge one would be copied per event) and `retry`
//! (ASCII digits only);
//! a blank line dispatches the event, unless no `data` was given; an unfinished
//! event at the end of the stream is discarded.

use std::sync::Arc;
use std::time::Duration;

/// Longest `id:` value kept; a longer one is ignored as an invalid id. Events share the
/// last id by reference, so even a kept id costs one copy, not one per event.
pub(crate) const MAX_EVENT_ID_BYTES: usize = 1024;

const BOM: [u8; 3] = [0xEF, 0xBB, 0xBF];

/// One dispatched event.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SseEvent {
    /// The `event:` name, `"message"` when the event named none.
    pub(crate) event: String,
    /// The `data:` lines joined with `\n`.
    pub(crate) data: String,
    /// The last event id seen so far in the stream (`""` when none), shared with the
    /// parser and every other event carrying the same id.
    pub(crate) id: Arc<str>,
}

/// The incremental parser. Feed it bytes; it returns the events they complete.
#[derive(Debug)]
pub(crate) struct SseParser {
    line: Vec<u8>,
    /// The previous byte was a CR, so an LF right after it ends nothing.
    after_cr: bool,
    /// Still at the start of the stream, where a BOM may be (partly) in `line`.
    at_start: bool,
    event: String,
    data: String,
    has_data: bool,
    last_id: Arc<str>,
    retry: Option<Duration>,
    /// Largest line or event accepted, in bytes.
    max_bytes: usize,
}

/// A line or an event grew past the parser's limit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TooLarge(pub(crate) usize);

impl SseParser {
    /// A parser refusing lines or events longer than `max_bytes`.
    pub(crate) fn new(max_bytes: usize) -> SseParser {
        SseParser {
            line: Vec::new(),
            after_cr: false,
            at_start: true,
            event: String::new(),
            data: String::new(),
            has_data: false,
            last_id: Arc::from(""),
            retry: None,
            max_bytes,
        }
    }

    /// The reconnection time the server asked for with `retry:`, if any.
    #[allow(dead_code)]
    pub(crate) fn retry(&self) -> Option<Duration> {
        self.retry
    }

    /// Parses `bytes`, appending the events they complete to `out`.
    pub(crate) fn feed(&mut self, mut bytes: &[u8], out: &mut Vec<SseEvent>) -> Result<(), TooLarge> {
        while self.at_start {
            let Some((&b, rest)) = bytes.split_first() else {
                return Ok(());
            };
            if self.line.len() < BOM.len() && BOM[self.line.len()] == b {
                self.line.push(b);
                bytes = rest;
                if self.line.len() == BOM.len() {
                    self.line.clear();
                    self.at_start = false;
                }
            } else {
                // Not a BOM: whatever was held back is ordinary line content.
                self.at_start = false;
            }
        }
        while !bytes.is_empty() {
            if self.after_cr {
                self.after_cr = false;
                if bytes[0] == b'\n' {
                    bytes = &bytes[1..];
                    continue;
                }
            }
            match memchr::memchr2(b'\n', b'\r', bytes) {
                Some(i) => {
                    let (line, rest) = (&bytes[..i], &bytes[i + 1..]);
                    self.after_cr = bytes[i] == b'\r';
                    if self.line.is_empty() {
                        // A whole line in this read (the usual case): parsed in place, not copied.
                        if line.len() > self.max_bytes {
                            return Err(TooLarge(self.max_bytes));
                        }
                        self.process_line(line, out)?;
                    } else {
                        self.push_line_bytes(line)?;
                        let held = std::mem::take(&mut self.line);
                        self.process_line(&held, out)?;
                        self.line = held;
                        self.line.clear();
                    }
                    bytes = rest;
                }
                None => {
                    self.push_line_bytes(bytes)?;
                    bytes = &[];
                }
            }
        }
        Ok(())
    }

    fn push_line_bytes(&mut self, bytes: &[u8]) -> Result<(), TooLarge> {
        if self.line.len() + bytes.len() > self.max_bytes {
            return Err(TooLarge(self.max_bytes));
        }
        self.line.extend_from_slice(bytes);
        Ok(())
    }

    fn process_line(&mut self, line: &[u8], out: &mut Vec<SseEvent>) -> Result<(), TooLarge> {
        if line.is_empty() {
            self.dispatch(out);
            return Ok(());
        }
        if line[0] == b':' {
            return Ok(());
        }
        let (field, value) = match line.iter().position(|&b| b == b':') {
            Some(i) => {
                let value = &line[i + 1..];
                (&line[..i], value.strip_prefix(b" ").unwrap_or(value))
            }
            None => (line, &[][..]),
        };
        match field {
            b"event" => self.event = String::from_utf8_lossy(value).into_owned(),
            b"data" => {
                if self.data.len() + value.len() + 1 > self.max_bytes {
                    return Err(TooLarge(self.max_bytes));
                }
                if self.has_data {
                    self.data.push('\n');
                }
                push_lossy(&mut self.data, value);
                self.has_data = true;
            }
            b"id" if !value.contains(&0) && value.len() <= MAX_EVENT_ID_BYTES => {
                self.last_id = Arc::from(String::from_utf8_lossy(value).as_ref());
            }
            b"retry" if !value.is_empty() && value.iter().all(u8::is_ascii_digit) => {
                // Digits only, so the parse fails only on overflow: ignored like any bad value.
                if let Ok(ms) = std::str::from_utf8(value).unwrap_or_default().parse::<u64>() {
                    self.retry = Some(Duration::from_millis(ms));
                }
            }
            _ => {}
        }
        Ok(())
    }

    fn dispatch(&mut self, out: &mut Vec<SseEvent>) {
        let event = std::mem::take(&mut self.event);
        if !std::mem::take(&mut self.has_data) {
            self.data.clear();
            return;
        }
        out.push(SseEvent {
            event: if event.is_empty() { "message".to_owned() } else { event },
            data: std::mem::take(&mut self.data),
            id: Arc::clone(&self.last_id),
        });
    }
}

/// Appends `bytes` as UTF-8, invalid sequences replaced (as the SSE standard decodes).
/// `str::from_utf8` checks valid text several times faster than `from_utf8_lossy`'s chunk
/// walk, and data lines are most of a stream's bytes.
fn push_lossy(out: &mut String, bytes: &[u8]) {
    match std::str::from_utf8(bytes) {
        Ok(text) => out.push_str(text),
        Err(_) => out.push_str(&String::from_utf8_lossy(bytes)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(input: &[u8]) -> Vec<SseEvent> {
        let mut parser = SseParser::new(1 << 20);
        let mut out = Vec::new();
        parser.feed(input, &mut out).unwrap();
        out
    }

    fn bytewise(input: &[u8]) -> Vec<SseEvent> {
        let mut parser = SseParser::new(1 << 20);
        let mut out = Vec::new();
        for b in input {
            parser.feed(std::slice::from_ref(b), &mut out).unwrap();
        }
        out
    }

    fn ev(event: &str, data: &str, id: &str) -> SseEvent {
        SseEvent { event: event.into(), data: data.into(), id: Arc::from(id) }
    }

    #[test]
    fn event_and_data_dispatch_on_blank_line() {
        assert_eq!(
            parse(b"event: RESPONSE_CREATED\ndata: {\"a\":1}\n\n"),
            vec![ev("RESPONSE_CREATED", "{\"a\":1}", "")]
        );
        assert_eq!(parse(b"event: X\ndata: 1\n"), vec![], "no blank line, no dispatch");
    }

    #[test]
    fn multi_line_data_is_joined_with_lf() {
        assert_eq!(parse(b"data: a\ndata: b\ndata:\ndata: c\n\n"), vec![ev("message", "a\nb\n\nc", "")]);
    }

    #[test]
    fn comments_are_ignored() {
        assert_eq!(parse(b": keep-alive\n:\ndata: x\n: more\n\n"), vec![ev("message", "x", "")]);
    }

    #[test]
    fn id_persists_and_nul_ids_are_ignored() {
        assert_eq!(
            parse(b"id: 7\ndata: a\n\ndata: b\n\nid: 8\0\ndata: c\n\nid\ndata: d\n\n"),
            vec![ev("message", "a", "7"), ev("message", "b", "7"), ev("message", "c", "7"), ev("message", "d", "")]
        );
    }

    #[test]
    fn an_oversized_id_is_ignored_and_ids_are_shared_not_copied() {
        let long = "x".repeat(MAX_EVENT_ID_BYTES + 1);
        let input = format!("id: 1\ndata: a\n\nid: {long}\ndata: b\n\ndata: c\n\n");
        let out = parse(input.as_bytes());
        assert_eq!(out, vec![ev("message", "a", "1"), ev("message", "b", "1"), ev("message", "c", "1")]);
        assert!(Arc::ptr_eq(&out[1].id, &out[2].id), "one id shared by every event");
    }

    #[test]
    fn retry_takes_digits_only() {
        let mut p = SseParser::new(1024);
        let mut out = Vec::new();
        p.feed(b"retry: 1500\n\n", &mut out).unwrap();
        assert_eq!(p.retry(), Some(Duration::from_millis(1500)));
        p.feed(b"retry: 2s\nretry:\nretry: -1\n\n", &mut out).unwrap();
        assert_eq!(p.retry(), Some(Duration::from_millis(1500)));
        assert!(out.is_empty(), "retry alone dispatches nothing");
    }

    #[test]
    fn cr_lf_and_crlf_all_end_lines() {
        let want = vec![ev("E", "x", ""), ev("F", "y", "")];
        assert_eq!(parse(b"event: E\rdata: x\r\revent: F\rdata: y\r\r"), want);
        assert_eq!(parse(b"event: E\ndata: x\n\nevent: F\ndata: y\n\n"), want);
        assert_eq!(parse(b"event: E\r\ndata: x\r\n\r\nevent: F\r\ndata: y\r\n\r\n"), want);
        assert_eq!(parse(b"event: E\r\ndata: x\n\revent: F\rdata: y\r\n\n"), want);
    }

    #[test]
    fn crlf_split_across_reads_is_one_line_end() {
        let mut p = SseParser::new(1024);
        let mut out = Vec::new();
        p.feed(b"data: a\r", &mut out).unwrap();
        p.feed(b"\ndata: b\r", &mut out).unwrap();
        p.feed(b"\n\r", &mut out).unwrap();
        p.feed(b"\n", &mut out).unwrap();
        assert_eq!(out, vec![ev("message", "a\nb", "")]);
    }

    #[test]
    fn field_without_colon_has_an_empty_value() {
        // `data` alone appends an empty line; `event` alone resets the name to the default.
        assert_eq!(parse(b"data\ndata\n\n"), vec![ev("message", "\n", "")]);
        assert_eq!(parse(b"event\ndata: x\n\n"), vec![ev("message", "x", "")]);
    }

    #[test]
    fn one_leading_space_is_stripped() {
        assert_eq!(parse(b"data:no-space\n\n"), vec![ev("message", "no-space", "")]);
        assert_eq!(parse(b"data:  two\n\n"), vec![ev("message", " two", "")]);
        assert_eq!(parse(b"event:  E\ndata: x\n\n"), vec![ev(" E", "x", "")]);
        assert_eq!(parse(b"data: a:b: c\n\n"), vec![ev("message", "a:b: c", "")]);
    }

    #[test]
    fn unknown_fields_are_ignored_and_empty_events_not_dispatched() {
        assert_eq!(parse(b"foo: bar\n\nevent: X\n\ndata: y\n\n"), vec![ev("message", "y", "")]);
    }

    #[test]
    fn bom_at_start_is_skipped_only_there() {
        assert_eq!(parse(b"\xEF\xBB\xBFdata: x\n\n"), vec![ev("message", "x", "")]);
        assert_eq!(bytewise(b"\xEF\xBB\xBFdata: x\n\n"), vec![ev("message", "x", "")]);
        // A BOM later in the stream is content (here, part of an unknown field name).
        assert_eq!(parse(b"data: x\n\n\xEF\xBB\xBFdata: y\n\n"), vec![ev("message", "x", "")]);
        // A partial BOM is content too.
        assert_eq!(parse(b"\xEF\xBBdata: x\n\n"), vec![]);
        assert_eq!(parse(b"\xEFdata: x\n\ndata: y\n\n"), vec![ev("message", "y", "")]);
    }

    #[test]
    fn unfinished_event_at_end_is_not_dispatched() {
        assert_eq!(parse(b"data: x\n\ndata: y"), vec![ev("message", "x", "")]);
    }

    #[test]
    fn utf8_split_across_reads_survives() {
        let input = "event: D\ndata: {\"t\":\"Café ☕ 📘\"}\n\n".as_bytes();
        assert_eq!(bytewise(input), vec![ev("D", "{\"t\":\"Café ☕ 📘\"}", "")]);
    }

    #[test]
    fn byte_at_a_time_equals_whole_buffer() {
        let input: &[u8] = b"\xEF\xBB\xBF: hi\r\nretry: 10\r\nid: 1\r\nevent: RESPONSE_CREATED\r\ndata: {\"response_id\":\"r\"}\r\n\r\n\
            event: OUTPUT_DELTA\ndata: {\"a\":\ndata: 1}\n\nid: 2\revent: X\rdata\r\r\
            data: tail\r\n\n:bye\n\nevent:E\ndata:  z\n\n";
        let whole = parse(input);
        assert_eq!(whole.len(), 5, "{whole:?}");
        assert_eq!(bytewise(input), whole);
        for split in 0..input.len() {
            let mut p = SseParser::new(1 << 20);
            let mut out = Vec::new();
            p.feed(&input[..split], &mut out).unwrap();
            p.feed(&input[split..], &mut out).unwrap();
            assert_eq!(out, whole, "split at {split}");
        }
    }

    #[test]
    fn oversized_lines_and_events_are_refused() {
        let mut p = SseParser::new(16);
        let mut out = Vec::new();
        assert_eq!(p.feed(&[b'a'; 17], &mut out), Err(TooLarge(16)));
        let mut p = SseParser::new(16);
        assert_eq!(p.feed(b"data: 0123456789\ndata: 0123456789\n", &mut out), Err(TooLarge(16)));
    }
}

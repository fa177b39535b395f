//! The output boundary of every command: a writer that makes control
//! characters visible, so nothing a server sent (cluster names, error bodies,
//! log lines) can retitle, clear or switch the user's terminal.
//!
//! `\n` and `\t` pass; every other C0 control, DEL and every C1 control is
//! written as `\u001b`-style text, which reads well in a table and is also a
//! valid escape inside a JSON string, so `-o json` output stays parseable and
//! decodes to the same text. Bytes that are not UTF-8 are written as `\xNN`.

use std::borrow::Cow;
use std::io::{self, Write};

/// Whether `c` must not reach a terminal raw.
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}')
}

/// `s` with every control character except `\n` and `\t` made visible.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !s.chars().any(is_control) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 16);
    for c in s.chars() {
        if is_control(c) {
            out.push_str(&format!("\\u{:04x}", u32::from(c)));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Serialises a piece of the input's JSON as it was, except a carriage
/// return between tokens, which becomes a space: the output boundary would
/// show it escaped (`\u000d`), which is not JSON whitespace. Valid JSON has
/// no raw control characters anywhere else (strings escape them).
pub fn raw_json<S: serde::Serializer>(
    raw: &Option<&serde_json::value::RawValue>,
    s: S,
) -> Result<S::Ok, S::Error> {
    use serde::Serialize;
    match raw {
        Some(r) if r.get().contains('\r') => {
            let text = r.get().replace('\r', " ");
            match serde_json::value::RawValue::from_string(text) {
                Ok(clean) => clean.serialize(s),
                Err(e) => Err(serde::ser::Error::custom(e)),
            }
        }
        other => other.serialize(s),
    }
}

/// A writer that escapes controls (see the module docs) on their way to `inner`.
/// A UTF-8 sequence split across two writes is joined before it is judged.
pub struct Escaping<W: Write> {
    inner: W,
    /// The start of a UTF-8 sequence whose end has not been written yet.
    pending: Vec<u8>,
}

impl<W: Write> Escaping<W> {
    /// Wraps `inner`.
    pub fn new(inner: W) -> Self {
        Escaping {
            inner,
            pending: Vec::new(),
        }
    }

    fn write_escaped(&mut self, bytes: &[u8], last: bool) -> io::Result<()> {
        let mut chunks = bytes.utf8_chunks().peekable();
        while let Some(chunk) = chunks.next() {
            write_valid(&mut self.inner, chunk.valid())?;
            let invalid = chunk.invalid();
            if invalid.is_empty() {
                continue;
            }
            if !last && chunks.peek().is_none() && is_incomplete_prefix(invalid) {
                self.pending.extend_from_slice(invalid);
                return Ok(());
            }
            for b in invalid {
                write!(self.inner, "\\x{b:02x}")?;
            }
        }
        Ok(())
    }

    /// Writes out a trailing incomplete sequence, escaped, and flushes.
    pub fn finish(&mut self) -> io::Result<()> {
        let pending = std::mem::take(&mut self.pending);
        self.write_escaped(&pending, true)?;
        self.inner.flush()
    }
}

/// Whether `bytes` (at the end of the input) can still become one UTF-8 character.
fn is_incomplete_prefix(bytes: &[u8]) -> bool {
    let need = match bytes.first() {
        Some(0xc2..=0xdf) => 2,
        Some(0xe0..=0xef) => 3,
        Some(0xf0..=0xf4) => 4,
        _ => return false,
    };
    bytes.len() < need
}

fn write_valid(out: &mut impl Write, text: &str) -> io::Result<()> {
    let mut rest = text;
    while let Some((at, c)) = rest.char_indices().find(|&(_, c)| is_control(c)) {
        out.write_all(&rest.as_bytes()[..at])?;
        write!(out, "\\u{:04x}", u32::from(c))?;
        rest = &rest[at + c.len_utf8()..];
    }
    out.write_all(rest.as_bytes())
}

impl<W: Write> Write for Escaping<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.pending.is_empty() {
            self.write_escaped(buf, false)?;
        } else {
            let mut joined = std::mem::take(&mut self.pending);
            joined.extend_from_slice(buf);
            self.write_escaped(&joined, false)?;
        }
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.inner.flush()
    }
}

impl<W: Write> Drop for Escaping<W> {
    fn drop(&mut self) {
        let _ = self.finish();
    }
}

/// Standard output, escaped.
pub fn stdout() -> Escaping<io::StdoutLock<'static>> {
    Escaping::new(io::stdout().lock())
}

/// Standard error, escaped.
pub fn stderr() -> Escaping<io::StderrLock<'static>> {
    Escaping::new(io::stderr().lock())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn through_writer(parts: &[&[u8]]) -> String {
        let mut out = Vec::new();
        {
            let mut w = Escaping::new(&mut out);
            for p in parts {
                w.write_all(p).unwrap();
            }
        }
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn keeps_newlines_tabs_and_text_and_escapes_every_other_control() {
        let s = "a\tb\nc\x1b]0;pwned\x07\x1b[2J\0\r\x7f\u{9b}é✓";
        let want = "a\tb\nc\\u001b]0;pwned\\u0007\\u001b[2J\\u0000\\u000d\\u007f\\u009bé✓";
        assert_eq!(escape_controls(s), want);
        assert_eq!(through_writer(&[s.as_bytes()]), want);
        assert!(matches!(escape_controls("plain\ttext\n"), Cow::Borrowed(_)));
    }

    #[test]
    fn a_character_split_across_writes_is_joined_and_a_broken_one_is_shown() {
        let csi = "\u{9b}".as_bytes();
        assert_eq!(through_writer(&[&csi[..1], &csi[1..]]), "\\u009b");
        assert_eq!(through_writer(&["é".as_bytes(), b"x"]), "éx");
        assert_eq!(through_writer(&[b"a\x9bb", b"\xc3"]), "a\\x9bb\\xc3");
    }

    #[test]
    fn escaped_json_still_parses_to_the_same_text() {
        let v = serde_json::json!({"name": "x\u{7f}\u{85}y"});
        let text = serde_json::to_string(&v).unwrap();
        let escaped = escape_controls(&text);
        assert_ne!(escaped, text);
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back, v);
    }
}

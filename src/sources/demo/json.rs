//! A tiny streaming JSON writer, formatted the way Envoy's admin API prints
//! (`"key": value`, one space of indentation per level).
//!
//! Values are appended to an in-memory buffer that [`JsonWriter::flush_if_full`]
//! drains into the underlying [`Write`] at resource boundaries, so memory stays
//! bounded by the largest single resource, never by the whole document.

use std::io::{self, Write};

/// Buffer size above which [`JsonWriter::flush_if_full`] writes through.
const FLUSH_AT: usize = 256 * 1024;

/// Streaming, pretty-printing JSON writer. Structural mistakes (a key outside
/// an object) are the caller's bug; the writer never panics on them.
pub(crate) struct JsonWriter<'w, W: Write> {
    out: &'w mut W,
    buf: Vec<u8>,
    depth: usize,
    /// True when the next element is the first in its container.
    first: bool,
    /// True right after a key: the value follows on the same line.
    after_key: bool,
}

impl<'w, W: Write> JsonWriter<'w, W> {
    /// A writer that streams into `out`.
    pub(crate) fn new(out: &'w mut W) -> Self {
        Self {
            out,
            buf: Vec::with_capacity(FLUSH_AT + 64 * 1024),
            depth: 0,
            first: true,
            after_key: false,
        }
    }

    /// Writes the buffer through when it has grown past the flush threshold.
    pub(crate) fn flush_if_full(&mut self) -> io::Result<()> {
        if self.buf.len() >= FLUSH_AT {
            self.out.write_all(&self.buf)?;
            self.buf.clear();
        }
        Ok(())
    }

    /// Writes everything buffered and flushes the underlying writer.
    pub(crate) fn finish(mut self) -> io::Result<()> {
        self.buf.push(b'\n');
        self.out.write_all(&self.buf)?;
        self.buf.clear();
        self.out.flush()
    }

    fn newline(&mut self) {
        self.buf.push(b'\n');
        self.buf.resize(self.buf.len() + self.depth, b' ');
    }

    /// Separator and indentation before a new element (key or array value).
    fn pre_value(&mut self) {
        if self.after_key {
            self.after_key = false;
            return;
        }
        if self.depth == 0 {
            return;
        }
        if !self.first {
            self.buf.push(b',');
        }
        self.first = false;
        self.newline();
    }

    /// Opens an object (`{`).
    pub(crate) fn begin_obj(&mut self) {
        self.pre_value();
        self.buf.push(b'{');
        self.depth += 1;
        self.first = true;
    }

    /// Closes the innermost object (`}`).
    pub(crate) fn end_obj(&mut self) {
        self.close(b'}');
    }

    /// Opens an array (`[`).
    pub(crate) fn begin_arr(&mut self) {
        self.pre_value();
        self.buf.push(b'[');
        self.depth += 1;
        self.first = true;
    }

    /// Closes the innermost array (`]`).
    pub(crate) fn end_arr(&mut self) {
        self.close(b']');
    }

    fn close(&mut self, c: u8) {
        self.depth = self.depth.saturating_sub(1);
        if !self.first {
            self.newline();
        }
        self.buf.push(c);
        self.first = false;
    }

    /// Writes an object key; the next value call writes its value.
    pub(crate) fn key(&mut self, k: &str) {
        self.pre_value();
        escape_into(&mut self.buf, k);
        self.buf.extend_from_slice(b": ");
        self.after_key = true;
    }

    /// Writes a string value.
    pub(crate) fn str(&mut self, v: &str) {
        self.pre_value();
        escape_into(&mut self.buf, v);
    }

    /// Writes a string value given as pieces, concatenated (avoids
    /// allocating names like `outbound|9080|v1|reviews...`).
    pub(crate) fn str_parts(&mut self, parts: &[&dyn std::fmt::Display]) {
        self.pre_value();
        self.buf.push(b'"');
        let start = self.buf.len();
        for p in parts {
            // Writing into a Vec cannot fail.
            let _ = write!(self.buf, "{p}");
        }
        if needs_escape(&self.buf[start..]) {
            let raw = String::from_utf8_lossy(&self.buf[start..]).into_owned();
            self.buf.truncate(start - 1);
            escape_into(&mut self.buf, &raw);
        } else {
            self.buf.push(b'"');
        }
    }

    /// Writes an unsigned number.
    pub(crate) fn num(&mut self, v: u64) {
        self.pre_value();
        let mut tmp = [0u8; 20];
        let mut i = tmp.len();
        let mut n = v;
        loop {
            i -= 1;
            tmp[i] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        self.buf.extend_from_slice(&tmp[i..]);
    }

    /// Writes `true` or `false`.
    pub(crate) fn bool(&mut self, v: bool) {
        self.pre_value();
        self.buf
            .extend_from_slice(if v { b"true" } else { b"false" });
    }

    /// `"k": "v"`.
    pub(crate) fn field_str(&mut self, k: &str, v: &str) {
        self.key(k);
        self.str(v);
    }

    /// `"k": n`.
    pub(crate) fn field_num(&mut self, k: &str, v: u64) {
        self.key(k);
        self.num(v);
    }

    /// `"k": "<v formatted with Display>"`.
    pub(crate) fn field_display(&mut self, k: &str, v: &dyn std::fmt::Display) {
        self.key(k);
        self.str_parts(&[v]);
    }

    /// `"k": true|false`.
    pub(crate) fn field_bool(&mut self, k: &str, v: bool) {
        self.key(k);
        self.bool(v);
    }

    /// `"k": {` (close with [`JsonWriter::end_obj`]).
    pub(crate) fn obj(&mut self, k: &str) {
        self.key(k);
        self.begin_obj();
    }

    /// `"k": [` (close with [`JsonWriter::end_arr`]).
    pub(crate) fn arr(&mut self, k: &str) {
        self.key(k);
        self.begin_arr();
    }

    /// `"k": {}`.
    pub(crate) fn empty_obj(&mut self, k: &str) {
        self.obj(k);
        self.end_obj();
    }
}

fn needs_escape(s: &[u8]) -> bool {
    s.iter().any(|&b| b < 0x20 || b == b'"' || b == b'\\')
}

/// Appends `s` as a JSON string literal, quotes included.
pub(crate) fn escape_into(buf: &mut Vec<u8>, s: &str) {
    buf.push(b'"');
    let bytes = s.as_bytes();
    if !needs_escape(bytes) {
        buf.extend_from_slice(bytes);
    } else {
        for &b in bytes {
            match b {
                b'"' => buf.extend_from_slice(b"\\\""),
                b'\\' => buf.extend_from_slice(b"\\\\"),
                b'\n' => buf.extend_from_slice(b"\\n"),
                b'\r' => buf.extend_from_slice(b"\\r"),
                b'\t' => buf.extend_from_slice(b"\\t"),
                c if c < 0x20 => {
                    const HEX: &[u8; 16] = b"0123456789abcdef";
                    buf.extend_from_slice(b"\\u00");
                    buf.push(HEX[usize::from(c >> 4)]);
                    buf.push(HEX[usize::from(c & 0xf)]);
                }
                c => buf.push(c),
            }
        }
    }
    buf.push(b'"');
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render(f: impl FnOnce(&mut JsonWriter<'_, Vec<u8>>)) -> String {
        let mut out = Vec::new();
        let mut w = JsonWriter::new(&mut out);
        f(&mut w);
        w.finish().unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn escapes_strings_so_serde_reads_them_back() {
        let nasty = "a\"b\\c\nd\te\u{1}f — ü \u{7f}";
        let text = render(|w| {
            w.begin_obj();
            w.field_str(nasty, nasty);
            w.key("parts");
            w.str_parts(&[&"x\"", &7u16, &"|y"]);
            w.end_obj();
        });
        let v: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v[nasty], nasty);
        assert_eq!(v["parts"], "x\"7|y");
    }

    #[test]
    fn nests_and_prints_envoy_style() {
        let text = render(|w| {
            w.begin_obj();
            w.arr("a");
            w.num(0);
            w.num(u64::MAX);
            w.begin_obj();
            w.end_obj();
            w.end_arr();
            w.empty_obj("e");
            w.field_bool("t", true);
            w.end_obj();
        });
        assert_eq!(
            text,
            "{\n \"a\": [\n  0,\n  18446744073709551615,\n  {}\n ],\n \"e\": {},\n \"t\": true\n}\n"
        );
    }
}

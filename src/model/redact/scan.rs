//! The streaming JSON scanner behind [`super::redact`]: walks the bytes once
//! with an explicit stack (no recursion, so no depth limit), recognises object
//! keys (escapes decoded), and splices `"[redacted]"` over secret values while
//! copying every other byte verbatim. Numbers are checked for shape, never
//! converted, so `1e400` is just bytes; string contents may be any bytes.

use super::{
    is_secret_field, is_secret_header, is_secret_string_field, normalise, RedactError, Redacted,
    BEARER, REDACTED,
};

/// `[redacted]` in base64: Envoy's own redaction of a bytes field.
const REDACTED_BASE64: &[u8] = b"W3JlZGFjdGVkXQ==";

/// What to do with the next value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Copy it (descend into containers).
    Keep,
    /// Secret: a string is replaced, a container has every string inside replaced.
    All,
    /// A string is replaced; a container is walked normally.
    StringOnly,
    /// Keep it, and remember whether it names a secret header.
    HeaderName,
    /// A header object's `value` / `raw_value` before its `key` / `name`
    /// said which header it is: replaced if a later key names a secret header.
    HeaderValue,
}

/// One open container.
#[derive(Debug)]
struct Frame {
    object: bool,
    /// Inside a secret value: every string is replaced.
    all: bool,
    /// This object is the value of `generic_secret` (its `secret` is secret).
    generic_secret: bool,
    /// A `key`/`name` in this object named a secret header.
    secret_header: bool,
    /// Spans of `value` strings seen before the header's name (see
    /// [`Mode::HeaderValue`]): redacted if a secret header's name follows,
    /// else only their bearer tokens are cut when the object closes.
    pending: Vec<(usize, usize)>,
    /// The normalised key whose value comes next (objects).
    key: Vec<u8>,
}

/// What the scanner expects next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// A value (the top level, after `:` or after `,` in an array).
    Value,
    /// A value or `]` (right after `[`).
    ValueOrClose,
    /// A key or `}` (right after `{`).
    KeyOrClose,
    /// A key (after `,` in an object).
    Key,
    /// `:` after a key.
    Colon,
    /// `,` or the closing bracket of the open container.
    CommaOrClose,
    /// Only blanks: the top-level value is complete.
    End,
}

fn err(offset: usize, reason: &'static str) -> RedactError {
    RedactError::Json { offset, reason }
}

/// Redacts a JSON body (see the module docs); fails on anything it cannot tokenise.
pub(super) fn redact_json(body: &[u8]) -> Result<Redacted, RedactError> {
    let mut s = Scanner {
        body,
        splices: Vec::new(),
        stack: Vec::new(),
    };
    s.run()?;
    if s.splices.is_empty() {
        return Ok(Redacted {
            body: body.to_vec(),
            changed: 0,
        });
    }
    // Spans come in order except a header value whose name came later.
    s.splices.sort_unstable();
    let mut out = Vec::with_capacity(body.len());
    let mut copied = 0;
    for &(start, end) in &s.splices {
        out.extend_from_slice(&body[copied..start]);
        out.extend_from_slice(REDACTED.as_bytes());
        copied = end;
    }
    out.extend_from_slice(&body[copied..]);
    Ok(Redacted {
        body: out,
        changed: s.splices.len(),
    })
}

struct Scanner<'a> {
    body: &'a [u8],
    /// Spans (inside quotes) to replace with [`REDACTED`]; never overlapping.
    splices: Vec<(usize, usize)>,
    stack: Vec<Frame>,
}

impl Scanner<'_> {
    fn run(&mut self) -> Result<(), RedactError> {
        let body = self.body;
        let mut expect = Expect::Value;
        let mut i = 0;
        while i < body.len() {
            let b = body[i];
            if matches!(b, b' ' | b'\t' | b'\n' | b'\r') {
                i += 1;
                continue;
            }
            match expect {
                Expect::End => return Err(err(i, "bytes after the top-level value")),
                Expect::Colon => {
                    if b != b':' {
                        return Err(err(i, "expected `:` after an object key"));
                    }
                    i += 1;
                    expect = Expect::Value;
                }
                Expect::CommaOrClose => {
                    let object = self.stack.last().is_some_and(|f| f.object);
                    match (b, object) {
                        (b',', true) => expect = Expect::Key,
                        (b',', false) => expect = Expect::Value,
                        (b'}', true) | (b']', false) => {
                            self.close();
                            expect = self.after_value();
                        }
                        _ => return Err(err(i, "expected `,` or a closing bracket")),
                    }
                    i += 1;
                }
                Expect::Key | Expect::KeyOrClose => {
                    if b == b'}' && expect == Expect::KeyOrClose {
                        self.close();
                        i += 1;
                        expect = self.after_value();
                    } else if b == b'"' {
                        let (end, key) = string(body, i, true)?;
                        let norm = normalise(&key);
                        if let Some(top) = self.stack.last_mut() {
                            top.key = norm;
                        }
                        i = end;
                        expect = Expect::Colon;
                    } else {
                        return Err(err(i, "expected an object key"));
                    }
                }
                Expect::Value | Expect::ValueOrClose => {
                    if b == b']' && expect == Expect::ValueOrClose {
                        self.close();
                        i += 1;
                        expect = self.after_value();
                        continue;
                    }
                    let mode = self.mode();
                    let (end, opened) = self.value(i, mode)?;
                    i = end;
                    expect = match opened {
                        Some(true) => Expect::KeyOrClose,
                        Some(false) => Expect::ValueOrClose,
                        None => self.after_value(),
                    };
                }
            }
        }
        if expect == Expect::End {
            Ok(())
        } else {
            Err(err(body.len(), "the body ends before the JSON does"))
        }
    }

    /// Closes the open container: header values still pending were not a
    /// secret header's, so only a bearer token in them is cut.
    fn close(&mut self) {
        if let Some(frame) = self.stack.pop() {
            for (start, end) in frame.pending {
                self.cut_bearer(start, end);
            }
        }
    }

    fn after_value(&self) -> Expect {
        if self.stack.is_empty() {
            Expect::End
        } else {
            Expect::CommaOrClose
        }
    }

    /// How the next value is treated, from the open container and its key.
    fn mode(&self) -> Mode {
        let Some(top) = self.stack.last() else {
            return Mode::Keep;
        };
        if top.all {
            return Mode::All;
        }
        if !top.object {
            return Mode::Keep;
        }
        let k = top.key.as_slice();
        if is_secret_field(k) || (k == b"secret" && top.generic_secret) {
            Mode::All
        } else if is_secret_string_field(k) || (is_header_value(k) && top.secret_header) {
            Mode::StringOnly
        } else if is_header_value(k) {
            Mode::HeaderValue
        } else if k == b"key" || k == b"name" {
            Mode::HeaderName
        } else {
            Mode::Keep
        }
    }
}

impl Scanner<'_> {
    /// Scans the value at `i`; returns where it ends and, when it opened a
    /// container, whether that is an object.
    fn value(&mut self, i: usize, mode: Mode) -> Result<(usize, Option<bool>), RedactError> {
        let body = self.body;
        match body[i] {
            open @ (b'{' | b'[') => {
                let parent_key = self.stack.last().map(|f| f.key.as_slice());
                let generic_secret = open == b'{' && parent_key == Some(b"genericsecret");
                self.stack.push(Frame {
                    object: open == b'{',
                    all: mode == Mode::All,
                    generic_secret,
                    secret_header: false,
                    pending: Vec::new(),
                    key: Vec::new(),
                });
                Ok((i + 1, Some(open == b'{')))
            }
            b'"' => {
                let (end, decoded) = string(body, i, mode == Mode::HeaderName)?;
                match mode {
                    Mode::All | Mode::StringOnly => self.splice(i + 1, end - 1),
                    Mode::HeaderName if is_secret_header(&decoded) => {
                        let pending = match self.stack.last_mut() {
                            Some(top) => {
                                top.secret_header = true;
                                std::mem::take(&mut top.pending)
                            }
                            None => Vec::new(),
                        };
                        for (start, end) in pending {
                            self.splice(start, end);
                        }
                    }
                    Mode::HeaderValue => {
                        if let Some(top) = self.stack.last_mut() {
                            top.pending.push((i + 1, end - 1));
                        }
                    }
                    _ => self.cut_bearer(i + 1, end - 1),
                }
                Ok((end, None))
            }
            b'-' | b'0'..=b'9' => Ok((number(body, i)?, None)),
            b't' => Ok((literal(body, i, b"true")?, None)),
            b'f' => Ok((literal(body, i, b"false")?, None)),
            b'n' => Ok((literal(body, i, b"null")?, None)),
            _ => Err(err(i, "expected a JSON value")),
        }
    }

    /// Replaces `body[start..end]` (inside a string's quotes) with
    /// [`REDACTED`], unless it already says `[redacted]` (as text, or base64
    /// as Envoy prints a redacted `inline_bytes`): nothing secret to remove.
    fn splice(&mut self, start: usize, end: usize) {
        let value = &self.body[start..end];
        if value == REDACTED.as_bytes() || value == REDACTED_BASE64 {
            return;
        }
        self.splices.push((start, end));
    }

    /// Cuts what follows `Bearer ` in the string content `body[start..end]`.
    fn cut_bearer(&mut self, start: usize, end: usize) {
        let at = self.body[start..end]
            .windows(BEARER.len())
            .position(|w| w.eq_ignore_ascii_case(BEARER));
        if let Some(p) = at {
            self.splice(start + p + BEARER.len(), end);
        }
    }
}

/// `value` or `raw_value` (normalised): the value of an Envoy `HeaderValue`.
fn is_header_value(norm: &[u8]) -> bool {
    norm == b"value" || norm == b"rawvalue"
}

/// The string starting at the quote at `i`: the offset after its closing
/// quote and, when `decode`, its decoded bytes (escapes resolved; a lone
/// surrogate becomes U+FFFD). Any byte but `"` and `\` is content.
fn string(body: &[u8], i: usize, decode: bool) -> Result<(usize, Vec<u8>), RedactError> {
    let mut out = Vec::new();
    let mut j = i + 1;
    loop {
        let Some(&b) = body.get(j) else {
            return Err(err(i, "unterminated string"));
        };
        match b {
            b'"' => return Ok((j + 1, out)),
            b'\\' => {
                let Some(&e) = body.get(j + 1) else {
                    return Err(err(j, "unterminated escape"));
                };
                let simple = match e {
                    b'"' => Some(b'"'),
                    b'\\' => Some(b'\\'),
                    b'/' => Some(b'/'),
                    b'b' => Some(0x08),
                    b'f' => Some(0x0c),
                    b'n' => Some(b'\n'),
                    b'r' => Some(b'\r'),
                    b't' => Some(b'\t'),
                    b'u' => None,
                    _ => return Err(err(j, "invalid escape")),
                };
                if let Some(c) = simple {
                    if decode {
                        out.push(c);
                    }
                    j += 2;
                    continue;
                }
                let unit = hex4(body, j + 2).ok_or_else(|| err(j, "invalid \\u escape"))?;
                j += 6;
                let mut code = u32::from(unit);
                if (0xD800..0xDC00).contains(&unit)
                    && body.get(j) == Some(&b'\\')
                    && body.get(j + 1) == Some(&b'u')
                {
                    if let Some(low) = hex4(body, j + 2).filter(|l| (0xDC00..0xE000).contains(l)) {
                        code = 0x10000 + ((code - 0xD800) << 10) + (u32::from(low) - 0xDC00);
                        j += 6;
                    }
                }
                if decode {
                    let c = char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER);
                    let mut buf = [0u8; 4];
                    out.extend_from_slice(c.encode_utf8(&mut buf).as_bytes());
                }
            }
            _ => {
                if decode {
                    out.push(b);
                }
                j += 1;
            }
        }
    }
}

fn hex4(body: &[u8], at: usize) -> Option<u16> {
    let digits = body.get(at..at + 4)?;
    let text = std::str::from_utf8(digits).ok()?;
    if !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(text, 16).ok()
}

/// The end of the number at `i`: `-?digits(.digits)?([eE][+-]?digits)?`, any length.
fn number(body: &[u8], i: usize) -> Result<usize, RedactError> {
    let digits = |mut j: usize| {
        let start = j;
        while body.get(j).is_some_and(u8::is_ascii_digit) {
            j += 1;
        }
        (j, j > start)
    };
    let mut j = i;
    if body.get(j) == Some(&b'-') {
        j += 1;
    }
    let (end, any) = digits(j);
    if !any {
        return Err(err(i, "malformed number"));
    }
    j = end;
    if body.get(j) == Some(&b'.') {
        let (end, any) = digits(j + 1);
        if !any {
            return Err(err(i, "malformed number"));
        }
        j = end;
    }
    if matches!(body.get(j), Some(b'e' | b'E')) {
        j += 1;
        if matches!(body.get(j), Some(b'+' | b'-')) {
            j += 1;
        }
        let (end, any) = digits(j);
        if !any {
            return Err(err(i, "malformed number"));
        }
        j = end;
    }
    Ok(j)
}

fn literal(body: &[u8], i: usize, word: &[u8]) -> Result<usize, RedactError> {
    if body.get(i..i + word.len()) == Some(word) {
        Ok(i + word.len())
    } else {
        Err(err(i, "expected true, false or null"))
    }
}

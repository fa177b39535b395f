//! A streaming parser for the Prometheus text exposition format (Envoy's
//! `/stats/prometheus`, pilot-agent's merged 15020 output, istiod's
//! `/metrics`). It iterates samples that borrow from the input; labels stay
//! as their raw text and are decoded on demand, so a 1M-line body is parsed
//! without allocating per line. Bad lines are collected, never fatal.

use std::borrow::Cow;

use serde::Serialize;

use super::LineError;

/// The metric type a `# TYPE` line declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum PromKind {
    /// `counter`.
    Counter,
    /// `gauge`.
    Gauge,
    /// `histogram`: `_bucket{le=..}`, `_sum` and `_count` samples.
    Histogram,
    /// `summary`: `{quantile=..}`, `_sum` and `_count` samples.
    Summary,
    /// `untyped`, or a sample without a matching `# TYPE`.
    Untyped,
}

impl PromKind {
    fn parse(s: &str) -> Option<PromKind> {
        Some(match s {
            "counter" => PromKind::Counter,
            "gauge" => PromKind::Gauge,
            "histogram" | "gaugehistogram" => PromKind::Histogram,
            "summary" => PromKind::Summary,
            "untyped" | "unknown" => PromKind::Untyped,
            _ => return None,
        })
    }
}

/// The labels of one sample, kept as the validated text between `{` and `}`
/// and decoded lazily.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct PromLabels<'a> {
    raw: &'a str,
}

impl<'a> PromLabels<'a> {
    /// The raw text between the braces, escapes included.
    pub fn raw(&self) -> &'a str {
        self.raw
    }

    /// Whether the sample has no labels.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }

    /// The `(name, value)` pairs in order; values are borrowed unless they
    /// contain escapes (`\\`, `\"`, `\n`).
    pub fn iter(&self) -> LabelIter<'a> {
        LabelIter { rest: self.raw }
    }

    /// The value of label `name`, if present.
    pub fn get(&self, name: &str) -> Option<Cow<'a, str>> {
        self.iter().find(|(n, _)| *n == name).map(|(_, v)| v)
    }
}

/// Iterator over a validated label set, see [`PromLabels::iter`].
#[derive(Debug, Clone)]
pub struct LabelIter<'a> {
    rest: &'a str,
}

impl<'a> Iterator for LabelIter<'a> {
    type Item = (&'a str, Cow<'a, str>);

    fn next(&mut self) -> Option<Self::Item> {
        // Bytes, not chars: the set was validated (ASCII names, quoted values).
        let b = self.rest.as_bytes();
        let mut i = 0;
        while matches!(b.get(i), Some(b',' | b' ' | b'\t')) {
            i += 1;
        }
        let eq = i + memchr::memchr(b'=', b.get(i..)?)?;
        let name = self.rest.get(i..eq)?.trim_end();
        let mut j = eq + 1;
        while matches!(b.get(j), Some(b' ' | b'\t')) {
            j += 1;
        }
        if b.get(j) != Some(&b'"') {
            return None;
        }
        let after = self.rest.get(j + 1..)?;
        let (value, len) = scan_value(after).ok()?;
        self.rest = after.get(len + 1..).unwrap_or("");
        Some((name, value))
    }
}

/// Scans a label value up to its closing quote; returns the decoded value
/// and the byte length before the closing quote. Jumps from quote or
/// backslash to the next with `memchr2`: values (paths, ids) are long.
fn scan_value(s: &str) -> Result<(Cow<'_, str>, usize), &'static str> {
    let bytes = s.as_bytes();
    let mut i = 0;
    let mut owned: Option<String> = None;
    let mut copied = 0;
    while let Some(at) = memchr::memchr2(b'"', b'\\', &bytes[i..]) {
        i += at;
        if bytes[i] == b'"' {
            let value = match owned {
                Some(mut o) => {
                    o.push_str(&s[copied..i]);
                    Cow::Owned(o)
                }
                None => Cow::Borrowed(&s[..i]),
            };
            return Ok((value, i));
        }
        let o = owned.get_or_insert_with(String::new);
        o.push_str(&s[copied..i]);
        match bytes.get(i + 1) {
            Some(b'n') => o.push('\n'),
            Some(b'\\') => o.push('\\'),
            Some(b'"') => o.push('"'),
            Some(_) => o.push('\\'),
            None => return Err("unterminated escape in label value"),
        }
        i += if bytes.get(i + 1).is_some_and(|b| b"n\\\"".contains(b)) {
            2
        } else {
            1
        };
        copied = i;
    }
    Err("unterminated label value")
}

/// Skips a label value without decoding it; returns the index of the
/// closing quote and whether the value holds an escape.
fn skip_value(bytes: &[u8], mut i: usize) -> Option<(usize, bool)> {
    let mut escaped = false;
    while let Some(at) = memchr::memchr2(b'"', b'\\', bytes.get(i..)?) {
        i += at;
        if bytes[i] == b'"' {
            return Some((i, escaped));
        }
        escaped = true;
        i += 2;
    }
    None
}

/// Where [`PromParser::next_labelled`] puts a sample's labels.
pub type LabelBuf<'a> = Vec<(&'a str, Cow<'a, str>)>;

/// One sample line.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PromSample<'a> {
    /// The metric family: the `# TYPE` name for `_bucket`/`_sum`/`_count`
    /// samples of histograms and summaries, else the sample's own name.
    pub family: &'a str,
    /// The sample's name as written, e.g. `istio_request_duration_milliseconds_bucket`.
    pub name: &'a str,
    /// The family's declared type.
    pub kind: PromKind,
    /// The labels.
    pub labels: PromLabels<'a>,
    /// The value; `NaN`, `+Inf` and `-Inf` are allowed.
    pub value: f64,
    /// The value as written, so a u64 counter past 2^53 stays exact
    /// (see [`PromSample::as_u64`]).
    pub value_text: &'a str,
    /// The optional timestamp in milliseconds.
    pub timestamp_ms: Option<i64>,
    /// 1-based line number.
    pub line: usize,
}

impl PromSample<'_> {
    /// The value as an exact unsigned integer: the text when it is one
    /// (`18446744073709551615`), else a whole, non-negative float within
    /// u64 (`1e3`); `None` for fractions, negatives, NaN and infinities.
    pub fn as_u64(&self) -> Option<u64> {
        if let Ok(n) = self.value_text.parse::<u64>() {
            return Some(n);
        }
        let v = self.value;
        // 2^64 as f64 is exact; below it the cast cannot saturate.
        (v.is_finite() && v >= 0.0 && v.fract() == 0.0 && v < 18_446_744_073_709_551_616.0)
            .then_some(v as u64)
    }
}

/// Iterates the samples of a Prometheus text body; see the module docs.
/// Errors are collected in [`PromParser::errors`].
#[derive(Debug, Clone)]
pub struct PromParser<'a> {
    rest: &'a str,
    line: usize,
    family: &'a str,
    kind: PromKind,
    /// Whether a `# TYPE` line was read.
    typed: bool,
    errors: Vec<LineError>,
}

impl<'a> PromParser<'a> {
    /// A parser over the whole body.
    pub fn new(text: &'a str) -> Self {
        PromParser {
            rest: text,
            line: 0,
            family: "",
            kind: PromKind::Untyped,
            typed: false,
            errors: Vec::new(),
        }
    }

    /// A parser over `text`, a piece of a body that starts at a line start,
    /// in the context the lines before it left: the `# TYPE` in force and
    /// the lines before it (see [`PromParser::context`]).
    pub fn with_context(text: &'a str, family: &'a str, kind: PromKind, lines: usize) -> Self {
        PromParser {
            family,
            kind,
            line: lines,
            ..PromParser::new(text)
        }
    }

    /// The family and type of the last `# TYPE` line (`""` and untyped
    /// before any), and the lines read so far.
    pub fn context(&self) -> (&'a str, PromKind, usize) {
        (self.family, self.kind, self.line)
    }

    /// Whether this parser has read a `# TYPE` line itself.
    pub fn typed(&self) -> bool {
        self.typed
    }

    /// The lines that could not be parsed so far.
    pub fn errors(&self) -> &[LineError] {
        &self.errors
    }

    /// Consumes the parser, returning the collected errors.
    pub fn into_errors(self) -> Vec<LineError> {
        self.errors
    }

    fn parse_comment(&mut self, line: &'a str) -> Result<(), String> {
        let body = line[1..].trim_start();
        let (keyword, rest) = body.split_once([' ', '\t']).unwrap_or((body, ""));
        let rest = rest.trim_start();
        match keyword {
            "TYPE" => {
                let (name, kind) = rest.split_once([' ', '\t']).unwrap_or((rest, ""));
                if !valid_metric_name(name) {
                    return Err(format!("bad metric name in TYPE: {name:?}"));
                }
                let kind = PromKind::parse(kind.trim())
                    .ok_or_else(|| format!("unknown metric type {:?}", kind.trim()))?;
                self.family = name;
                self.kind = kind;
                self.typed = true;
                Ok(())
            }
            "HELP" => {
                let name = rest.split([' ', '\t']).next().unwrap_or("");
                if valid_metric_name(name) {
                    Ok(())
                } else {
                    Err(format!("bad metric name in HELP: {name:?}"))
                }
            }
            _ => Ok(()),
        }
    }

    fn parse_sample(
        &self,
        line: &'a str,
        out: Option<&mut LabelBuf<'a>>,
    ) -> Result<PromSample<'a>, String> {
        let bytes = line.as_bytes();
        let name_end = bytes
            .iter()
            .position(|&b| !is_metric_name_byte(b))
            .unwrap_or(bytes.len());
        let name = &line[..name_end];
        // Every byte before name_end is a name byte: only the first needs checking.
        if name.is_empty() || bytes.first().is_none_or(u8::is_ascii_digit) {
            return Err(format!("bad metric name {:?}", clip(line)));
        }
        let mut i = name_end;
        let mut labels = PromLabels::default();
        if bytes.get(i) == Some(&b'{') {
            let end =
                validate_labels(line, i + 1, out).map_err(|e| format!("{}: {e}", clip(name)))?;
            labels.raw = &line[i + 1..end];
            i = end + 1;
        }
        let mut fields = line[i..].split_ascii_whitespace();
        let value = fields
            .next()
            .ok_or_else(|| format!("{}: missing value", clip(name)))?;
        let value_text = value;
        let value = parse_value(value)
            .ok_or_else(|| format!("{}: bad value {:?}", clip(name), clip(value)))?;
        let timestamp_ms = match fields.next() {
            Some(t) => Some(
                t.parse::<i64>()
                    .map_err(|_| format!("{}: bad timestamp {:?}", clip(name), clip(t)))?,
            ),
            None => None,
        };
        if fields.next().is_some() {
            return Err(format!("{}: unexpected text after the value", clip(name)));
        }
        let (family, kind) = self.family_of(name);
        Ok(PromSample {
            family,
            name,
            kind,
            labels,
            value,
            value_text,
            timestamp_ms,
            line: self.line,
        })
    }

    fn family_of(&self, name: &'a str) -> (&'a str, PromKind) {
        family_of(self.family, self.kind, name)
    }

    /// The next sample, its labels decoded into `out` (cleared first) in
    /// the same pass that validates them, so they need not be scanned again.
    pub fn next_labelled(&mut self, out: &mut LabelBuf<'a>) -> Option<PromSample<'a>> {
        out.clear();
        self.advance(Some(out))
    }

    fn advance(&mut self, mut out: Option<&mut LabelBuf<'a>>) -> Option<PromSample<'a>> {
        while !self.rest.is_empty() {
            let (line, rest) = match memchr::memchr(b'\n', self.rest.as_bytes()) {
                Some(i) => (&self.rest[..i], &self.rest[i + 1..]),
                None => (self.rest, ""),
            };
            self.rest = rest;
            self.line += 1;
            let line = line.strip_suffix('\r').unwrap_or(line);
            let lead = line
                .bytes()
                .take_while(|b| matches!(b, b' ' | b'\t'))
                .count();
            let line = &line[lead..];
            if line.is_empty() {
                continue;
            }
            let result = if line.starts_with('#') {
                self.parse_comment(line).map(|()| None)
            } else {
                if let Some(o) = out.as_deref_mut() {
                    o.clear();
                }
                self.parse_sample(line, out.as_deref_mut()).map(Some)
            };
            match result {
                Ok(Some(sample)) => return Some(sample),
                Ok(None) => {}
                Err(message) => self.errors.push(LineError {
                    line: self.line,
                    message,
                }),
            }
        }
        None
    }
}

/// The family of sample `name` under the `# TYPE family kind` in force:
/// the family for its `_bucket`/`_sum`/`_count`/`_total`/`_created`
/// samples, else the name itself (untyped).
pub fn family_of<'a>(family: &'a str, kind: PromKind, name: &'a str) -> (&'a str, PromKind) {
    if !family.is_empty() {
        if name == family {
            return (family, kind);
        }
        if let Some(suffix) = name.strip_prefix(family) {
            let ok = match kind {
                PromKind::Histogram => {
                    matches!(suffix, "_bucket" | "_sum" | "_count" | "_created")
                }
                PromKind::Summary => matches!(suffix, "_sum" | "_count" | "_created"),
                PromKind::Counter => matches!(suffix, "_total" | "_created"),
                _ => false,
            };
            if ok {
                return (family, kind);
            }
        }
    }
    (name, PromKind::Untyped)
}

impl<'a> Iterator for PromParser<'a> {
    type Item = PromSample<'a>;

    fn next(&mut self) -> Option<PromSample<'a>> {
        self.advance(None)
    }
}

/// Checks `name="value",...}` starting at `i`; returns the index of `}`.
/// With `out`, each `(name, value)` is pushed as it is checked.
fn validate_labels<'a>(
    line: &'a str,
    mut i: usize,
    mut out: Option<&mut LabelBuf<'a>>,
) -> Result<usize, &'static str> {
    let bytes = line.as_bytes();
    loop {
        while matches!(bytes.get(i), Some(b' ' | b'\t' | b',')) {
            i += 1;
        }
        match bytes.get(i) {
            Some(b'}') => return Ok(i),
            None => return Err("unterminated label set"),
            Some(b) if b.is_ascii_alphabetic() || *b == b'_' => {}
            Some(_) => return Err("bad label name"),
        }
        // The name runs to `=`, then optional blanks: found with one
        // `memchr` and checked in a loop whose length is known (a loop that
        // stops at the first non-name byte mispredicts once per label).
        let name_start = i;
        let eq = memchr::memchr(b'=', bytes.get(i..).unwrap_or(&[]))
            .map(|n| i + n)
            .ok_or("expected `=` after label name")?;
        let segment = bytes.get(name_start..eq).unwrap_or(&[]);
        let name_len = segment
            .iter()
            .position(|&b| !is_label_name_byte(b))
            .unwrap_or(segment.len());
        let blanks = segment.get(name_len..).unwrap_or(&[]);
        if !blanks.iter().all(|&b| b == b' ' || b == b'\t') {
            return Err("expected `=` after label name");
        }
        let name_end = name_start + name_len;
        i = eq + 1;
        while matches!(bytes.get(i), Some(b' ' | b'\t')) {
            i += 1;
        }
        if bytes.get(i) != Some(&b'"') {
            return Err("expected `\"` to open label value");
        }
        let (end, escaped) = skip_value(bytes, i + 1).ok_or("unterminated label value")?;
        if let Some(out) = out.as_deref_mut() {
            // Checked above: ASCII name bytes, and a value that ends at a quote.
            let name = line.get(name_start..name_end).unwrap_or("");
            let raw = line.get(i + 1..end).unwrap_or("");
            let value = if escaped {
                line.get(i + 1..)
                    .and_then(|v| scan_value(v).ok())
                    .map_or(Cow::Borrowed(raw), |(v, _)| v)
            } else {
                Cow::Borrowed(raw)
            };
            out.push((name, value));
        }
        i = end + 1;
        match bytes.get(i) {
            Some(b',' | b'}' | b' ' | b'\t') => {}
            _ => return Err("expected `,` or `}` after label value"),
        }
    }
}

/// Whether `b` may appear in a label name after its first byte.
fn is_label_name_byte(b: u8) -> bool {
    NAME_BYTES[usize::from(b)] & 1 != 0
}

/// Whether `b` may appear in a metric name after its first byte.
fn is_metric_name_byte(b: u8) -> bool {
    NAME_BYTES[usize::from(b)] & 2 != 0
}

/// Bit 1: a label name byte (`[A-Za-z0-9_]`); bit 2: a metric name byte
/// (those and `:`). A table: a lookup beats three range checks per byte.
const NAME_BYTES: [u8; 256] = {
    let mut t = [0u8; 256];
    let mut b = 0;
    while b < 256 {
        let c = b as u8;
        if c.is_ascii_alphanumeric() || c == b'_' {
            t[b] = 3;
        } else if c == b':' {
            t[b] = 2;
        }
        b += 1;
    }
    t
};

fn parse_value(s: &str) -> Option<f64> {
    match s {
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        "NaN" => Some(f64::NAN),
        _ => s.parse().ok(),
    }
}

fn valid_metric_name(name: &str) -> bool {
    let mut bytes = name.bytes();
    bytes
        .next()
        .is_some_and(|b| b.is_ascii_alphabetic() || b == b'_' || b == b':')
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
}

fn clip(s: &str) -> &str {
    match s.char_indices().nth(80) {
        Some((i, _)) => &s[..i],
        None => s,
    }
}

#[cfg(test)]
#[path = "prometheus_tests.rs"]
mod tests;

//! A small, borrowing reader of the Prometheus text exposition format, just
//! enough for istiod's `/metrics`: `# HELP`/`# TYPE` lines, samples with
//! escaped label values, histogram `_bucket{le=...}`/`_sum`/`_count` series,
//! `NaN` and `±Inf`. Kept private to `model::istiod`; a candidate for merging
//! with the stats parser later.

use std::borrow::Cow;

/// One meaningful line of a scrape.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Line<'a> {
    /// `# HELP name text` or `# TYPE name kind`: names a metric family.
    Family(&'a str),
    /// A sample line.
    Sample(Sample<'a>),
}

/// One sample: metric name, labels as written (values still escaped), value.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Sample<'a> {
    /// Metric name as written, e.g. `pilot_xds_push_time_bucket`.
    pub name: &'a str,
    /// `(key, escaped value)` pairs in input order.
    pub labels: Vec<(&'a str, &'a str)>,
    /// The sample value.
    pub value: f64,
}

impl<'a> Sample<'a> {
    /// The unescaped value of label `key`, if present.
    pub fn label(&self, key: &str) -> Option<Cow<'a, str>> {
        self.labels
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| unescape(v))
    }
}

/// Which part of a histogram (or summary) a sample name is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Part {
    /// `<family>_bucket`.
    Bucket,
    /// `<family>_sum`.
    Sum,
    /// `<family>_count`.
    Count,
}

/// Splits `x_bucket`/`x_sum`/`x_count` into `(x, part)`.
pub(crate) fn histogram_part(name: &str) -> Option<(&str, Part)> {
    if let Some(base) = name.strip_suffix("_bucket") {
        Some((base, Part::Bucket))
    } else if let Some(base) = name.strip_suffix("_sum") {
        Some((base, Part::Sum))
    } else {
        name.strip_suffix("_count").map(|base| (base, Part::Count))
    }
}

/// Iterates the meaningful lines of `text`; each item carries its 1-based
/// line number, and malformed lines come back as `Err(message)`.
pub(crate) fn lines(text: &str) -> impl Iterator<Item = (usize, Result<Line<'_>, String>)> {
    text.lines().enumerate().filter_map(|(i, raw)| {
        let line = raw.trim();
        if line.is_empty() {
            return None;
        }
        if let Some(comment) = line.strip_prefix('#') {
            let mut words = comment.split_whitespace();
            return match (words.next(), words.next()) {
                (Some("HELP" | "TYPE"), Some(name)) => Some((i + 1, Ok(Line::Family(name)))),
                _ => None,
            };
        }
        Some((i + 1, parse_sample(line).map(Line::Sample)))
    })
}

fn parse_sample(line: &str) -> Result<Sample<'_>, String> {
    let name_end = line
        .find(|c: char| c == '{' || c.is_whitespace())
        .ok_or_else(|| format!("no value after metric name in {line:?}"))?;
    let name = &line[..name_end];
    if name.is_empty() {
        return Err(format!("missing metric name in {line:?}"));
    }
    if !name
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b':')
    {
        return Err(format!("invalid metric name {name:?}"));
    }
    let mut rest = &line[name_end..];
    let mut labels = Vec::new();
    if let Some(after_brace) = rest.strip_prefix('{') {
        rest = parse_labels(after_brace, &mut labels).map_err(|e| format!("{e} in {line:?}"))?;
    }
    let value_text = rest
        .split_whitespace()
        .next()
        .ok_or_else(|| format!("missing value in {line:?}"))?;
    let value = parse_value(value_text).ok_or_else(|| format!("bad value {value_text:?}"))?;
    Ok(Sample {
        name,
        labels,
        value,
    })
}

/// Parses `k="v",...}` and returns what follows the closing brace.
fn parse_labels<'a>(mut s: &'a str, out: &mut Vec<(&'a str, &'a str)>) -> Result<&'a str, String> {
    loop {
        s = s.trim_start();
        if let Some(after) = s.strip_prefix('}') {
            return Ok(after);
        }
        let eq = s.find('=').ok_or("label without '='")?;
        let key = s[..eq].trim();
        let after_eq = s[eq + 1..].trim_start();
        let body = after_eq.strip_prefix('"').ok_or("label value not quoted")?;
        let end = closing_quote(body).ok_or("unterminated label value")?;
        out.push((key, &body[..end]));
        s = body[end + 1..].trim_start();
        if let Some(after_comma) = s.strip_prefix(',') {
            s = after_comma;
        } else if !s.starts_with('}') {
            return Err("expected ',' or '}' after label".to_string());
        }
    }
}

/// Byte index of the first unescaped `"` in `s`.
fn closing_quote(s: &str) -> Option<usize> {
    let mut escaped = false;
    for (i, b) in s.bytes().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' => escaped = true,
            b'"' => return Some(i),
            _ => {}
        }
    }
    None
}

/// Undoes `\\`, `\"` and `\n`; borrows when there is nothing to undo.
pub(crate) fn unescape(raw: &str) -> Cow<'_, str> {
    if !raw.contains('\\') {
        return Cow::Borrowed(raw);
    }
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('n') => out.push('\n'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Cow::Owned(out)
}

/// A sample value or `le` bound: decimal, `NaN`, `+Inf`, `-Inf`.
pub(crate) fn parse_value(s: &str) -> Option<f64> {
    match s {
        "NaN" => Some(f64::NAN),
        "+Inf" | "Inf" => Some(f64::INFINITY),
        "-Inf" => Some(f64::NEG_INFINITY),
        _ => s.parse::<f64>().ok(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(text: &str) -> Vec<Sample<'_>> {
        lines(text)
            .filter_map(|(_, l)| match l {
                Ok(Line::Sample(s)) => Some(s),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn reads_families_samples_and_escapes() {
        let text = "# HELP pilot_xds Number of endpoints.\n# TYPE pilot_xds gauge\n\
                    pilot_xds{version=\"1.2\\\"x\\\\y\\n\"} 3\nplain 4.5 1700000000\n";
        let all: Vec<_> = lines(text).map(|(_, l)| l).collect();
        assert_eq!(all[0], Ok(Line::Family("pilot_xds")));
        assert_eq!(all[1], Ok(Line::Family("pilot_xds")));
        let s = samples(text);
        assert_eq!(s[0].name, "pilot_xds");
        assert_eq!(s[0].label("version").as_deref(), Some("1.2\"x\\y\n"));
        assert_eq!(s[0].value, 3.0);
        assert_eq!(s[1].value, 4.5);
        assert!(s[1].labels.is_empty());
    }

    #[test]
    fn special_values_and_buckets() {
        let text = "h_bucket{le=\"+Inf\",type=\"cds\"} 7\nh_sum NaN\nh_count -Inf\n";
        let s = samples(text);
        assert_eq!(histogram_part(s[0].name), Some(("h", Part::Bucket)));
        assert_eq!(
            s[0].label("le").and_then(|v| parse_value(&v)),
            Some(f64::INFINITY)
        );
        assert!(s[1].value.is_nan());
        assert_eq!(histogram_part(s[1].name), Some(("h", Part::Sum)));
        assert_eq!(s[2].value, f64::NEG_INFINITY);
        assert_eq!(histogram_part("pilot_xds"), None);
    }

    #[test]
    fn malformed_lines_are_errors_with_line_numbers() {
        let text = "ok 1\nbroken{a=\"x} 1\nnovalue\nbad{a=\"1\"} abc\nlabel{a=1} 2\n";
        let results: Vec<_> = lines(text).collect();
        assert!(results[0].1.is_ok());
        for (n, r) in &results[1..] {
            assert!(r.is_err(), "line {n} should fail: {r:?}");
        }
        assert_eq!(results[1].0, 2);
    }

    #[test]
    fn comma_before_brace_and_spaces_are_accepted() {
        let s = samples("m{ a = \"1\" , b=\"2\", } 9\n");
        assert_eq!(s[0].labels, vec![("a", "1"), ("b", "2")]);
        assert_eq!(s[0].value, 9.0);
    }
}

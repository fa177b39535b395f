//! What a body that failed to parse looked like, for the message that says
//! so: its kind (empty, binary, HTML, JSON, text) and its first bytes,
//! escaped so server text never reaches a terminal raw.

/// How a body looks, for a message: `HTML ("<html>…")`, `text ("garbage")`.
pub fn looks_like(bytes: &[u8]) -> String {
    let head = bytes.get(..60).unwrap_or(bytes);
    let preview = String::from_utf8_lossy(head);
    let more = if bytes.len() > head.len() { "…" } else { "" };
    let trimmed = preview.trim_start();
    let what = if bytes.is_empty() {
        return "an empty body".into();
    } else if std::str::from_utf8(bytes).is_err() || bytes.contains(&0) {
        "binary data"
    } else if trimmed.starts_with('<') {
        "HTML"
    } else if trimmed.starts_with('{') || trimmed.starts_with('[') {
        "JSON"
    } else {
        "text"
    };
    // `{:?}` escapes control characters: server text never reaches the terminal raw.
    format!("{what} starting {preview:?}{more}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_are_described_and_escaped() {
        assert_eq!(looks_like(b""), "an empty body");
        assert_eq!(looks_like(b"<html>x"), "HTML starting \"<html>x\"");
        assert_eq!(looks_like(b"{\"a\":1}"), "JSON starting \"{\\\"a\\\":1}\"");
        assert_eq!(looks_like(b"\x1b[2Jhi"), "text starting \"\\u{1b}[2Jhi\"");
        let long = looks_like("x".repeat(100).as_bytes());
        assert!(long.ends_with("\"…"), "{long}");
    }
}

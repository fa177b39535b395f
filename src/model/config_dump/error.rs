//! Parse errors that say where the input went wrong, as a byte offset.

use std::fmt;

/// A config dump (or other JSON body) that could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseError {
    /// Byte offset into the input where the fault was detected.
    pub offset: usize,
    /// What serde_json said, without its own line/column suffix.
    pub message: String,
    /// The input ended before the document did (a truncated download).
    pub truncated: bool,
}

impl ParseError {
    /// From a serde_json error on the whole `input`.
    pub fn from_json(input: &str, e: &serde_json::Error) -> Self {
        if e.is_eof() {
            return Self::at(input.len(), e);
        }
        Self::at(offset_of(input, e.line(), e.column()), e)
    }

    /// From a serde_json error on `part`, a slice borrowed from `input`.
    pub fn from_json_at(input: &str, part: &str, e: &serde_json::Error) -> Self {
        let base = (part.as_ptr() as usize).saturating_sub(input.as_ptr() as usize);
        Self::at(base + offset_of(part, e.line(), e.column()), e)
    }

    fn at(offset: usize, e: &serde_json::Error) -> Self {
        let full = e.to_string();
        let message = match full.rfind(" at line ") {
            Some(i) => full[..i].to_string(),
            None => full,
        };
        ParseError {
            offset,
            message,
            truncated: e.is_eof(),
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.truncated {
            write!(
                f,
                "truncated JSON at byte {}: {}",
                self.offset, self.message
            )
        } else {
            write!(f, "invalid JSON at byte {}: {}", self.offset, self.message)
        }
    }
}

impl std::error::Error for ParseError {}

/// serde_json reports 1-based line and column (column counted in bytes);
/// turn that into a byte offset.
fn offset_of(input: &str, line: usize, column: usize) -> usize {
    if line == 0 {
        return 0;
    }
    let mut start = 0;
    for _ in 1..line {
        match input[start..].find('\n') {
            Some(i) => start += i + 1,
            None => break,
        }
    }
    (start + column.saturating_sub(1)).min(input.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn offset_counts_bytes_across_lines() {
        let input = "{\n  \"a\": 1,\n  \"b\": x\n}";
        let e = serde_json::from_str::<serde_json::Value>(input).unwrap_err();
        let pe = ParseError::from_json(input, &e);
        assert_eq!(&input[pe.offset..pe.offset + 1], "x");
        assert!(!pe.truncated);
    }

    #[test]
    fn truncation_is_reported_at_the_end() {
        let input = "{\"configs\": [ {\"@type\": \"x\"";
        let e = serde_json::from_str::<serde_json::Value>(input).unwrap_err();
        let pe = ParseError::from_json(input, &e);
        assert!(pe.truncated);
        assert_eq!(pe.offset, input.len());
        assert!(
            pe.to_string().starts_with("truncated JSON at byte 27"),
            "{pe}"
        );
    }
}

//! The demo's `/stats?filter=` and `/config_dump?name_regex=` patterns,
//! compiled with the `regex` crate (RE2 semantics, as Envoy's, and linear
//! time: a hand-written backtracking matcher used to be here, exponential on
//! patterns like `(a*)*b`). Like Envoy, a pattern matches anywhere in the
//! name unless anchored. A pattern that does not compile falls back to a
//! plain substring match, so a filter never fails.

/// A compiled filter pattern.
#[derive(Debug, Clone)]
pub struct Pattern {
    re: Option<regex::Regex>,
    literal: String,
}

impl Pattern {
    /// Compiles `src`; syntax `regex` rejects degrades to a substring match.
    pub fn new(src: &str) -> Self {
        Pattern {
            re: regex::Regex::new(src).ok(),
            literal: src.to_string(),
        }
    }

    /// Whether the pattern matches somewhere in `text`.
    pub fn is_match(&self, text: &str) -> bool {
        match &self.re {
            Some(re) => re.is_match(text),
            None => text.contains(&self.literal),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Pattern;

    #[test]
    fn matches_like_envoy_filters() {
        let m = |p: &str, t: &str| Pattern::new(p).is_match(t);
        assert!(m(
            "pending_overflow",
            "cluster.x.upstream_rq_pending_overflow"
        ));
        assert!(m(
            "^cluster\\..*_overflow$",
            "cluster.a|b.upstream_cx_overflow"
        ));
        assert!(!m(
            "^cluster\\..*_overflow$",
            "cluster.a.upstream_cx_overflow_x"
        ));
        assert!(m(
            "outbound\\|8000\\|\\|httpbin",
            "outbound|8000||httpbin.default"
        ));
        assert!(m("(inbound|outbound)\\|9080", "inbound|9080||"));
        assert!(m(
            "worker_[0-9]+\\.downstream",
            "listener.x.worker_12.downstream_cx_active"
        ));
        assert!(!m("^a{2}$", "aaa"));
        assert!(m("^a{2,}$", "aaa"));
        assert!(m("x?y*z", "z"));
        assert!(m("[^|]+$", "abc"));
        // Unsupported syntax: substring fallback.
        assert!(m("a(b", "xa(bx"));
        assert!(!m("a(b", "ab"));
        // Linear time: a pattern that sends a backtracker exponential.
        let long = "a".repeat(5_000);
        assert!(!m("^(a*)*b$", &long));
    }
}

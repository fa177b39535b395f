//! Envoy admin `/logging`: the level of every logger.

/// Envoy's log levels, lowest first.
pub const LEVELS: &[&str] = &[
    "trace", "debug", "info", "warning", "error", "critical", "off",
];

/// `(logger, level)` pairs from a `/logging` body, in the order Envoy lists them.
/// Lines that are not `name: level` are skipped.
pub fn parse_loggers(body: &str) -> Vec<(String, String)> {
    body.lines()
        .filter(|l| l.starts_with(' ') || l.starts_with('\t'))
        .filter_map(|l| {
            let (name, level) = l.trim().split_once(':')?;
            let level = level.trim();
            (!name.is_empty() && !level.is_empty())
                .then(|| (name.trim().to_string(), level.to_string()))
        })
        .collect()
}

/// The next level in [`LEVELS`] (wrapping), for cycling with a key.
pub fn next_level(level: &str) -> &'static str {
    let i = LEVELS
        .iter()
        .position(|l| *l == level)
        .map_or(0, |i| (i + 1) % LEVELS.len());
    LEVELS[i]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_active_loggers() {
        let body = "active loggers:\n  admin: warning\n  router: debug\ngarbage\n";
        assert_eq!(
            parse_loggers(body),
            vec![
                ("admin".into(), "warning".into()),
                ("router".into(), "debug".into())
            ]
        );
        assert_eq!(next_level("warning"), "error");
        assert_eq!(next_level("off"), "trace");
    }

    #[test]
    fn the_shared_capture_parses() {
        let Some(text) = crate::model::fixture("envoy-logging-1.txt") else {
            return;
        };
        let loggers = parse_loggers(&text);
        assert!(loggers.len() > 20, "{}", loggers.len());
        assert!(loggers.iter().all(|(_, l)| l == "warning"));
    }
}

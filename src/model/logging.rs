//! Envoy admin `/logging`: the level of every logger.

/// Envoy's log levels, lowest first.
pub const LEVELS: &[&str] = &[
    "trace", "debug", "info", "warning", "error", "critical", "off",
];

/// The one logger a ztunnel has: its global level (`POST /logging?level=L`).
pub const ZTUNNEL_LOGGER: &str = "ztunnel";

/// `(logger, level)` pairs from a `/logging` body, in the order Envoy lists them.
/// Lines that are not `name: level` are skipped. A ztunnel answers `current
/// log level is info,hickory=off`: its global level as [`ZTUNNEL_LOGGER`],
/// then each module's override.
pub fn parse_loggers(body: &str) -> Vec<(String, String)> {
    if let Some(filter) = body.trim_start().strip_prefix("current log level is ") {
        let filter = filter.lines().next().unwrap_or("").trim();
        let mut global = Vec::new();
        let mut modules = Vec::new();
        for d in filter.split(',').map(str::trim).filter(|d| !d.is_empty()) {
            match d.rsplit_once('=') {
                Some((module, level)) => modules.push((module.to_string(), level.to_string())),
                None => global.push((ZTUNNEL_LOGGER.to_string(), d.to_string())),
            }
        }
        global.extend(modules);
        return global;
    }
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

/// A level as ztunnel's `/logging` takes it (`warn`, not Envoy's `warning`;
/// it has no `critical`).
pub fn ztunnel_level(level: &str) -> &str {
    match level {
        "warning" => "warn",
        "critical" => "error",
        l => l,
    }
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

#[cfg(test)]
mod ztunnel_tests {
    use super::*;

    #[test]
    fn a_ztunnel_lists_its_global_level_then_module_overrides() {
        let body = "current log level is info,hickory_server::server=off,access=debug\n";
        assert_eq!(
            parse_loggers(body),
            vec![
                (ZTUNNEL_LOGGER.to_string(), "info".to_string()),
                ("hickory_server::server".to_string(), "off".to_string()),
                ("access".to_string(), "debug".to_string()),
            ]
        );
        assert_eq!(ztunnel_level("warning"), "warn");
        assert_eq!(ztunnel_level("critical"), "error");
        assert_eq!(ztunnel_level("debug"), "debug");
    }
}

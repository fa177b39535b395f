//! The user's config file, `$XDG_CONFIG_HOME/meshscope/config.toml`
//! (`~/.config/meshscope/config.toml` without XDG). Embedded defaults, partial
//! overrides, and warnings instead of crashes: a bad value keeps the default
//! and says why in the status line.
//!
//! Saving edits the user's file in place (`toml_edit`): only the settings that
//! changed are touched, so comments, order and unknown keys survive, and the
//! new text replaces the old atomically. A file that does not parse is never
//! rewritten.

use std::io::Write;
use std::path::{Path, PathBuf};

/// Why the config was not saved.
#[derive(Debug, thiserror::Error)]
pub enum SaveError {
    /// The file on disk is not valid TOML; it is left exactly as it is.
    #[error("it is not valid TOML ({reason}); left untouched: fix or remove it to save settings")]
    Invalid {
        /// The parser's message.
        reason: String,
    },
    /// Reading, writing or renaming failed.
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

/// Settings meshscope reads at start and writes back when the layout changes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Theme name (built-in) or path to a theme TOML file.
    pub theme: String,
    /// Views of the side-by-side panes, left to right (1 to 3).
    pub layout: Vec<String>,
    /// How often visible stats and health are polled, in milliseconds.
    pub poll_interval_ms: u64,
    /// Log lines kept per sidecar.
    pub log_buffer_lines: usize,
    /// Largest admin response read, in MiB; a bigger one fails and is asked
    /// for again only after a back-off.
    pub max_body_mib: u64,
    /// Sidecars the fleet scan probes at once.
    pub fleet_concurrency: usize,
    /// Seconds between fleet scans of the sidecar list (0: only on `:scan`).
    pub fleet_interval_s: u64,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            theme: "dark".to_string(),
            layout: vec!["clusters".into(), "stats".into(), "logs".into()],
            poll_interval_ms: 2000,
            log_buffer_lines: 50_000,
            max_body_mib: 512,
            fleet_concurrency: crate::model::findings::fleet::DEFAULT_CONCURRENCY,
            fleet_interval_s: 300,
        }
    }
}

/// Views a layout may name.
pub const LAYOUT_VIEWS: &[&str] = &[
    "overview",
    "listeners",
    "clusters",
    "routes",
    "endpoints",
    "secrets",
    "stats",
    "logs",
    "memory",
    "istiod",
    "cardinality",
];

impl Config {
    /// The config file's settings, or the defaults (warnings are the TUI's to show).
    pub fn load_or_default() -> Config {
        Config::path().map_or_else(Config::default, |p| Config::load(&p).0)
    }

    /// The body-size cap for admin clients, in bytes.
    pub fn max_body_bytes(&self) -> u64 {
        self.max_body_mib.saturating_mul(1024 * 1024)
    }

    /// Where the config file lives.
    pub fn path() -> Option<PathBuf> {
        let base = std::env::var_os("XDG_CONFIG_HOME")
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".config")))?;
        Some(base.join("meshscope").join("config.toml"))
    }

    /// Loads the file if it exists. Returns the config and warnings.
    pub fn load(path: &Path) -> (Config, Vec<String>) {
        match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(&text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => (Config::default(), Vec::new()),
            Err(e) => (
                Config::default(),
                vec![format!("config {}: {e}; using defaults", path.display())],
            ),
        }
    }

    /// Parses config text over the defaults.
    pub fn parse(text: &str) -> (Config, Vec<String>) {
        let mut c = Config::default();
        let mut warnings = Vec::new();
        let doc: toml::Table = match text.parse() {
            Ok(d) => d,
            Err(e) => {
                let e: toml::de::Error = e;
                return (
                    c,
                    vec![format!(
                        "config: invalid TOML: {}; using defaults (the file will not be rewritten)",
                        e.message().trim()
                    )],
                );
            }
        };
        for (key, value) in &doc {
            match key.as_str() {
                "theme" => match value.as_str() {
                    Some(s) if !s.is_empty() => c.theme = s.to_string(),
                    _ => warnings.push("config: theme must be a non-empty string".to_string()),
                },
                "layout" => match parse_layout(value) {
                    Ok(l) => c.layout = l,
                    Err(e) => warnings.push(format!("config: layout: {e}")),
                },
                "poll_interval_ms" => match value.as_integer() {
                    Some(n) if (250..=60_000).contains(&n) => c.poll_interval_ms = n.unsigned_abs(),
                    _ => warnings.push(
                        "config: poll_interval_ms must be an integer from 250 to 60000".to_string(),
                    ),
                },
                "log_buffer_lines" => match value.as_integer() {
                    Some(n) if (1_000..=1_000_000).contains(&n) => {
                        c.log_buffer_lines = usize::try_from(n).unwrap_or(50_000)
                    }
                    _ => warnings.push(
                        "config: log_buffer_lines must be an integer from 1000 to 1000000"
                            .to_string(),
                    ),
                },
                "max_body_mib" => match value.as_integer() {
                    Some(n) if (1..=16_384).contains(&n) => c.max_body_mib = n.unsigned_abs(),
                    _ => warnings.push(
                        "config: max_body_mib must be an integer from 1 to 16384".to_string(),
                    ),
                },
                "fleet_concurrency" => match value.as_integer() {
                    Some(n) if (1..=64).contains(&n) => {
                        c.fleet_concurrency = usize::try_from(n).unwrap_or(c.fleet_concurrency)
                    }
                    _ => warnings.push(
                        "config: fleet_concurrency must be an integer from 1 to 64".to_string(),
                    ),
                },
                "fleet_interval_s" => match value.as_integer() {
                    Some(n) if n == 0 || (30..=86_400).contains(&n) => {
                        c.fleet_interval_s = n.unsigned_abs()
                    }
                    _ => warnings.push(
                        "config: fleet_interval_s must be 0 (only on `:scan`) or an integer from 30 to 86400"
                            .to_string(),
                    ),
                },
                other => warnings.push(format!("config: unknown key `{other}` ignored")),
            }
        }
        (c, warnings)
    }

    /// The file text for this config.
    pub fn to_toml(&self) -> String {
        let layout: Vec<String> = self.layout.iter().map(|v| format!("\"{v}\"")).collect();
        format!(
            "# meshscope settings (written by meshscope when you change the layout)\n\
             theme = {}\nlayout = [{}]\npoll_interval_ms = {}\nlog_buffer_lines = {}\n\
             max_body_mib = {}\nfleet_concurrency = {}\nfleet_interval_s = {}\n",
            toml_string(&self.theme),
            layout.join(", "),
            self.poll_interval_ms,
            self.log_buffer_lines,
            self.max_body_mib,
            self.fleet_concurrency,
            self.fleet_interval_s
        )
    }

    /// Saves the settings that differ from what `path` says now, editing the
    /// file in place and replacing it atomically (a temp file next to it, then
    /// a rename). A missing file is created; an invalid one is never written.
    pub fn save(&self, path: &Path) -> Result<(), SaveError> {
        // Through a symlink (dotfile managers), edit the file it points to.
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => self.edit(&text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => self.to_toml(),
            Err(e) => return Err(e.into()),
        };
        let dir = match path.parent() {
            Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
            _ => PathBuf::from("."),
        };
        std::fs::create_dir_all(&dir)?;
        let mut tmp = tempfile::Builder::new()
            .prefix(".config.toml.")
            .tempfile_in(&dir)?;
        tmp.write_all(text.as_bytes())?;
        if let Ok(meta) = std::fs::metadata(&path) {
            tmp.as_file().set_permissions(meta.permissions())?;
        }
        tmp.as_file().sync_all()?;
        tmp.persist(&path).map_err(|e| SaveError::Io(e.error))?;
        Ok(())
    }

    /// `text` with the settings that differ from it set to this config's values.
    fn edit(&self, text: &str) -> Result<String, SaveError> {
        let mut doc: toml_edit::DocumentMut =
            text.parse()
                .map_err(|e: toml_edit::TomlError| SaveError::Invalid {
                    reason: e.message().trim().to_string(),
                })?;
        let (on_disk, _) = Config::parse(text);
        let mut set = |key: &str, value: toml_edit::Value| {
            match doc.get_mut(key).and_then(|item| item.as_value_mut()) {
                Some(old) => {
                    // Keep the comment after the old value.
                    let decor = old.decor().clone();
                    *old = value;
                    *old.decor_mut() = decor;
                }
                None => doc[key] = toml_edit::Item::Value(value),
            }
        };
        if self.theme != on_disk.theme {
            set("theme", self.theme.as_str().into());
        }
        if self.layout != on_disk.layout {
            let views: toml_edit::Array = self.layout.iter().map(String::as_str).collect();
            set("layout", views.into());
        }
        if self.poll_interval_ms != on_disk.poll_interval_ms {
            set(
                "poll_interval_ms",
                saturating_i64(self.poll_interval_ms).into(),
            );
        }
        if self.log_buffer_lines != on_disk.log_buffer_lines {
            let n = u64::try_from(self.log_buffer_lines).unwrap_or(u64::MAX);
            set("log_buffer_lines", saturating_i64(n).into());
        }
        if self.max_body_mib != on_disk.max_body_mib {
            set("max_body_mib", saturating_i64(self.max_body_mib).into());
        }
        if self.fleet_concurrency != on_disk.fleet_concurrency {
            let n = u64::try_from(self.fleet_concurrency).unwrap_or(u64::MAX);
            set("fleet_concurrency", saturating_i64(n).into());
        }
        if self.fleet_interval_s != on_disk.fleet_interval_s {
            set(
                "fleet_interval_s",
                saturating_i64(self.fleet_interval_s).into(),
            );
        }
        Ok(doc.to_string())
    }
}

/// `s` as a TOML string literal, escaped as TOML requires (control
/// characters included, which a basic string may not hold raw).
fn toml_string(s: &str) -> String {
    toml_edit::Value::from(s).to_string().trim().to_string()
}

fn saturating_i64(n: u64) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}

/// A layout: 1 to 3 known view names.
pub fn parse_layout(value: &toml::Value) -> Result<Vec<String>, String> {
    let items = value.as_array().ok_or("expected a list of view names")?;
    let mut out = Vec::new();
    for v in items {
        let name = v.as_str().ok_or("view names must be strings")?;
        if !LAYOUT_VIEWS.contains(&name) {
            return Err(format!(
                "unknown view `{name}` (one of: {})",
                LAYOUT_VIEWS.join(", ")
            ));
        }
        out.push(name.to_string());
    }
    if out.is_empty() || out.len() > 3 {
        return Err(format!("{} views given; a layout has 1 to 3", out.len()));
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn partial_override_keeps_other_defaults() {
        let (c, w) = Config::parse("theme = \"light\"\n");
        assert!(w.is_empty());
        assert_eq!(c.theme, "light");
        assert_eq!(c.layout, Config::default().layout);
    }

    #[test]
    fn each_invalid_setting_has_its_message() {
        let cases = [
            ("theme = 3", "config: theme must be a non-empty string"),
            ("layout = \"clusters\"", "config: layout: expected a list of view names"),
            ("layout = [\"clusters\", \"bogus\"]", "config: layout: unknown view `bogus` (one of: overview, listeners, clusters, routes, endpoints, secrets, stats, logs, memory, istiod, cardinality)"),
            ("layout = []", "config: layout: 0 views given; a layout has 1 to 3"),
            ("layout = [1]", "config: layout: view names must be strings"),
            ("poll_interval_ms = 5", "config: poll_interval_ms must be an integer from 250 to 60000"),
            ("log_buffer_lines = \"many\"", "config: log_buffer_lines must be an integer from 1000 to 1000000"),
            ("max_body_mib = 0", "config: max_body_mib must be an integer from 1 to 16384"),
            ("fleet_concurrency = 0", "config: fleet_concurrency must be an integer from 1 to 64"),
            ("fleet_interval_s = 5", "config: fleet_interval_s must be 0 (only on `:scan`) or an integer from 30 to 86400"),
            ("colour = \"red\"", "config: unknown key `colour` ignored"),
        ];
        for (text, want) in cases {
            let (c, w) = Config::parse(text);
            assert_eq!(w, vec![want.to_string()], "for {text}");
            assert_eq!(
                c,
                Config::default(),
                "a bad value keeps the defaults ({text})"
            );
        }
        let (c, w) = Config::parse("theme = [");
        assert_eq!(c, Config::default());
        assert_eq!(w.len(), 1);
        assert!(w[0].starts_with("config: invalid TOML:"), "{w:?}");
    }

    fn temp_config(name: &str, text: Option<&str>) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("meshscope-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("config.toml");
        if let Some(t) = text {
            std::fs::write(&path, t).unwrap();
        }
        path
    }

    #[test]
    fn a_layout_save_keeps_comments_unknown_keys_and_other_settings() {
        let text = "# my settings\ntheme = \"light\" # easier on the eyes\n\n\
                    # panes, left to right\nlayout = [\"stats\"] # for now\n\
                    poll_interval_ms = 5000\nfuture_key = { nested = true }\n";
        let path = temp_config("edit", Some(text));
        let (mut c, _) = Config::load(&path);
        c.layout = vec!["listeners".into(), "routes".into()];
        c.save(&path).unwrap();
        let saved = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            saved,
            "# my settings\ntheme = \"light\" # easier on the eyes\n\n\
             # panes, left to right\nlayout = [\"listeners\", \"routes\"] # for now\n\
             poll_interval_ms = 5000\nfuture_key = { nested = true }\n"
        );
        let (back, _) = Config::load(&path);
        assert_eq!(back, c);
        let leftovers = std::fs::read_dir(path.parent().unwrap()).unwrap().count();
        assert_eq!(leftovers, 1, "no temp file is left next to the config");
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn an_invalid_file_is_never_rewritten() {
        let text = "theme = \"light\"\nlayout = [\"stats\"\n# unfinished edit\n";
        let path = temp_config("invalid", Some(text));
        let (mut c, w) = Config::load(&path);
        assert!(w[0].contains("the file will not be rewritten"), "{w:?}");
        c.layout = vec!["listeners".into()];
        let err = c.save(&path).unwrap_err();
        assert!(matches!(err, SaveError::Invalid { .. }), "{err:?}");
        assert!(
            err.to_string().starts_with("it is not valid TOML ("),
            "{err}"
        );
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn a_missing_file_is_created_with_every_setting() {
        let path = temp_config("fresh", None);
        Config::default().save(&path).unwrap();
        let (back, w) = Config::load(&path);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(back, Config::default());
        let _ = std::fs::remove_dir_all(path.parent().unwrap());
    }

    #[test]
    fn save_and_load_round_trip() {
        let dir = std::env::temp_dir().join(format!("meshscope-config-{}", std::process::id()));
        let path = dir.join("meshscope/config.toml");
        let c = Config {
            layout: vec!["listeners".into(), "routes".into()],
            ..Config::default()
        };
        c.save(&path).unwrap();
        let (back, w) = Config::load(&path);
        assert!(w.is_empty(), "{w:?}");
        assert_eq!(back, c);
        let _ = std::fs::remove_dir_all(&dir);
    }
}

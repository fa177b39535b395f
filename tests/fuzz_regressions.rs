//! Regression tests for inputs the fuzz targets in fuzz/ found: each replays one crash.

use meshscope::config::Config;

/// config_toml: a theme name holding a control character (TOML allows it
/// escaped) was written back raw by `to_toml`, which TOML forbids: the new
/// file did not parse and the next start fell back to every default.
#[test]
fn a_theme_with_control_characters_round_trips_through_a_new_file() {
    for theme in [
        "a\u{1}b",
        "tab\there",
        "line\nbreak",
        "del\u{7f}",
        "q\"uote\\",
    ] {
        let config = Config {
            theme: theme.to_string(),
            ..Config::default()
        };
        let (back, warnings) = Config::parse(&config.to_toml());
        assert_eq!(warnings, Vec::<String>::new(), "theme {theme:?}");
        assert_eq!(back, config, "theme {theme:?}");
    }
}

/// Found by the `pc_bootstrap` fuzz target: `pc bootstrap -o json` on a dump
/// without a bootstrap printed a sentence, not JSON.
#[test]
fn pc_bootstrap_json_without_a_bootstrap_is_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("dump.json");
    std::fs::write(&dump, r#"{"configs":[]}"#).expect("write");
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_meshscope"))
        .args(["pc", "bootstrap", "--file"])
        .arg(&dump)
        .args(["-o", "json"])
        .output()
        .expect("run");
    let text = String::from_utf8_lossy(&out.stdout);
    let v: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    assert!(v.is_null(), "{text}");
}

/// Found by the `pc_all` fuzz target: a dump whose whitespace holds carriage
/// returns gave `pc all -o json` output that the terminal-safe writer turned
/// into invalid JSON (`\u000d` between tokens).
#[test]
fn pc_json_with_carriage_returns_in_the_dump_stays_json() {
    let dir = tempfile::tempdir().expect("tempdir");
    let dump = dir.path().join("dump.json");
    let body = "{\"configs\":[{\"@type\":\"type.googleapis.com/envoy.admin.v3.ClustersConfigDump\",\r\n\"static_clusters\":[{\"cluster\":{\"name\":\"a\",\r\r\"type\":\"STATIC\"}\r}]}]}";
    std::fs::write(&dump, body).expect("write");
    for kind in ["all", "clusters"] {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_meshscope"))
            .args(["pc", kind, "--file"])
            .arg(&dump)
            .args(["-o", "json"])
            .output()
            .expect("run");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(!text.contains("\\u000d"), "{kind}: {text}");
        let v: serde_json::Value =
            serde_json::from_str(&text).unwrap_or_else(|e| panic!("{kind}: {e}: {text}"));
        assert!(v.to_string().contains("\"a\""), "{kind}: {text}");
    }
}

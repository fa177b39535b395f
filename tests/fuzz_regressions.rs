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

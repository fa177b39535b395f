//! Fuzz target: `config.toml`: parsing over the defaults, the text written
//! for a new file (must read back as the same config), and the in-place
//! edit of an existing file (must read back as the edited config).
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::config::Config;

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let (config, warnings) = Config::parse(text);
    let _ = config.max_body_bytes();
    // A new file: to_toml must say exactly this config.
    let (back, back_warnings) = Config::parse(&config.to_toml());
    assert_eq!(
        back_warnings,
        Vec::<String>::new(),
        "to_toml wrote a config that warns"
    );
    assert_eq!(back, config, "to_toml did not round-trip");
    if warnings.iter().any(|w| w.contains("invalid TOML")) {
        return;
    }
    // An existing, valid file: save edits it in place.
    let mut changed = config.clone();
    changed.theme = format!("{}-x", config.theme);
    changed.layout.reverse();
    changed.poll_interval_ms = if config.poll_interval_ms == 2000 {
        3000
    } else {
        2000
    };
    let Ok(dir) = tempfile::tempdir() else { return };
    let path = dir.path().join("config.toml");
    if std::fs::write(&path, text).is_err() {
        return;
    }
    if let Err(e) = changed.save(&path) {
        panic!("saving over a valid file failed: {e}");
    }
    let (loaded, _) = Config::load(&path);
    assert_eq!(
        loaded, changed,
        "the edited file does not read back as the edit"
    );
});

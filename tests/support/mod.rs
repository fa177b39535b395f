//! Shared helpers for integration tests.
#![allow(dead_code)]

pub mod apiserver;
pub mod envoy;
pub mod envoy_config;
pub mod loglevel;
pub mod stats_bodies;
pub mod ui;

use std::path::PathBuf;
use std::process::{Command, Output};

/// The shared fixtures folder (`$MESHSCOPE_FIXTURES` or `../shared/fixtures`),
/// or `None` with a note on stderr when it is absent.
pub fn fixtures(test: &str) -> Option<PathBuf> {
    let dir = std::env::var_os("MESHSCOPE_FIXTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures"));
    if dir.is_dir() {
        Some(dir)
    } else {
        eprintln!(
            "{test}: skipped: fixtures folder {} absent (set MESHSCOPE_FIXTURES)",
            dir.display()
        );
        None
    }
}

/// Runs the meshscope binary with arguments.
pub fn meshscope(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_meshscope"))
        .args(args)
        .output()
        .expect("run meshscope")
}

/// A fresh temporary directory for one test.
pub fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("meshscope-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create temp dir");
    dir
}

/// A command's stdout, after asserting it exited 0 (stderr in the message).
pub fn stdout_ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "exit {:?}: {}",
        out.status.code(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).expect("utf-8")
}

//! Pure parsing and analysis: bytes in, typed values out. No clocks, sockets
//! or terminals here.

pub mod access_log;
pub mod body;
pub mod cardinality;
pub mod clusters;
pub mod clusters_text;
pub mod config_dump;
pub mod diff;
pub mod findings;
pub mod istioctl;
pub mod istiod;
pub mod logging;
pub mod par;
pub mod redact;
pub mod route_explain;
pub mod server_info;
pub mod severity;
pub mod stats;
pub mod text_table;
pub mod x509;
pub mod ztunnel;

/// The text of a shared fixture (`$MESHSCOPE_FIXTURES`, else
/// `../shared/fixtures`), or `None` after saying the folder is absent.
#[cfg(test)]
pub(crate) fn fixture(name: &str) -> Option<String> {
    let dir = std::env::var_os("MESHSCOPE_FIXTURES")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| {
            std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../shared/fixtures")
        });
    if !dir.is_dir() {
        println!("skipped: fixtures folder absent ({})", dir.display());
        return None;
    }
    let path = dir.join(name);
    match std::fs::read_to_string(&path) {
        Ok(text) => Some(text),
        Err(e) => panic!("fixture {} unreadable: {e}", path.display()),
    }
}

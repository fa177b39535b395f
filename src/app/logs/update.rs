//! The Logs view's reducer: batches from the log-source task appended to the
//! sidecar's bounded buffer (the raw line is kept for the response-flag
//! panel), and the end of a stream recorded.

use super::table::{columns, row_of};
use crate::app::state::AppState;
use crate::model::severity::Severity;
use crate::sources::logs::LogError;

/// Appends a batch, dropping the oldest lines past the configured bound
/// (trimmed in chunks of a tenth so appends stay O(1) amortised).
pub fn append(state: &mut AppState, target: usize, app: bool, lines: Vec<String>) {
    let cap = state.config.log_buffer_lines.max(10);
    let logs = if app {
        &mut state.app_logs
    } else {
        &mut state.logs
    };
    let buf = logs.entry(target).or_default();
    if buf.table.columns.is_empty() {
        buf.table.columns = columns();
    }
    for l in lines {
        buf.table.rows.push(row_of(&l));
        buf.raw.push(l);
    }
    if buf.raw.len() > cap + cap / 10 {
        let cut = buf.raw.len() - cap;
        buf.raw.drain(..cut);
        buf.table.rows.drain(..cut);
        buf.dropped += cut as u64;
    }
    buf.version += 1;
}

/// Records the end of a stream.
pub fn ended(state: &mut AppState, target: usize, app: bool, error: Option<LogError>) {
    let msg = match &error {
        Some(e) => format!("log stream ended: {e}"),
        None => "log stream ended".to_string(),
    };
    let logs = if app {
        &mut state.app_logs
    } else {
        &mut state.logs
    };
    logs.entry(target).or_default().ended = Some(msg.clone());
    if error.is_some() {
        state.say(msg, Severity::Warn);
    }
}

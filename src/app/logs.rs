//! Per-sidecar log buffers, bounded, fed by the log-source task.

use std::collections::VecDeque;

use super::state::AppState;
use crate::sources::logs::LogError;
use crate::ui::theme::Severity;

/// The lines kept for one sidecar.
#[derive(Debug, Clone, Default)]
pub struct LogBuffer {
    /// Newest last.
    pub lines: VecDeque<String>,
    /// Lines dropped because the buffer was full.
    pub dropped: u64,
    /// Why the stream ended, when it did.
    pub ended: Option<String>,
}

/// Appends a batch, dropping the oldest lines past the configured bound.
pub fn append(state: &mut AppState, target: usize, lines: Vec<String>) {
    let cap = state.config.log_buffer_lines;
    let buf = state.logs.entry(target).or_default();
    for l in lines {
        if buf.lines.len() == cap {
            buf.lines.pop_front();
            buf.dropped += 1;
        }
        buf.lines.push_back(l);
    }
}

/// Records the end of a stream.
pub fn ended(state: &mut AppState, target: usize, error: Option<LogError>) {
    let msg = match &error {
        Some(e) => format!("log stream ended: {e}"),
        None => "log stream ended".to_string(),
    };
    state.logs.entry(target).or_default().ended = Some(msg.clone());
    if error.is_some() {
        state.say(msg, Severity::Warn);
    }
}

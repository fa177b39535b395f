//! Non-interactive subcommands: read a source, print. Nothing here draws.
//! Whatever they print reaches the terminal through [`output`], which escapes
//! control characters.

pub mod check;
pub mod check_fleet;
pub mod check_report;
pub mod demo;
pub mod diff;
pub mod istiod;
pub mod logs;
pub mod output;
pub mod pc;
pub mod route;
pub mod snapshot;
pub mod source;
pub mod stats;
pub mod stats_input;
pub mod zc;
mod zc_kube;
pub mod zc_target;

use std::fmt;

/// A command failure with the exit code the contract gives it
/// (2: usage, unreadable or unparsable input, connection errors).
#[derive(Debug)]
pub struct CommandError {
    /// Process exit code.
    pub code: i32,
    /// One line for stderr.
    pub message: String,
}

impl CommandError {
    /// Exit 2 with a message.
    pub fn usage(message: impl Into<String>) -> Self {
        CommandError {
            code: 2,
            message: message.into(),
        }
    }
}

impl fmt::Display for CommandError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for CommandError {}

/// Reads a whole input file as UTF-8, naming the file (and the byte offset of
/// invalid UTF-8) on failure.
pub fn read_text(path: &std::path::Path) -> Result<String, CommandError> {
    let bytes = crate::sources::whole_file::read(path)
        .map_err(|e| CommandError::usage(format!("{}: {e}", path.display())))?;
    String::from_utf8(bytes).map_err(|e| {
        CommandError::usage(format!(
            "{}: not UTF-8 text at byte {}",
            path.display(),
            e.utf8_error().valid_up_to()
        ))
    })
}

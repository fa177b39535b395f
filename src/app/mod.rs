//! Application state and the only code that changes it.
//!
//! `update(state, action) -> effects` is synchronous; `tasks` runs the
//! effects (fetches, log follows) on tokio and reports back as actions.

pub mod action;
pub mod commands;
pub mod data;
pub mod drift;
mod dump_tables;
pub mod endpoints;
mod fetch;
pub mod headless;
pub mod istiod;
pub mod json;
pub mod json_tree;
pub mod keys;
pub mod link;
pub mod loglevels;
pub mod logs;
pub mod remap;
pub mod state;
pub mod stats;
pub mod stats_data;
pub mod stats_table;
pub mod table;
pub mod targets;
pub mod tasks;
pub mod trace;
pub mod update;
mod views;

pub use action::{Action, Effect};
pub use fetch::poll_wait;
pub use state::AppState;
pub use update::update;

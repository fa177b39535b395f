//! Application state and the only code that changes it.
//!
//! The core (this folder's files) holds what every view shares: the state
//! (targets, panes, focus, mode, status, data slots), the [`Action`] and
//! [`Effect`] vocabulary, the top-level [`update`] that routes an action to its
//! owner, navigation, the fetch bookkeeping and the task runner. Each view is
//! a feature folder (`sidecars/`, `stats/`…) with its state, reducer, keys and
//! data shaping; the core names views only through [`registry`]. The shared
//! widgets' state is in [`table`] and [`json_tree`]. See ARCHITECTURE.md.

pub mod action;
pub mod binding;
pub mod commands;
pub mod data;
pub mod diff;
pub mod dump;
mod fetch;
pub mod headless;
mod input;
pub mod json_tree;
pub mod keys;
pub mod memo;
pub mod nav;
pub mod registry;
pub mod remap;
pub mod slots;
pub mod spec;
pub mod state;
pub mod table;
pub mod tasks;
pub mod update;
pub mod view;
mod views;
pub mod ztunnel;

pub mod cardinality;
pub mod clusters;
pub mod endpoints;
pub mod fleet;
pub mod istiod;
pub mod json;
pub mod listeners;
pub mod loglevels;
pub mod logs;
pub mod memory;
pub mod overview;
pub mod route;
pub mod routes;
pub mod secrets;
pub mod sidecars;
pub mod stats;
pub mod trace;

pub use action::{Action, Effect};
pub use fetch::poll_wait;
pub use state::AppState;
pub use update::update;

//! meshscope: a terminal dashboard for troubleshooting Istio sidecars.
//!
//! Data flows one way: [`sources`] fetch bytes → [`model`] turns bytes into
//! typed, indexed views (pure, no I/O) → the app holds state → the ui draws it.
//! Non-interactive subcommands live in [`commands`] and only print.
#![cfg_attr(not(test), deny(clippy::unwrap_used, clippy::panic))]

pub mod app;
pub mod cli;
pub mod commands;
pub mod config;
pub mod launch;
pub mod model;
pub mod sources;
pub mod theme;
pub mod tui;
pub mod ui;

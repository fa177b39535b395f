//! Reusable widgets.

pub mod json_tree;

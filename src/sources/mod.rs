//! Everything that does I/O: files, the Envoy/pilot-agent/istiod admin ports,
//! the built-in demo mesh.

pub mod admin;
pub mod bundle;
pub mod capture;
pub mod clock;

pub mod demo;
pub mod fleet;
pub mod kube;
pub mod line_blocks;
pub mod log_file;
pub mod logs;
pub mod target;
pub mod whole_file;

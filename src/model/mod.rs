//! Pure parsing and analysis: bytes in, typed values out. No clocks, sockets
//! or terminals here.

pub mod access_log;
pub mod cardinality;
pub mod clusters;
pub mod config_dump;
pub mod istioctl;
pub mod istiod;
pub mod logging;
pub mod stats;
pub mod x509;

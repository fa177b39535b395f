//! Pure parsing and analysis: bytes in, typed values out. No clocks, sockets
//! or terminals here.

pub mod clusters;
pub mod config_dump;
pub mod istioctl;
pub mod x509;

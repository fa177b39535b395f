//! The built-in simulated mesh: a pure [`Mesh`] topology (bookinfo or a large
//! synthetic one) and a streaming writer for the Envoy `/config_dump` any of
//! its proxies would serve.

mod bookinfo;
mod builder;
mod cert;
pub mod config_dump;
mod dump_clusters;
mod dump_endpoints;
mod dump_filters;
mod dump_listeners;
mod dump_routes;
mod dump_tls;
mod json;
mod synthetic;
pub mod topology;

use std::io::{self, Write};

pub use bookinfo::{DEMO_ISTIO_VERSION, EXTERNAL_REDIS};
pub use config_dump::{node_id, write_config_dump, DumpOptions};
pub use topology::Mesh;

/// Writes the `/config_dump?include_eds` of a client pod that sees every
/// service of `Mesh::synthetic(services, seed)`: the large-input generator
/// for benchmarks.
pub fn generate_dump(services: usize, seed: u64, w: &mut impl Write) -> io::Result<()> {
    let mesh = Mesh::synthetic(services, seed);
    let pod = mesh
        .client_pod()
        .ok_or_else(|| io::Error::other("synthetic mesh has no client pod"))?;
    let opts = DumpOptions {
        include_eds: true,
        ..DumpOptions::default()
    };
    write_config_dump(&mesh, pod, &opts, w)
}

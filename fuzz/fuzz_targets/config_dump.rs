//! Fuzz target: the `/config_dump` parser, its lookups, and `check` findings drawn from it.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::model::config_dump::{short_type, ConfigDump, Kind, SubsetKey};
use meshscope::model::findings::{diagnose, Evidence};

fuzz_target!(|data: &[u8]| {
    let Some(text) = meshscope_fuzz::text(data) else {
        return;
    };
    let Ok(dump) = ConfigDump::parse(text) else {
        return;
    };
    let mut total = 0;
    for r in &dump.resources {
        let _ = SubsetKey::parse(&r.name);
        if let Some(found) = dump.find(r.kind, &r.name) {
            assert_eq!(found.kind, r.kind, "find returned another kind");
            assert_eq!(found.name, r.name, "find returned another name");
        }
    }
    for kind in [
        Kind::Listener,
        Kind::Cluster,
        Kind::Route,
        Kind::ScopedRoute,
        Kind::Endpoint,
        Kind::Secret,
        Kind::Ecds,
    ] {
        assert_eq!(
            dump.of(kind).count(),
            dump.count(kind),
            "of and count disagree"
        );
        total += dump.count(kind);
    }
    assert!(
        total <= dump.resources.len(),
        "more resources by kind than in all"
    );
    for s in &dump.unknown_sections {
        let _ = short_type(&s.type_url);
    }
    let report = diagnose(&Evidence {
        dump: Some(&dump),
        now_unix: meshscope_fuzz::NOW,
        ..Evidence::default()
    });
    meshscope_fuzz::terminal_safe(
        &meshscope::commands::check_report::table(&report),
        meshscope_fuzz::split_of(data),
    );
});

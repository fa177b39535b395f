//! `meshscope pc`: istioctl-identical proxy-config tables, or stable JSON.

use serde::Serialize;

use super::{read_text, CommandError};
use crate::cli::{Output, PcArgs, PcKind, SourceArgs};
use crate::model::clusters::ClusterStatuses;
use crate::model::config_dump::{ConfigDump, Kind, State, SubsetKey};
use crate::model::istioctl::proto::Obj;
use crate::model::istioctl::{
    bootstrap, clusters, describe_management, ecds, endpoints, listeners, routes, secrets,
};
use crate::sources::target::Endpoint;

/// Runs `pc`, returning the text to print.
pub async fn run(args: &PcArgs) -> Result<String, CommandError> {
    // istioctl reads /clusters for endpoints from a live proxy; so do we.
    let endpoint = if args.kind == PcKind::Endpoints {
        Endpoint::ClustersJson
    } else {
        Endpoint::ConfigDump
    };
    let (origin, text) = if let Some(file) = &args.file {
        (file.display().to_string(), read_text(file)?)
    } else if let Some(url) = &args.admin {
        let mesh = super::source::single_mesh(&SourceArgs {
            admin: Some(url.clone()),
            ..Default::default()
        });
        (
            url.clone(),
            super::source::fetch_text(&mesh, endpoint).await?,
        )
    } else if let Some(bundle) = &args.bundle {
        let text = super::source::bundle_text(bundle, args.pod.as_deref(), endpoint)?;
        (bundle.display().to_string(), text)
    } else {
        return Err(CommandError::usage(
            "pc needs a source: --file DUMP, --admin URL or --bundle BUNDLE",
        ));
    };
    let parse_err = |e: &dyn std::fmt::Display| CommandError::usage(format!("{origin}: {e}"));
    if args.kind == PcKind::Endpoints && ClusterStatuses::looks_like(&text) {
        let cs = ClusterStatuses::parse(&text).map_err(|e| parse_err(&e))?;
        let rows = endpoints::runtime_endpoints(&cs, &endpoint_filter(args));
        return Ok(match args.output {
            Output::Table => endpoints::runtime_table(&rows),
            Output::Json => to_json(&rows),
        });
    }
    let dump = ConfigDump::parse_kinds(&text, kinds_read(args.kind)).map_err(|e| parse_err(&e))?;
    if args.kind == PcKind::Endpoints && dump.of(Kind::Endpoint).next().is_none() {
        // The header alone would read as "no endpoints anywhere".
        eprintln!("{}", no_endpoints_note(&origin));
    }
    render(&dump, args, crate::sources::clock::unix_now()).map_err(|e| parse_err(&e))
}

/// The resources [`render`] reads for `kind` (the bootstrap is always kept).
fn kinds_read(kind: PcKind) -> &'static [Kind] {
    match kind {
        PcKind::Clusters => &[Kind::Cluster],
        PcKind::Listeners => &[Kind::Listener],
        PcKind::Routes => &[Kind::Route],
        PcKind::Endpoints => &[Kind::Endpoint],
        PcKind::Secrets => &[Kind::Secret],
        PcKind::Bootstrap => &[],
        PcKind::Ecds => &[Kind::Ecds],
        PcKind::All => &Kind::ALL,
    }
}

/// Why a config dump lists no endpoints, and how to get them.
pub fn no_endpoints_note(origin: &str) -> String {
    format!(
        "{origin}: this config dump has no endpoints: it was taken without include_eds. \
         Take it again with `curl 'localhost:15000/config_dump?include_eds'`, or read the live \
         hosts with `meshscope pc endpoints --admin URL` (Envoy's /clusters?format=json)."
    )
}

/// Renders one `pc` kind from a parsed dump. `now` (Unix seconds) decides
/// certificate validity.
pub fn render(dump: &ConfigDump<'_>, args: &PcArgs, now: i64) -> Result<String, serde_json::Error> {
    let json = args.output == Output::Json;
    Ok(match args.kind {
        PcKind::Clusters => {
            let cs = clusters::sorted_clusters(dump)?;
            let filter = cluster_filter(args);
            if json {
                to_json(&cluster_rows(&cs, &filter))
            } else {
                clusters::cluster_table(&cs, &filter, false)
            }
        }
        PcKind::Listeners => {
            if json {
                to_json(&resource_rows(dump, Kind::Listener))
            } else {
                listeners::listener_table_of(
                    &typed(dump, Kind::Listener)?,
                    &listener_filter(args),
                    false,
                )
            }
        }
        PcKind::Routes => {
            if json {
                to_json(&resource_rows(dump, Kind::Route))
            } else {
                routes::route_table_of(&typed(dump, Kind::Route)?, &route_filter(args), false)
            }
        }
        PcKind::Endpoints => {
            let eps = endpoints::eds_endpoints(dump, &endpoint_filter(args))?;
            if json {
                to_json(&eps)
            } else {
                endpoints::eds_table(&eps, false)
            }
        }
        PcKind::Secrets => {
            let items = secrets::secret_items(dump, now);
            if json {
                to_json(&items)
            } else {
                secrets::secret_table(&items, false)
            }
        }
        PcKind::Bootstrap => match bootstrap::version_summary(dump).transpose()? {
            Some(v) if json => to_json(&v),
            Some(v) => bootstrap::version_text(&v),
            // `-o json` stays JSON: no bootstrap is `null`.
            None if json => "null\n".to_string(),
            None => "No bootstrap found in the config dump.\n".to_string(),
        },
        PcKind::Ecds => {
            let items = ecds::ecds_items(dump)?;
            if json {
                to_json(&items)
            } else {
                ecds::ecds_table(&items)
            }
        }
        PcKind::All => {
            if json {
                to_json(&resource_rows_all(dump))
            } else {
                all_text(dump, args, now)?
            }
        }
    })
}

/// `proxy-config all`: every table with the NAME/prefix layout, blank-line separated.
fn all_text(dump: &ConfigDump<'_>, args: &PcArgs, now: i64) -> Result<String, serde_json::Error> {
    let mut sections: Vec<(&str, String)> = Vec::new();
    if let Some(v) = bootstrap::version_summary(dump).transpose()? {
        sections.push(("BOOTSTRAP", bootstrap::version_text(&v)));
    }
    let cs = clusters::sorted_clusters(dump)?;
    sections.push((
        "CLUSTER",
        clusters::cluster_table(&cs, &cluster_filter(args), true),
    ));
    sections.push((
        "LISTENER",
        listeners::listener_table_of(&typed(dump, Kind::Listener)?, &listener_filter(args), true),
    ));
    sections.push((
        "ROUTE",
        routes::route_table_of(&typed(dump, Kind::Route)?, &route_filter(args), true),
    ));
    sections.push((
        "SECRET",
        secrets::secret_table(&secrets::secret_items(dump, now), true),
    ));
    let eps = endpoints::eds_endpoints(dump, &endpoint_filter(args))?;
    sections.push(("ENDPOINTS", endpoints::eds_table(&eps, true)));
    let mut out = String::new();
    for (i, (title, body)) in sections.iter().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        if args.with_headers {
            out.push_str(&format!("------ {title} INFO ------\n\n"));
        }
        out.push_str(body);
    }
    Ok(out)
}

/// The resources istioctl iterates, dynamic active first, then static, each
/// read into a borrowed typed view of only the fields its table needs (a
/// resource that is not an object reads as an empty one, as before). Tens
/// of thousands of listeners are split across the cores, in order.
fn typed<'a, T: serde::Deserialize<'a> + Default + Send>(
    dump: &ConfigDump<'a>,
    kind: Kind,
) -> Result<Vec<T>, serde_json::Error> {
    let raws: Vec<&'a str> = dump.listed_raw(kind).collect();
    clusters::par_map(&raws, typed_one::<T>)
}

/// One resource's typed view; not an object reads as the empty one.
fn typed_one<'a, T: serde::Deserialize<'a> + Default>(
    raw: &'a str,
) -> Result<T, serde_json::Error> {
    let item: Obj<T> = serde_json::from_str(raw)?;
    Ok(item.0.unwrap_or_default())
}

fn cluster_filter(a: &PcArgs) -> clusters::ClusterFilter {
    clusters::ClusterFilter {
        fqdn: a.fqdn.clone(),
        port: a.port.filter(|p| *p != 0),
        subset: a.subset.clone(),
        direction: a.direction.clone(),
    }
}

fn listener_filter(a: &PcArgs) -> listeners::ListenerFilter {
    listeners::ListenerFilter {
        address: a.address.clone(),
        port: a.port,
        r#type: a.listener_type.clone(),
        verbose: true,
    }
}

fn route_filter(a: &PcArgs) -> routes::RouteFilter {
    routes::RouteFilter {
        name: a.name.clone(),
        verbose: true,
    }
}

fn endpoint_filter(a: &PcArgs) -> endpoints::EndpointFilter {
    endpoints::EndpointFilter {
        address: a.address.clone(),
        port: a.port.filter(|p| *p != 0),
        cluster: a.cluster.clone(),
        status: a.status.clone(),
    }
}

fn to_json<T: Serialize + ?Sized>(v: &T) -> String {
    let mut s =
        serde_json::to_string_pretty(v).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"));
    s.push('\n');
    s
}

/// `-o json` row for a cluster.
#[derive(Serialize)]
struct ClusterRow<'a> {
    name: &'a str,
    fqdn: &'a str,
    port: Option<u32>,
    subset: &'a str,
    direction: &'a str,
    #[serde(rename = "type")]
    discovery_type: &'a str,
    destination_rule: String,
}

fn cluster_rows<'a>(
    cs: &'a [crate::model::config_dump::ClusterInfo<'a>],
    f: &clusters::ClusterFilter,
) -> Vec<ClusterRow<'a>> {
    cs.iter()
        .filter(|c| f.matches(&c.name))
        .map(|c| {
            let key = SubsetKey::parse(&c.name);
            ClusterRow {
                name: &c.name,
                fqdn: key.as_ref().map_or(c.name.as_ref(), |k| k.fqdn),
                port: key.as_ref().map(|k| k.port),
                subset: key.as_ref().map_or("", |k| k.subset),
                direction: key.as_ref().map_or("", |k| k.direction),
                discovery_type: c.type_label(),
                destination_rule: describe_management(c.istio_config()),
            }
        })
        .collect()
}

/// `-o json` row for any resource: identity, lifecycle and the raw object.
#[derive(Serialize)]
struct ResourceRow<'a> {
    kind: Kind,
    name: &'a str,
    state: State,
    version_info: Option<&'a str>,
    last_updated: Option<&'a str>,
    #[serde(
        skip_serializing_if = "Option::is_none",
        serialize_with = "super::output::raw_json"
    )]
    error: Option<&'a serde_json::value::RawValue>,
    #[serde(serialize_with = "super::output::raw_json")]
    config: Option<&'a serde_json::value::RawValue>,
}

fn resource_rows<'a>(dump: &'a ConfigDump<'a>, kind: Kind) -> Vec<ResourceRow<'a>> {
    dump.of(kind).map(row).collect()
}

fn resource_rows_all<'a>(dump: &'a ConfigDump<'a>) -> Vec<ResourceRow<'a>> {
    dump.resources.iter().map(row).collect()
}

fn row<'a>(r: &'a crate::model::config_dump::Resource<'a>) -> ResourceRow<'a> {
    ResourceRow {
        kind: r.kind,
        name: &r.name,
        state: r.state,
        version_info: r.version_info.as_deref(),
        last_updated: r.last_updated.as_deref(),
        error: r.error,
        config: r.raw,
    }
}

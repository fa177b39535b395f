//! `istioctl proxy-config ecds`: extension configs delivered by ECDS.

use std::borrow::Cow;
use std::fmt::Write;

use serde::Deserialize;

use super::tabwriter;
use crate::model::config_dump::{ConfigDump, Kind};

#[derive(Deserialize)]
struct Typed<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default, alias = "typedConfig")]
    typed_config: Option<TypeUrl<'a>>,
}

#[derive(Deserialize)]
struct TypeUrl<'a> {
    #[serde(borrow, default, rename = "@type")]
    type_url: Cow<'a, str>,
}

/// One ECDS filter: its name and the type of its config.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct EcdsItem {
    /// Extension config name.
    pub name: String,
    /// `typed_config` type URL without `type.googleapis.com/`.
    pub type_name: String,
}

/// ECDS filters from every ECDS section, sorted by type URL then name.
pub fn ecds_items(dump: &ConfigDump<'_>) -> Result<Vec<EcdsItem>, serde_json::Error> {
    let mut items = Vec::new();
    for r in dump.of(Kind::Ecds) {
        let Some(raw) = r.raw else { continue };
        let t: Typed<'_> = serde_json::from_str(raw.get())?;
        let url = t
            .typed_config
            .map(|c| c.type_url.into_owned())
            .unwrap_or_default();
        items.push((url, t.name.into_owned()));
    }
    items.sort();
    Ok(items
        .into_iter()
        .map(|(url, name)| EcdsItem {
            type_name: url
                .strip_prefix("type.googleapis.com/")
                .unwrap_or(&url)
                .to_string(),
            name,
        })
        .collect())
}

/// The table exactly as istioctl prints it.
pub fn ecds_table(items: &[EcdsItem]) -> String {
    let mut t = String::from("ECDS NAME\tTYPE\n");
    for i in items {
        let _ = writeln!(t, "{}\t{}", i.name, i.type_name);
    }
    tabwriter::format(&t, 5)
}

//! Query parameters for the admin endpoints, and the path-and-query strings they produce.

/// Parameters of Envoy's `/config_dump`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ConfigDumpQuery {
    /// `mask=`: a field mask applied to each dumped config (e.g. `dynamic_active_clusters`).
    pub mask: Option<String>,
    /// `resource=`: dump only this repeated field (e.g. `dynamic_listeners`).
    pub resource: Option<String>,
    /// `name_regex=`: keep only resources whose name matches this regex.
    pub name_regex: Option<String>,
    /// `include_eds`: also dump endpoint (EDS) configuration.
    pub include_eds: bool,
}

impl ConfigDumpQuery {
    /// The path and query for this dump, e.g. `/config_dump?resource=dynamic_listeners`.
    pub fn path_and_query(&self) -> String {
        let mut q = QueryBuilder::new("/config_dump");
        q.value("resource", self.resource.as_deref());
        q.value("mask", self.mask.as_deref());
        q.value("name_regex", self.name_regex.as_deref());
        q.flag("include_eds", self.include_eds);
        q.finish()
    }
}

/// Which representation `/stats` answers in.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum StatsFormat {
    /// `/stats`: `name: value` lines.
    #[default]
    Text,
    /// `/stats?format=json`.
    Json,
    /// `/stats/prometheus`: the Prometheus exposition format.
    Prometheus,
}

/// Parameters of Envoy's `/stats`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct StatsQuery {
    /// Text, JSON or Prometheus.
    pub format: StatsFormat,
    /// `filter=`: keep only stats whose name matches this regex.
    pub filter: Option<String>,
    /// `usedonly`: keep only stats that were ever updated.
    pub used_only: bool,
}

impl StatsQuery {
    /// The path and query for these stats, e.g. `/stats?format=json&usedonly`.
    pub fn path_and_query(&self) -> String {
        let mut q = QueryBuilder::new(match self.format {
            StatsFormat::Prometheus => "/stats/prometheus",
            StatsFormat::Text | StatsFormat::Json => "/stats",
        });
        if self.format == StatsFormat::Json {
            q.value("format", Some("json"));
        }
        q.flag("usedonly", self.used_only);
        q.value("filter", self.filter.as_deref());
        q.finish()
    }
}

/// Appends `key=value` and bare `key` parameters to a path, encoding values.
pub(crate) struct QueryBuilder {
    out: String,
    has_query: bool,
}

impl QueryBuilder {
    /// Starts from `path`, which must not already hold a query.
    pub(crate) fn new(path: &str) -> Self {
        QueryBuilder {
            out: path.to_owned(),
            has_query: false,
        }
    }

    fn separator(&mut self) {
        self.out.push(if self.has_query { '&' } else { '?' });
        self.has_query = true;
    }

    /// Appends `key=<encoded value>` when `value` is present.
    pub(crate) fn value(&mut self, key: &str, value: Option<&str>) {
        if let Some(value) = value {
            self.separator();
            self.out.push_str(key);
            self.out.push('=');
            encode_query_value(value, &mut self.out);
        }
    }

    /// Appends the bare flag `key` when `on` (Envoy tests only for presence).
    pub(crate) fn flag(&mut self, key: &str, on: bool) {
        if on {
            self.separator();
            self.out.push_str(key);
        }
    }

    /// The finished path and query.
    pub(crate) fn finish(self) -> String {
        self.out
    }
}

/// Percent-encodes a query value.
///
/// Unreserved characters stay as they are, and so do `:` `,` `/` `*` `@` `!` `(` `)` `$`:
/// they are legal in a query (RFC 3986) and keep values such as `paths=upstream:debug,http:info`
/// readable for Envoys that do not decode query strings. Everything else — including space,
/// `+`, `&`, `=`, `#`, `%`, `|`, `\`, `^` and non-ASCII bytes — becomes `%XX`, so a space is
/// `%20` (never `+`, which some decoders keep literally).
pub fn encode_query_value(value: &str, out: &mut String) {
    use percent_encoding::{utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};
    const KEEP: &AsciiSet = &NON_ALPHANUMERIC
        .remove(b'-')
        .remove(b'.')
        .remove(b'_')
        .remove(b'~')
        .remove(b':')
        .remove(b',')
        .remove(b'/')
        .remove(b'*')
        .remove(b'@')
        .remove(b'!')
        .remove(b'(')
        .remove(b')')
        .remove(b'$');
    out.extend(utf8_percent_encode(value, KEEP));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn config_dump_query_orders_and_encodes() {
        let q = ConfigDumpQuery {
            mask: Some("dynamic_active_clusters".into()),
            resource: Some("dynamic_active_clusters".into()),
            name_regex: Some("outbound|80||.*reviews a+b&c=d#e%".into()),
            include_eds: true,
        };
        assert_eq!(
            q.path_and_query(),
            "/config_dump?resource=dynamic_active_clusters&mask=dynamic_active_clusters\
             &name_regex=outbound%7C80%7C%7C.*reviews%20a%2Bb%26c%3Dd%23e%25&include_eds"
        );
        assert_eq!(ConfigDumpQuery::default().path_and_query(), "/config_dump");
    }

    #[test]
    fn stats_query_paths() {
        let text = StatsQuery::default();
        assert_eq!(text.path_and_query(), "/stats");
        let json = StatsQuery {
            format: StatsFormat::Json,
            filter: Some("^cluster\\..*upstream_rq_5xx$".into()),
            used_only: true,
        };
        assert_eq!(
            json.path_and_query(),
            "/stats?format=json&usedonly&filter=%5Ecluster%5C..*upstream_rq_5xx$"
        );
        let prom = StatsQuery {
            format: StatsFormat::Prometheus,
            filter: None,
            used_only: true,
        };
        assert_eq!(prom.path_and_query(), "/stats/prometheus?usedonly");
    }

    #[test]
    fn non_ascii_is_percent_encoded_per_byte() {
        let mut out = String::new();
        encode_query_value("é ü", &mut out);
        assert_eq!(out, "%C3%A9%20%C3%BC");
    }
}

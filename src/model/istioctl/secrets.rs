//! `istioctl proxy-config secret`: warming secrets first, then active ones,
//! with the certificate's type, validity and serial decoded from its PEM.

use std::borrow::Cow;
use std::fmt::Write;

use base64::Engine;
use serde::Deserialize;

use super::tabwriter;
use crate::model::config_dump::{ConfigDump, Kind, State};
use crate::model::x509::{first_pem_certificate, rfc3339};

/// One secret as istioctl describes it.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct SecretItem {
    /// SDS resource name (`default`, `ROOTCA`, `file-cert:…`).
    pub name: String,
    /// `Cert Chain` or `CA`; empty when there is no parsable certificate.
    pub cert_type: String,
    /// `ACTIVE` or `WARMING`.
    pub state: String,
    /// The certificate parses and `now` is inside its validity window.
    pub valid: bool,
    /// Serial number in hex.
    pub serial: String,
    /// RFC 3339.
    pub not_after: String,
    /// RFC 3339.
    pub not_before: String,
    /// The SPIFFE trust domain: a trust bundle's own (`SPIFFECertValidatorConfig`),
    /// else the certificate's `spiffe://` URI SAN; empty when unknown.
    pub trust_domain: String,
    /// Seconds since the epoch of `not_after`, for expiry warnings.
    #[serde(skip)]
    pub not_after_epoch: Option<i64>,
}

#[derive(Deserialize, Default)]
struct Secret<'a> {
    #[serde(borrow, default)]
    name: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "tlsCertificate")]
    tls_certificate: Option<TlsCert<'a>>,
    #[serde(borrow, default, alias = "validationContext")]
    validation_context: Option<Validation<'a>>,
}

#[derive(Deserialize, Default)]
struct TlsCert<'a> {
    #[serde(borrow, default, alias = "certificateChain")]
    certificate_chain: Option<DataSource<'a>>,
}

#[derive(Deserialize, Default)]
struct Validation<'a> {
    #[serde(borrow, default, alias = "trustedCa")]
    trusted_ca: Option<DataSource<'a>>,
    #[serde(borrow, default, alias = "customValidatorConfig")]
    custom_validator_config: Option<CustomValidator<'a>>,
}

/// `custom_validator_config`: SPIRE-style trust bundles, one CA per trust domain.
#[derive(Deserialize, Default)]
struct CustomValidator<'a> {
    #[serde(borrow, default, alias = "typedConfig")]
    typed_config: Option<SpiffeValidator<'a>>,
}

#[derive(Deserialize, Default)]
struct SpiffeValidator<'a> {
    #[serde(borrow, default, rename = "@type")]
    type_url: Option<Cow<'a, str>>,
    #[serde(borrow, default, alias = "trustDomains")]
    trust_domains: Vec<TrustDomain<'a>>,
}

#[derive(Deserialize, Default)]
struct TrustDomain<'a> {
    #[serde(borrow, default)]
    name: Cow<'a, str>,
    #[serde(borrow, default, alias = "trustBundle")]
    trust_bundle: Option<DataSource<'a>>,
}

const SPIFFE_VALIDATOR: &str =
    "type.googleapis.com/envoy.extensions.transport_sockets.tls.v3.SPIFFECertValidatorConfig";

/// The trust bundles of a SPIFFE validator, as (trust domain, PEM).
fn trust_bundles<'s>(secret: &'s Secret<'_>) -> Option<Vec<(&'s str, Option<String>)>> {
    let tc = secret
        .validation_context
        .as_ref()?
        .custom_validator_config
        .as_ref()?
        .typed_config
        .as_ref()?;
    (tc.type_url.as_deref() == Some(SPIFFE_VALIDATOR)).then(|| {
        tc.trust_domains
            .iter()
            .map(|td| (td.name.as_ref(), inline_pem(td.trust_bundle.as_ref())))
            .collect()
    })
}

#[derive(Deserialize, Default)]
struct DataSource<'a> {
    #[serde(borrow, default, alias = "inlineBytes")]
    inline_bytes: Option<Cow<'a, str>>,
}

fn inline_pem(ds: Option<&DataSource<'_>>) -> Option<String> {
    let b64 = ds?.inline_bytes.as_deref()?;
    let bytes = base64::engine::general_purpose::STANDARD.decode(b64).ok()?;
    String::from_utf8(bytes).ok().filter(|s| !s.is_empty())
}

/// Secrets as istioctl lists them: dynamic warming, then dynamic active.
/// `now` (Unix seconds) decides VALID CERT. Returns `None` when the dump
/// has neither (istioctl then prints "No active or warming secrets found.").
pub fn secret_items(dump: &ConfigDump<'_>, now: i64) -> Vec<SecretItem> {
    items_in(dump, now, &[State::Warming, State::Active])
}

/// Every secret, `static_secrets` (from the bootstrap) included, which
/// istioctl leaves out: warming, active, then static.
pub fn all_secret_items(dump: &ConfigDump<'_>, now: i64) -> Vec<SecretItem> {
    items_in(dump, now, &[State::Warming, State::Active, State::Static])
}

fn items_in(dump: &ConfigDump<'_>, now: i64, states: &[State]) -> Vec<SecretItem> {
    let mut out = Vec::new();
    for &state in states {
        for r in dump.of(Kind::Secret).filter(|r| r.state == state) {
            let secret: Secret<'_> = r
                .raw
                .and_then(|raw| serde_json::from_str(raw.get()).ok())
                .unwrap_or_default();
            let pem = inline_pem(
                secret
                    .tls_certificate
                    .as_ref()
                    .and_then(|t| t.certificate_chain.as_ref()),
            )
            .or_else(|| {
                inline_pem(
                    secret
                        .validation_context
                        .as_ref()
                        .and_then(|v| v.trusted_ca.as_ref()),
                )
            });
            let label = state.label();
            match (pem, trust_bundles(&secret)) {
                // Like istioctl: a secret with neither a chain nor a CA but a
                // SPIFFE validator lists one CA row per trust domain, named
                // after the secret itself.
                (None, Some(bundles)) => {
                    let name = secret.name.as_deref().unwrap_or(r.name.as_ref());
                    for (td, pem) in bundles {
                        out.push(item(name, label, pem.as_deref(), td, now));
                    }
                }
                (pem, _) => out.push(item(r.name.as_ref(), label, pem.as_deref(), "", now)),
            }
        }
    }
    out
}

fn item(name: &str, state: &str, pem: Option<&str>, trust_domain: &str, now: i64) -> SecretItem {
    match pem.and_then(first_pem_certificate) {
        Some(c) => SecretItem {
            name: name.to_string(),
            cert_type: if c.is_ca { "CA" } else { "Cert Chain" }.to_string(),
            state: state.to_string(),
            valid: c.valid_at(now),
            serial: c.serial_hex.clone(),
            not_after: rfc3339(c.not_after),
            not_before: rfc3339(c.not_before),
            trust_domain: if trust_domain.is_empty() {
                c.trust_domain.clone().unwrap_or_default()
            } else {
                trust_domain.to_string()
            },
            not_after_epoch: Some(c.not_after),
        },
        None => SecretItem {
            name: name.to_string(),
            cert_type: String::new(),
            state: state.to_string(),
            valid: false,
            serial: String::new(),
            not_after: String::new(),
            not_before: String::new(),
            trust_domain: trust_domain.to_string(),
            not_after_epoch: None,
        },
    }
}
/// The table exactly as istioctl prints it.
pub fn secret_table(items: &[SecretItem], include_config_type: bool) -> String {
    if items.is_empty() {
        return "No active or warming secrets found.\n".to_string();
    }
    // istioctl adds TRUST DOMAIN only when every secret has one (trust
    // domain federation); otherwise the column would mislead.
    let trust_domains = items.iter().all(|s| !s.trust_domain.is_empty());
    let mut t = String::from(
        "RESOURCE NAME\tTYPE\tSTATUS\tVALID CERT\tSERIAL NUMBER\tNOT AFTER\tNOT BEFORE",
    );
    t.push_str(if trust_domains {
        "\tTRUST DOMAIN\n"
    } else {
        "\n"
    });
    for s in items {
        let prefix = if include_config_type { "secret/" } else { "" };
        let _ = write!(
            t,
            "{prefix}{}\t{}\t{}\t{}\t{}\t{}\t{}",
            s.name, s.cert_type, s.state, s.valid, s.serial, s.not_after, s.not_before
        );
        if trust_domains {
            let _ = write!(t, "\t{}", s.trust_domain);
        }
        t.push('\n');
    }
    tabwriter::format(&t, 5)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warming_without_cert_and_garbage_cert() {
        let text = r#"{"configs":[{"@type":"type.googleapis.com/envoy.admin.v3.SecretsConfigDump",
          "dynamic_active_secrets":[{"name":"default","secret":{"tls_certificate":{"certificate_chain":{"inline_bytes":"bm90IGEgY2VydA=="}}}}],
          "dynamic_warming_secrets":[{"name":"file-root:/etc/x","secret":{"name":"file-root:/etc/x"}}]}]}"#;
        let d = ConfigDump::parse(text).unwrap();
        let items = secret_items(&d, 0);
        assert_eq!(items[0].state, "WARMING");
        assert_eq!(items[1].name, "default");
        assert!(!items[1].valid);
        assert_eq!(
            secret_table(&items, false),
            "RESOURCE NAME        TYPE     STATUS      VALID CERT     SERIAL NUMBER     NOT AFTER     NOT BEFORE\n\
             file-root:/etc/x              WARMING     false                                          \n\
             default                       ACTIVE      false                                          \n"
        );
    }

    #[test]
    fn no_secrets_message() {
        assert_eq!(
            secret_table(&[], false),
            "No active or warming secrets found.\n"
        );
    }
}

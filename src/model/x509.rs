//! An SDS secret's certificate summarised the way istioctl does: serial
//! number, validity window, whether it is a CA, and the SPIFFE trust domain
//! of its URI SAN. DER parsing is the `x509-parser` crate's.

use x509_parser::extensions::GeneralName;
use x509_parser::prelude::{parse_x509_certificate, parse_x509_pem};

/// What istioctl shows about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Serial number as Go's `%032x` prints it: lower-case hex without
    /// leading zeros, zero-padded to 32 digits.
    pub serial_hex: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    /// Seconds since the Unix epoch.
    pub not_after: i64,
    /// `basicConstraints` cA is true.
    pub is_ca: bool,
    /// The host of a `spiffe://` URI SAN (the last one, as istioctl takes it).
    pub trust_domain: Option<String>,
}

impl CertSummary {
    /// Whether `now` (Unix seconds) lies inside the validity window.
    pub fn valid_at(&self, now: i64) -> bool {
        self.not_before <= now && now <= self.not_after
    }
}

/// Parses the first certificate of a PEM bundle.
pub fn first_pem_certificate(pem: &str) -> Option<CertSummary> {
    const BEGIN: &str = "-----BEGIN CERTIFICATE-----";
    let start = pem.find(BEGIN)?;
    let (_, block) = parse_x509_pem(&pem.as_bytes()[start..]).ok()?;
    parse_der(&block.contents)
}

/// Parses one DER certificate.
pub fn parse_der(der: &[u8]) -> Option<CertSummary> {
    let (_, cert) = parse_x509_certificate(der).ok()?;
    let tbs = &cert.tbs_certificate;
    let is_ca = tbs
        .basic_constraints()
        .ok()
        .flatten()
        .is_some_and(|bc| bc.value.ca);
    let trust_domain = tbs
        .subject_alternative_name()
        .ok()
        .flatten()
        .and_then(|san| {
            san.value
                .general_names
                .iter()
                .filter_map(|n| match n {
                    GeneralName::URI(u) => u.strip_prefix("spiffe://"),
                    _ => None,
                })
                .map(|rest| rest.split('/').next().unwrap_or(rest).to_string())
                .next_back()
        });
    Some(CertSummary {
        serial_hex: go_serial(tbs.raw_serial()),
        not_before: tbs.validity.not_before.timestamp(),
        not_after: tbs.validity.not_after.timestamp(),
        is_ca,
        trust_domain,
    })
}

/// Go's `fmt.Sprintf("%032x", serial)`: hex digits of the number (no
/// leading zeros), left-padded with zeros to 32.
fn go_serial(bytes: &[u8]) -> String {
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let digits = hex.trim_start_matches('0');
    let digits = if digits.is_empty() { "0" } else { digits };
    format!("{digits:0>32}")
}

/// Unix seconds to RFC 3339 UTC (`2023-05-16T01:32:52Z`), as Go formats x509 times.
/// Calendar arithmetic is `jiff`'s; seconds outside years -9999..=9999 are clamped.
pub fn rfc3339(secs: i64) -> String {
    let ts = jiff::Timestamp::from_second(secs).unwrap_or(if secs < 0 {
        jiff::Timestamp::MIN
    } else {
        jiff::Timestamp::MAX
    });
    ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string()
}

/// RFC 3339 (`2024-05-14T09:18:00.123Z`, any offset) to Unix seconds, fraction dropped.
pub fn rfc3339_secs(s: &str) -> Option<i64> {
    s.parse::<jiff::Timestamp>().ok().map(|t| t.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trip() {
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        assert_eq!(rfc3339(1_684_200_772), "2023-05-16T01:32:52Z");
        assert_eq!(rfc3339(1_998_604_800), "2033-05-02T00:00:00Z");
        assert_eq!(rfc3339(-1), "1969-12-31T23:59:59Z");
        assert_eq!(rfc3339_secs("2023-05-16T01:32:52Z"), Some(1_684_200_772));
        assert_eq!(
            rfc3339_secs("2024-05-14T09:18:00.123Z"),
            Some(1_715_678_280)
        );
        assert_eq!(
            rfc3339_secs("2024-05-14T11:18:00+02:00"),
            Some(1_715_678_280)
        );
        assert_eq!(rfc3339_secs("2024-02-30T00:00:00Z"), None);
        assert_eq!(rfc3339_secs("yesterday"), None);
        // Clamped to the latest instant jiff represents in every offset.
        assert!(rfc3339(i64::MAX).starts_with("9999-12-3"));
    }

    #[test]
    fn serial_as_go_prints_it() {
        assert_eq!(
            go_serial(&[0x00, 0x6f, 0xbe]),
            "00000000000000000000000000006fbe"
        );
        assert_eq!(go_serial(&[0x01, 0x93]), "00000000000000000000000000000193");
        assert_eq!(go_serial(&[0x00]), "00000000000000000000000000000000");
        let twenty = [0x0au8; 20];
        assert_eq!(go_serial(&twenty).len(), 39);
    }

    #[test]
    fn garbage_is_none_not_a_panic() {
        assert_eq!(first_pem_certificate("nothing here"), None);
        assert_eq!(
            first_pem_certificate("-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"),
            None
        );
        assert_eq!(parse_der(&[0x30, 0x85, 0xff]), None);
    }
}

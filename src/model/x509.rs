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

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Unix seconds to RFC 3339 UTC (`2023-05-16T01:32:52Z`), as Go formats x509 times.
pub fn rfc3339(secs: i64) -> String {
    let days = secs.div_euclid(86_400);
    let tod = secs.rem_euclid(86_400);
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        tod / 3600,
        tod % 3600 / 60,
        tod % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_round_trip() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(rfc3339(0), "1970-01-01T00:00:00Z");
        let t = days_from_civil(2023, 5, 16) * 86_400 + 3600 + 32 * 60 + 52;
        assert_eq!(rfc3339(t), "2023-05-16T01:32:52Z");
        assert_eq!(
            rfc3339(days_from_civil(2033, 5, 2) * 86_400),
            "2033-05-02T00:00:00Z"
        );
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

//! Just enough X.509 DER to summarise an SDS secret the way istioctl does:
//! serial number, validity window and whether the certificate is a CA.

use base64::Engine;

/// What istioctl shows about a certificate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CertSummary {
    /// Serial number as lower-case hex of its minimal big-endian bytes.
    pub serial_hex: String,
    /// Seconds since the Unix epoch.
    pub not_before: i64,
    /// Seconds since the Unix epoch.
    pub not_after: i64,
    /// `basicConstraints` cA is true.
    pub is_ca: bool,
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
    const END: &str = "-----END CERTIFICATE-----";
    let start = pem.find(BEGIN)? + BEGIN.len();
    let end = start + pem[start..].find(END)?;
    let b64: String = pem[start..end]
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let der = base64::engine::general_purpose::STANDARD
        .decode(b64.as_bytes())
        .ok()?;
    parse_der(&der)
}

/// One DER TLV: tag, contents, and the rest of the input after it.
fn tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 || rest.len() < n {
            return None;
        }
        let mut len = 0usize;
        for &b in &rest[..n] {
            len = (len << 8) | usize::from(b);
        }
        rest = &rest[n..];
        len
    };
    if rest.len() < len {
        return None;
    }
    Some((tag, &rest[..len], &rest[len..]))
}

fn parse_der(der: &[u8]) -> Option<CertSummary> {
    let (_, cert, _) = tlv(der)?; // Certificate SEQUENCE
    let (_, tbs, _) = tlv(cert)?; // TBSCertificate SEQUENCE
    let mut rest = tbs;
    let (mut tag, mut body, mut next) = tlv(rest)?;
    if tag == 0xa0 {
        // [0] EXPLICIT version
        rest = next;
        (tag, body, next) = tlv(rest)?;
    }
    if tag != 0x02 {
        return None;
    }
    let serial_hex = hex_without_leading_zeros(body);
    rest = next;
    let (_, _sig_alg, r) = tlv(rest)?;
    let (_, _issuer, r) = tlv(r)?;
    let (_, validity, r) = tlv(r)?;
    let (t1, nb, vr) = tlv(validity)?;
    let (t2, na, _) = tlv(vr)?;
    let not_before = parse_time(t1, nb)?;
    let not_after = parse_time(t2, na)?;
    let (_, _subject, r) = tlv(r)?;
    let (_, _spki, mut r) = tlv(r)?;
    let mut is_ca = false;
    while let Some((tag, body, next)) = tlv(r) {
        if tag == 0xa3 {
            is_ca = basic_constraints_ca(body).unwrap_or(false);
        }
        r = next;
    }
    Some(CertSummary {
        serial_hex,
        not_before,
        not_after,
        is_ca,
    })
}

/// OID 2.5.29.19 (basicConstraints).
const BASIC_CONSTRAINTS: &[u8] = &[0x55, 0x1d, 0x13];

fn basic_constraints_ca(ext_explicit: &[u8]) -> Option<bool> {
    let (_, mut exts, _) = tlv(ext_explicit)?; // SEQUENCE OF Extension
    while let Some((_, ext, next)) = tlv(exts) {
        let (_, oid, mut r) = tlv(ext)?;
        if oid == BASIC_CONSTRAINTS {
            let (mut tag, mut body, mut after) = tlv(r)?;
            if tag == 0x01 {
                // critical BOOLEAN
                r = after;
                (tag, body, after) = tlv(r)?;
            }
            let _ = after;
            if tag != 0x04 {
                return None;
            }
            let (_, bc, _) = tlv(body)?; // BasicConstraints SEQUENCE
            return Some(match tlv(bc) {
                Some((0x01, v, _)) => v.first().is_some_and(|&b| b != 0),
                _ => false,
            });
        }
        exts = next;
    }
    Some(false)
}

fn hex_without_leading_zeros(bytes: &[u8]) -> String {
    // Like Go's `%x` of `big.Int.Bytes()`: DER's sign-padding zero bytes go,
    // but a leading zero nibble inside the first significant byte stays.
    let first = bytes.iter().position(|&b| b != 0).unwrap_or(bytes.len());
    let s: String = bytes[first..].iter().map(|b| format!("{b:02x}")).collect();
    if s.is_empty() {
        "0".to_string()
    } else {
        s
    }
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) to Unix seconds.
fn parse_time(tag: u8, body: &[u8]) -> Option<i64> {
    let s = std::str::from_utf8(body).ok()?;
    let s = s.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 if s.len() == 12 => {
            let yy: i64 = s[..2].parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, &s[2..])
        }
        0x18 if s.len() == 14 => (s[..4].parse().ok()?, &s[4..]),
        _ => return None,
    };
    let n = |i: usize| rest.get(i..i + 2).and_then(|p| p.parse::<i64>().ok());
    let (mo, d, h, mi, se) = (n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    Some(days_from_civil(year, mo, d) * 86_400 + h * 3600 + mi * 60 + se)
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
    fn utc_and_generalized_times() {
        assert_eq!(parse_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(
            parse_time(0x18, b"20500101000000Z"),
            Some(days_from_civil(2050, 1, 1) * 86_400)
        );
        assert_eq!(parse_time(0x17, b"bogus"), None);
    }

    #[test]
    fn serial_hex_drops_leading_zero_bytes() {
        assert_eq!(hex_without_leading_zeros(&[0x00, 0x6f, 0xbe]), "6fbe");
        assert_eq!(hex_without_leading_zeros(&[0x01, 0x93]), "0193");
        assert_eq!(hex_without_leading_zeros(&[0x00]), "0");
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

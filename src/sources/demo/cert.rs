//! Self-made, structurally valid X.509 certificates for the demo's SDS
//! secrets: proper DER (version, serial, issuer, validity, subject, an RSA
//! public key, SAN/basic-constraints extensions) so a certificate parser can
//! read serial numbers and dates, but the key and signature bytes are random:
//! they verify nothing.

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;

use super::builder::Rng;

const SHA256_WITH_RSA: &[u8] = &[
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B,
];
const RSA_ENCRYPTION: &[u8] = &[
    0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01,
];
const ORGANIZATION: &[u8] = &[0x06, 0x03, 0x55, 0x04, 0x0A];
const SUBJECT_ALT_NAME: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x11];
const BASIC_CONSTRAINTS: &[u8] = &[0x06, 0x03, 0x55, 0x1D, 0x13];
const NULL: &[u8] = &[0x05, 0x00];
const TRUE: &[u8] = &[0x01, 0x01, 0xFF];

/// The workload certificate starts 2 min before the push and lasts 24 h 2 min.
const LEAF_BEFORE_PUSH: i64 = 120;
const LEAF_LIFETIME: i64 = 86_520;
/// The root CA was made 10 days 5 h 38 min 27 s before the push, for 3650 days.
const ROOT_BEFORE_PUSH: i64 = 884_307;
const ROOT_LIFETIME: i64 = 3650 * 86_400;

/// Unix seconds → X.509 UTCTime `YYMMDDHHMMSSZ`.
fn utc_time(secs: i64) -> String {
    let t = crate::model::x509::rfc3339(secs);
    let digits: String = t.chars().filter(char::is_ascii_digit).collect();
    format!("{}Z", digits.get(2..14).unwrap_or("700101000000"))
}

/// `(not before, not after)` of the leaf and the root as Unix seconds.
pub(crate) fn validity_unix(push_unix: i64) -> ((i64, i64), (i64, i64)) {
    let leaf = push_unix - LEAF_BEFORE_PUSH;
    let root = push_unix - ROOT_BEFORE_PUSH;
    ((leaf, leaf + LEAF_LIFETIME), (root, root + ROOT_LIFETIME))
}

/// The same as UTCTime strings.
fn validity(push_unix: i64) -> ((String, String), (String, String)) {
    let ((a, b), (c, d)) = validity_unix(push_unix);
    ((utc_time(a), utc_time(b)), (utc_time(c), utc_time(d)))
}

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 4);
    out.push(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else if len <= 0xFF {
        out.extend_from_slice(&[0x81, len as u8]);
    } else {
        out.extend_from_slice(&[0x82, (len >> 8) as u8, len as u8]);
    }
    out.extend_from_slice(content);
    out
}

fn seq(parts: &[&[u8]]) -> Vec<u8> {
    tlv(0x30, &parts.concat())
}

/// A positive INTEGER from big-endian magnitude bytes.
fn int(bytes: &[u8]) -> Vec<u8> {
    let mut v = Vec::with_capacity(bytes.len() + 1);
    if bytes.first().is_none_or(|b| b & 0x80 != 0) {
        v.push(0);
    }
    v.extend_from_slice(bytes);
    tlv(0x02, &v)
}

fn random(rng: &mut Rng, n: usize) -> Vec<u8> {
    (0..n).map(|_| (rng.next_u64() >> 32) as u8).collect()
}

fn org_name(org: &str) -> Vec<u8> {
    let atv = seq(&[ORGANIZATION, &tlv(0x0C, org.as_bytes())]);
    seq(&[&tlv(0x31, &atv)])
}

fn extension(oid: &[u8], critical: bool, value: &[u8]) -> Vec<u8> {
    let octets = tlv(0x04, value);
    if critical {
        seq(&[oid, TRUE, &octets])
    } else {
        seq(&[oid, &octets])
    }
}

struct CertSpec<'a> {
    seed: &'a str,
    issuer: &'a str,
    /// Organisation of the subject; `None` for an empty subject (workloads).
    subject: Option<&'a str>,
    validity: (&'a str, &'a str),
    extension: Vec<u8>,
}

fn der(spec: &CertSpec<'_>) -> Vec<u8> {
    let mut rng = Rng::from_str(spec.seed);
    let mut serial = random(&mut rng, 16);
    if let Some(b) = serial.first_mut() {
        *b = (*b & 0x7F) | 0x01;
    }
    let alg = seq(&[SHA256_WITH_RSA, NULL]);
    let validity = seq(&[
        &tlv(0x17, spec.validity.0.as_bytes()),
        &tlv(0x17, spec.validity.1.as_bytes()),
    ]);
    let subject = spec.subject.map_or_else(|| seq(&[]), org_name);
    let mut modulus = random(&mut rng, 256);
    if let Some(b) = modulus.first_mut() {
        *b |= 0x80;
    }
    let rsa_key = seq(&[&int(&modulus), &int(&[0x01, 0x00, 0x01])]);
    let mut key_bits = vec![0u8];
    key_bits.extend_from_slice(&rsa_key);
    let spki = seq(&[&seq(&[RSA_ENCRYPTION, NULL]), &tlv(0x03, &key_bits)]);
    let extensions = tlv(0xA3, &seq(&[&spec.extension]));
    let tbs = seq(&[
        &tlv(0xA0, &int(&[2])),
        &int(&serial),
        &alg,
        &org_name(spec.issuer),
        &validity,
        &subject,
        &spki,
        &extensions,
    ]);
    let mut sig = vec![0u8];
    sig.extend(random(&mut rng, 256));
    seq(&[&tbs, &alg, &tlv(0x03, &sig)])
}

fn pem(der: &[u8]) -> String {
    let b64 = STANDARD.encode(der);
    let mut out = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in b64.as_bytes().chunks(64) {
        out.push_str(&String::from_utf8_lossy(line));
        out.push('\n');
    }
    out.push_str("-----END CERTIFICATE-----\n");
    out
}

/// `(certificate chain, root CA)` as Envoy prints SDS `inline_bytes`:
/// base64 of PEM text. The chain is the workload certificate for `spiffe`
/// (SAN URI) followed by the root; the root is the same for every pod of a
/// trust domain.
/// Validity follows the push at `push_unix`.
pub(crate) fn workload_chain(spiffe: &str, trust_domain: &str, push_unix: i64) -> (String, String) {
    let (leaf_validity, root_validity) = validity(push_unix);
    let root = pem(&der(&CertSpec {
        seed: trust_domain,
        issuer: trust_domain,
        subject: Some(trust_domain),
        validity: (&root_validity.0, &root_validity.1),
        extension: extension(BASIC_CONSTRAINTS, true, &seq(&[TRUE])),
    }));
    let san = seq(&[&tlv(0x86, spiffe.as_bytes())]);
    let leaf = pem(&der(&CertSpec {
        seed: spiffe,
        issuer: trust_domain,
        subject: None,
        validity: (&leaf_validity.0, &leaf_validity.1),
        extension: extension(SUBJECT_ALT_NAME, true, &san),
    }));
    (
        STANDARD.encode(format!("{leaf}{root}")),
        STANDARD.encode(root),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sources::demo::config_dump::FIXED_PUSH_UNIX;

    const LEAF_VALIDITY: (&str, &str) = ("240514091800Z", "240515092000Z");
    const ROOT_VALIDITY: (&str, &str) = ("240504034133Z", "340502034133Z");

    #[test]
    fn validity_follows_the_push_and_the_fixed_clock_keeps_the_old_dates() {
        let ((a, b), (c, d)) = validity(FIXED_PUSH_UNIX);
        assert_eq!((a.as_str(), b.as_str()), LEAF_VALIDITY);
        assert_eq!((c.as_str(), d.as_str()), ROOT_VALIDITY);
        // 2026-12-01T23:00:00Z
        let ((a, b), _) = validity(1_796_166_000);
        assert_eq!((a.as_str(), b.as_str()), ("261201225800Z", "261202230000Z"));
    }

    /// Reads one DER TLV: (tag, content, rest).
    fn read(b: &[u8]) -> (u8, &[u8], &[u8]) {
        let (tag, first) = (b[0], b[1]);
        let (len, hdr) = match first {
            0x81 => (usize::from(b[2]), 3),
            0x82 => (usize::from(b[2]) << 8 | usize::from(b[3]), 4),
            n => (usize::from(n), 2),
        };
        (tag, &b[hdr..hdr + len], &b[hdr + len..])
    }

    #[test]
    fn certificates_are_well_formed_der_with_the_san() {
        let (chain, root) = workload_chain(
            "spiffe://cluster.local/ns/default/sa/x",
            "cluster.local",
            FIXED_PUSH_UNIX,
        );
        let pem_text = String::from_utf8(STANDARD.decode(chain).unwrap()).unwrap();
        assert_eq!(pem_text.matches("-----BEGIN CERTIFICATE-----").count(), 2);
        let body: String = pem_text
            .lines()
            .skip(1)
            .take_while(|l| !l.starts_with("-----"))
            .collect();
        let der = STANDARD.decode(body).unwrap();
        let (tag, cert, rest) = read(&der);
        assert_eq!((tag, rest.len()), (0x30, 0));
        let (tag, tbs, after) = read(cert);
        assert_eq!(tag, 0x30);
        let (_, _alg, after) = read(after);
        let (tag, _sig, end) = read(after);
        assert_eq!((tag, end.len()), (0x03, 0));
        let (_, _version, r) = read(tbs);
        let (tag, serial, _) = read(r);
        assert_eq!(tag, 0x02);
        assert_eq!(serial.len(), 16);
        assert!(pem_text.contains("-----END CERTIFICATE-----"));
        let raw = String::from_utf8_lossy(&der).into_owned();
        assert!(raw.contains("spiffe://cluster.local/ns/default/sa/x"));
        assert!(raw.contains(LEAF_VALIDITY.1));
        let (_, root2) = workload_chain("spiffe://other", "cluster.local", FIXED_PUSH_UNIX);
        assert_eq!(root, root2, "root must not depend on the workload");
    }

    #[test]
    fn the_model_x509_reader_understands_them() {
        use crate::model::x509::first_pem_certificate;
        let (chain, root) = workload_chain(
            "spiffe://cluster.local/ns/a/sa/b",
            "cluster.local",
            FIXED_PUSH_UNIX,
        );
        let pem = |b64: String| String::from_utf8(STANDARD.decode(b64).unwrap()).unwrap();
        let leaf = first_pem_certificate(&pem(chain)).unwrap();
        let ca = first_pem_certificate(&pem(root)).unwrap();
        assert!(!leaf.is_ca);
        assert!(ca.is_ca);
        assert_eq!(leaf.serial_hex.len(), 32);
        // 2024-05-14T09:18:00Z .. 2024-05-15T09:20:00Z
        assert_eq!(leaf.not_before, 1_715_678_280);
        assert_eq!(leaf.not_after - leaf.not_before, 86_520);
        assert!(ca.not_after > leaf.not_after);
    }
}

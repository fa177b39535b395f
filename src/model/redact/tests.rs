//! Crafted bodies of every kind the redactor must handle: each secret field of
//! Envoy's Secret, TlsCertificate, GenericSecret and session ticket keys in
//! snake_case and camelCase, deep nesting, huge numbers, invalid UTF-8, and
//! bodies it must refuse.

use super::*;

fn ok(body: &[u8]) -> Redacted {
    redact(body).unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(body)))
}

fn text(r: &Redacted) -> String {
    String::from_utf8_lossy(&r.body).into_owned()
}

const SECRET_BYTES: &[&str] = &["S3CRETa", "S3CRETb", "S3CRETc", "S3CRETd", "S3CRETe"];

fn assert_clean(out: &str) {
    for s in SECRET_BYTES {
        assert!(!out.contains(s), "{s} left in {out}");
    }
}

#[test]
fn every_secret_field_of_envoy_secrets_snake_and_camel() {
    let snake = br#"{"dynamic_active_secrets":[{"name":"default","secret":{"name":"default",
      "tls_certificate":{"certificate_chain":{"inline_bytes":"Q0VSVA=="},
        "private_key":{"inline_bytes":"S3CRETa"},"password":{"inline_string":"S3CRETb"},
        "pkcs12":{"inline_bytes":"S3CRETc"},"ocsp_staple":{"inline_bytes":"T0NTUA=="}}}},
      {"name":"ticket","secret":{"session_ticket_keys":{"keys":[{"inline_bytes":"S3CRETd"},{"inline_string":"S3CRETe"}]}}},
      {"name":"generic","secret":{"generic_secret":{"secret":{"inline_string":"S3CRETa"}}}}]}"#;
    let out = ok(snake);
    let t = text(&out);
    assert_clean(&t);
    assert!(
        t.contains(r#""certificate_chain":{"inline_bytes":"Q0VSVA=="}"#),
        "{t}"
    );
    assert!(
        t.contains(r#""ocsp_staple":{"inline_bytes":"T0NTUA=="}"#),
        "{t}"
    );
    assert!(
        t.contains(r#""private_key":{"inline_bytes":"[redacted]"}"#),
        "{t}"
    );
    assert!(t.contains(r#""name":"ticket""#), "{t}");
    assert_eq!(out.changed, 6);
    let camel = String::from_utf8(snake.to_vec())
        .unwrap()
        .replace("tls_certificate", "tlsCertificate")
        .replace("certificate_chain", "certificateChain")
        .replace("private_key", "privateKey")
        .replace("inline_bytes", "inlineBytes")
        .replace("inline_string", "inlineString")
        .replace("session_ticket_keys", "sessionTicketKeys")
        .replace("generic_secret", "genericSecret")
        .replace("ocsp_staple", "ocspStaple");
    let out = ok(camel.as_bytes());
    let t = text(&out);
    assert_clean(&t);
    assert!(
        t.contains(r#""certificateChain":{"inlineBytes":"Q0VSVA=="}"#),
        "{t}"
    );
    assert_eq!(out.changed, 6);
}

#[test]
fn tokens_credentials_and_headers() {
    let body = br#"{"grpc_service":{"google_grpc":{"call_credentials":[{"sts_service":{"subject_token_path":"/var/run/S3CRETa"}}],
      "initial_metadata":[{"key":"authorization","value":"S3CRETb"},{"key":"x-trace","value":"keep-me"},
        {"key":"other","value":"Bearer S3CRETc"}]}},
      "aws":{"access_key_id":"AKIA","secret_access_key":"S3CRETd","sessionToken":"S3CRETe"},
      "oauth":{"hmac_secret":{"name":"hmac"},"token":"S3CRETa","max_tokens":100}}"#;
    let t = text(&ok(body));
    assert_clean(&t);
    assert!(t.contains(r#""value":"keep-me""#), "{t}");
    assert!(t.contains(r#""value":"Bearer [redacted]""#), "{t}");
    assert!(t.contains(r#""max_tokens":100"#), "numbers are kept: {t}");
    assert!(t.contains(r#""hmac_secret":{"name":"[redacted]"}"#), "{t}");
}

#[test]
fn escaped_key_names_are_recognised() {
    let body = br#"{"private\u005fkey":"S3CRETa","pass\u0077ord":{"inline_string":"S3CRETb"}}"#;
    let t = text(&ok(body));
    assert_clean(&t);
    assert!(t.starts_with(r#"{"private\u005fkey":"[redacted]""#), "{t}");
}

#[test]
fn unchanged_bodies_keep_every_byte() {
    let envoy = br#"{"private_key":{"inline_bytes":"W3JlZGFjdGVkXQ=="}}"#;
    assert_eq!(
        ok(envoy).body,
        envoy.to_vec(),
        "Envoy's own redaction is kept"
    );
    let body = b"{\n  \"b\": 1e400,\n  \"a\" : [ -0.5E+3, true, null, \"x\\\"y\" ],\n  \"private_key\": \"[redacted]\"\n}\n";
    let out = ok(body);
    assert_eq!(out.body, body.to_vec());
    assert_eq!(out.changed, 0);
    let text = b"cluster.a.upstream_rq_total: 3\nauth: Bearer abc\n";
    let out = ok(text);
    assert_eq!(
        out.body,
        b"cluster.a.upstream_rq_total: 3\nauth: Bearer [redacted]\n"
    );
    assert_eq!(out.changed, 1);
}

#[test]
fn deep_nesting_is_scanned_without_limit() {
    let depth = 100_000;
    let mut body = "[".repeat(depth).into_bytes();
    body.extend_from_slice(br#"{"private_key":{"inline_bytes":"S3CRETa"}}"#);
    body.extend_from_slice("]".repeat(depth).as_bytes());
    let t = text(&ok(&body));
    assert_clean(&t);
    assert_eq!(t.len(), body.len() - "S3CRETa".len() + REDACTED.len());
}

#[test]
fn invalid_utf8_in_strings_is_redacted_and_kept() {
    let mut body = br#"{"a":""#.to_vec();
    body.extend_from_slice(&[0xff, 0xfe]);
    body.extend_from_slice(br#"","password":"S3CRETa"}"#);
    let out = ok(&body);
    assert!(!out.body.windows(7).any(|w| w == b"S3CRETa"));
    assert_eq!(
        &out.body[..8],
        &[b'{', b'"', b'a', b'"', b':', b'"', 0xff, 0xfe]
    );
}

#[test]
fn bodies_it_cannot_tokenise_are_refused() {
    let cases: &[(&[u8], &str)] = &[
        (br#"{"private_key":"S3CRETa""#, "ends before"),
        (
            br#"{"private_key":"S3CRETa"} trailing"#,
            "after the top-level",
        ),
        (
            br#"{"private_key":NaN,"password":"S3CRETa"}"#,
            "expected a JSON value",
        ),
        (br#"{"a":"\x"}"#, "invalid escape"),
        (br#"{"a":1.}"#, "malformed number"),
        (br#"{"a" 1}"#, "expected `:`"),
        (br#"{"a":1 "b":2}"#, "expected `,`"),
        (br#"[1,]"#, "expected a JSON value"),
        (br#"{"a":"unterminated"#, "unterminated string"),
        (br#"{"a":tru}"#, "true, false or null"),
    ];
    for (body, want) in cases {
        let e = redact(body).expect_err(&String::from_utf8_lossy(body));
        assert!(
            e.to_string().contains(want),
            "{e} for {}",
            String::from_utf8_lossy(body)
        );
    }
    let e = redact(b"garbage before {\"private_key\":\"S3CRETa\"}").unwrap_err();
    assert_eq!(
        e,
        RedactError::SecretInText {
            offset: 16,
            field: "privatekey"
        }
    );
}

#[test]
fn header_value_before_its_name_is_redacted() {
    // Key order is not fixed in JSON: the name may come after the value.
    let body = br#"{"headers":[{"value":"S3CRETa","key":"Authorization"},
      {"raw_value":"UzNDUkVUYg==","append":true,"key":"cookie"},
      {"value":"keep-me","key":"x-trace"},{"value":"Bearer S3CRETc","name":"x-other"}],
      "metrics":[{"type":"COUNTER","value":"5","name":"cx_active"}]}"#;
    let out = ok(body);
    let t = text(&out);
    assert_clean(&t);
    assert!(!t.contains("UzNDUkVUYg=="), "{t}");
    assert!(
        t.contains(r#"{"value":"[redacted]","key":"Authorization"}"#),
        "{t}"
    );
    assert!(t.contains(r#"{"value":"keep-me","key":"x-trace"}"#), "{t}");
    assert!(
        t.contains(r#""value":"Bearer [redacted]","name":"x-other""#),
        "{t}"
    );
    assert!(t.contains(r#""value":"5","name":"cx_active""#), "{t}");
    assert_eq!(out.changed, 3);
}

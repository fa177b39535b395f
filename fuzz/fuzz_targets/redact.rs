//! Fuzz target: snapshot redaction. A body it accepts must keep no secret:
//! checked by an independent walk over the parsed output (every string under
//! a secret field, `generic_secret.secret`, a token/secret/password string,
//! a secret header's value, and whatever follows `Bearer ` in text). The
//! field lists are the redactor's own; the walk over the output is not.
#![no_main]

use libfuzzer_sys::fuzz_target;
use meshscope::model::redact::{redact, REDACTED, SECRET_FIELDS, SECRET_HEADERS};
use serde_json::Value;

/// Envoy's own redaction of a bytes field: `[redacted]` in base64.
const REDACTED_BASE64: &str = "W3JlZGFjdGVkXQ==";

fn normalise(key: &str) -> String {
    key.chars()
        .filter(|c| *c != '_' && *c != '-')
        .map(|c| c.to_ascii_lowercase())
        .collect()
}

fn is_redacted(s: &str) -> bool {
    s == REDACTED || s == REDACTED_BASE64
}

/// Every string inside `v` must be redacted.
fn all_redacted(v: &Value, path: &str) {
    match v {
        Value::String(s) => assert!(is_redacted(s), "secret kept at {path}: {s:?}"),
        Value::Array(items) => items.iter().for_each(|i| all_redacted(i, path)),
        Value::Object(m) => m.values().for_each(|i| all_redacted(i, path)),
        _ => {}
    }
}

/// Walks the redacted output; `generic` says `v` is a `generic_secret` value.
fn check(v: &Value, path: &str, generic: bool) {
    match v {
        Value::Array(items) => items.iter().for_each(|i| check(i, path, false)),
        Value::Object(m) => {
            let header = ["key", "name"].iter().any(|k| {
                m.get(*k)
                    .and_then(Value::as_str)
                    .is_some_and(|h| SECRET_HEADERS.iter().any(|s| s.eq_ignore_ascii_case(h)))
            });
            for (k, item) in m {
                let norm = normalise(k);
                let here = format!("{path}.{k}");
                if SECRET_FIELDS.contains(&norm.as_str()) || (generic && norm == "secret") {
                    all_redacted(item, &here);
                    continue;
                }
                let named = ["token", "secret", "password", "passwd"]
                    .iter()
                    .any(|n| norm.contains(n));
                if let (true, Value::String(s)) = (named || (header && (norm == "value" || norm == "rawvalue")), item) {
                    assert!(is_redacted(s), "secret kept at {here}: {s:?}");
                }
                check(item, &here, norm == "genericsecret");
            }
        }
        _ => {}
    }
}

/// Whatever follows `Bearer ` must be the redaction marker.
fn check_bearer(body: &[u8]) {
    let lower = body.to_ascii_lowercase();
    let mut at = 0;
    while let Some(p) = lower[at..].windows(7).position(|w| w == b"bearer ") {
        let start = at + p + 7;
        let rest = &body[start..];
        let word_end = rest
            .iter()
            .position(|b| b.is_ascii_whitespace() || *b == b'"')
            .unwrap_or(rest.len());
        let word = &rest[..word_end];
        assert!(
            word.is_empty() || word == REDACTED.as_bytes(),
            "bearer token kept: {:?}",
            String::from_utf8_lossy(word)
        );
        at = start;
    }
}

fuzz_target!(|data: &[u8]| {
    let Ok(out) = redact(data) else {
        return;
    };
    assert_eq!(
        out.changed == 0,
        out.body == data,
        "`changed` does not match the body"
    );
    let first = data.iter().find(|b| !b.is_ascii_whitespace());
    if !matches!(first, Some(b'{') | Some(b'[')) {
        check_bearer(&out.body);
        return;
    }
    // JSON in, JSON out: redaction only replaces string values.
    if let Ok(input) = serde_json::from_slice::<Value>(data) {
        let output: Value = match serde_json::from_slice(&out.body) {
            Ok(v) => v,
            Err(e) => panic!("redacting valid JSON gave invalid JSON: {e}"),
        };
        check(&output, "$", false);
        let _ = input;
    } else if let Ok(output) = serde_json::from_slice::<Value>(&out.body) {
        check(&output, "$", false);
    }
});

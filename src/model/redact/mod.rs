//! Redaction of secrets in captured admin bodies, failing closed: every byte
//! that is not a secret value is kept verbatim, and a body that cannot be
//! redacted with certainty is refused rather than stored.
//!
//! JSON bodies (first non-blank byte `{` or `[`) go through a streaming
//! byte-level scanner ([`scan`]) with an explicit stack, so nesting depth,
//! number size and invalid UTF-8 inside strings do not matter; bytes it cannot
//! tokenise (or a body that ends early) are an error. Other bodies (stats,
//! Prometheus, `/ready`, `/logging`) have bearer tokens cut, and are refused
//! when they hold a quoted secret field name (a JSON body behind a prefix).

mod scan;
#[cfg(test)]
mod tests;

use std::fmt;

/// A body with its secret values replaced by `"[redacted]"`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Redacted {
    /// The body: the input byte for byte except the redacted values.
    pub body: Vec<u8>,
    /// How many values were changed (values already `[redacted]` do not count).
    pub changed: usize,
}

/// Why a body could not be redacted with certainty (so it must not be stored).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RedactError {
    /// The body looks like JSON but cannot be tokenised at `offset`.
    Json {
        /// Byte offset of the problem.
        offset: usize,
        /// What was wrong there.
        reason: &'static str,
    },
    /// A non-JSON body names a secret field (e.g. JSON after a prefix).
    SecretInText {
        /// Byte offset of the quoted field name.
        offset: usize,
        /// The field name (ASCII, from the secret list).
        field: &'static str,
    },
}

impl fmt::Display for RedactError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RedactError::Json { offset, reason } => {
                write!(f, "not redactable JSON at byte {offset}: {reason}")
            }
            RedactError::SecretInText { offset, field } => write!(
                f,
                "non-JSON body names secret field `{field}` at byte {offset}"
            ),
        }
    }
}

impl std::error::Error for RedactError {}

/// The replacement written for every secret value.
pub const REDACTED: &str = "[redacted]";

/// Field names (normalised: ASCII lowercase, `_` and `-` removed, so
/// snake_case and camelCase meet) whose whole value is secret, strings and
/// every string inside objects and arrays alike: Envoy's `TlsCertificate`
/// (`private_key`, `password`, `pkcs12`), `Secret.session_ticket_keys`,
/// gRPC `call_credentials`, AWS and HMAC credentials, bearer tokens.
pub const SECRET_FIELDS: &[&str] = &[
    "privatekey",
    "password",
    "pkcs12",
    "sessionticketkeys",
    "sessionticketkey",
    "callcredentials",
    "accesskey",
    "secretaccesskey",
    "awssecretaccesskey",
    "sessiontoken",
    "hmacsecret",
    "tokensecret",
    "clientsecret",
    "apikey",
    "authorization",
    "token",
    "accesstoken",
    "idtoken",
    "refreshtoken",
    "bearertoken",
    "jwt",
];

/// Header names whose `value` (in a `{key|name, value}` header object) is secret.
pub const SECRET_HEADERS: &[&str] = &[
    "authorization",
    "proxy-authorization",
    "cookie",
    "set-cookie",
    "x-api-key",
];

/// Lowercase ASCII with `_` and `-` removed.
fn normalise(key: &[u8]) -> Vec<u8> {
    key.iter()
        .filter(|b| **b != b'_' && **b != b'-')
        .map(u8::to_ascii_lowercase)
        .collect()
}

/// Whether the whole value of this (normalised) field is secret.
fn is_secret_field(norm: &[u8]) -> bool {
    SECRET_FIELDS.iter().any(|f| f.as_bytes() == norm)
}

/// Whether a string value of this (normalised) field is secret: names that
/// say token, secret or password (`subject_token_path` is redacted too, the
/// price of not guessing).
fn is_secret_string_field(norm: &[u8]) -> bool {
    let has = |needle: &[u8]| norm.windows(needle.len()).any(|w| w == needle);
    has(b"token") || has(b"secret") || has(b"password") || has(b"passwd")
}

/// Whether a header name (decoded) carries a secret value.
fn is_secret_header(name: &[u8]) -> bool {
    let lower: Vec<u8> = name.iter().map(u8::to_ascii_lowercase).collect();
    SECRET_HEADERS
        .iter()
        .any(|h| h.as_bytes() == lower.as_slice())
}

/// Redacts one captured body. JSON goes through the streaming scanner; other
/// bodies get bearer tokens cut. Fails closed: see [`RedactError`].
pub fn redact(body: &[u8]) -> Result<Redacted, RedactError> {
    let first = body.iter().find(|b| !b.is_ascii_whitespace());
    match first {
        Some(b'{') | Some(b'[') => scan::redact_json(body),
        _ => redact_text(body),
    }
}

/// Cuts what follows `Bearer ` in a non-JSON body; refuses a body that holds
/// a quoted secret field name.
fn redact_text(body: &[u8]) -> Result<Redacted, RedactError> {
    check_quoted_fields(body)?;
    let mut out = Vec::with_capacity(body.len());
    let mut changed = 0;
    let mut i = 0;
    let mut copied = 0;
    while let Some(at) = find_bearer(&body[i..]).map(|p| p + i) {
        let start = at + BEARER.len();
        let mut end = start;
        while end < body.len() && !body[end].is_ascii_whitespace() && body[end] != b'"' {
            end += 1;
        }
        out.extend_from_slice(&body[copied..start]);
        out.extend_from_slice(REDACTED.as_bytes());
        if &body[start..end] != REDACTED.as_bytes() {
            changed += 1;
        }
        copied = end;
        i = end.max(start);
    }
    out.extend_from_slice(&body[copied..]);
    Ok(Redacted { body: out, changed })
}

const BEARER: &[u8] = b"bearer ";

/// Offset of a case-insensitive `Bearer ` in `s`.
fn find_bearer(s: &[u8]) -> Option<usize> {
    s.windows(BEARER.len())
        .position(|w| w.eq_ignore_ascii_case(BEARER))
}

/// Refuses text that holds `"<secret field>"` between any two quotes.
fn check_quoted_fields(body: &[u8]) -> Result<(), RedactError> {
    let quotes: Vec<usize> = body
        .iter()
        .enumerate()
        .filter(|(_, b)| **b == b'"')
        .map(|(i, _)| i)
        .collect();
    for pair in quotes.windows(2) {
        let inner = &body[pair[0] + 1..pair[1]];
        if inner.len() > 40 {
            continue;
        }
        let norm = normalise(inner);
        let hit = SECRET_FIELDS
            .iter()
            .chain(["secret", "genericsecret"].iter())
            .find(|f| f.as_bytes() == norm.as_slice());
        if let Some(field) = hit {
            return Err(RedactError::SecretInText {
                offset: pair[0],
                field,
            });
        }
    }
    Ok(())
}

//! What a label value looks like: a fixed word, an id, a path carrying ids,
//! or a token. The cardinality report flags labels whose values are ids.

/// The shape of one label value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueShape {
    /// Nothing id-like.
    Plain,
    /// A UUID, a long hex string or a long number.
    Id,
    /// A path with an id segment, e.g. `/users/12345`.
    PathWithId,
    /// A JWT (`eyJ..`.`..`.`..`) or a long random-looking base64 string.
    Token,
}

/// Classifies a label value without allocating.
pub fn value_shape(value: &str) -> ValueShape {
    if value.starts_with('/') {
        let path = value.split(['?', '#']).next().unwrap_or(value);
        if path
            .split('/')
            .any(|seg| is_id(seg) || is_token(seg) || is_short_number(seg))
        {
            return ValueShape::PathWithId;
        }
        return ValueShape::Plain;
    }
    if is_token(value) {
        ValueShape::Token
    } else if is_id(value) {
        ValueShape::Id
    } else {
        ValueShape::Plain
    }
}

fn is_short_number(s: &str) -> bool {
    s.len() >= 2 && s.bytes().all(|b| b.is_ascii_digit())
}

/// UUIDs, hex of 16+ characters with a digit, numbers of 6+ digits.
fn is_id(s: &str) -> bool {
    let b = s.as_bytes();
    let uuid = b.len() == 36
        && b.iter().enumerate().all(|(i, c)| match i {
            8 | 13 | 18 | 23 => *c == b'-',
            _ => c.is_ascii_hexdigit(),
        });
    let hex =
        b.len() >= 16 && b.iter().all(u8::is_ascii_hexdigit) && b.iter().any(u8::is_ascii_digit);
    let number = b.len() >= 6 && b.iter().all(u8::is_ascii_digit);
    uuid || hex || number
}

/// A JWT, or 24+ base64 characters mixing upper case, lower case and digits.
fn is_token(s: &str) -> bool {
    let b64 = |c: u8| c.is_ascii_alphanumeric() || matches!(c, b'-' | b'_' | b'+' | b'=');
    let mut parts = s.split('.');
    let jwt = s.starts_with("eyJ")
        && parts.clone().count() == 3
        && parts.all(|p| p.len() >= 4 && p.bytes().all(b64));
    let long = s.len() >= 24
        && s.bytes().all(b64)
        && s.bytes().any(|c| c.is_ascii_uppercase())
        && s.bytes().any(|c| c.is_ascii_lowercase())
        && s.bytes().any(|c| c.is_ascii_digit());
    jwt || long
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shapes() {
        for (value, shape) in [
            ("/users/12345", ValueShape::PathWithId),
            (
                "/api/v1/orders/3fa85f64-5717-4562-b3fc-2c963f66afa6/items",
                ValueShape::PathWithId,
            ),
            ("/productpage", ValueShape::Plain),
            ("/api/v1/reviews?user=a", ValueShape::Plain),
            ("3fa85f64-5717-4562-b3fc-2c963f66afa6", ValueShape::Id),
            ("deadbeefcafe0123", ValueShape::Id),
            ("1234567", ValueShape::Id),
            ("200", ValueShape::Plain),
            ("9080", ValueShape::Plain),
            (
                "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl",
                ValueShape::Token,
            ),
            ("Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5", ValueShape::Token),
            ("reviews.default.svc.cluster.local", ValueShape::Plain),
            (
                "spiffe://cluster.local/ns/default/sa/bookinfo-productpage",
                ValueShape::Plain,
            ),
            (
                "outbound|9080||reviews.default.svc.cluster.local",
                ValueShape::Plain,
            ),
            ("productpage-v1", ValueShape::Plain),
        ] {
            assert_eq!(value_shape(value), shape, "{value}");
        }
    }
}

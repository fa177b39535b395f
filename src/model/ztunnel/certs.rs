//! Certificate cells of the `zc certificate` table: validity against the
//! clock (RFC 3339 times) and serial numbers as Go prints a `big.Int` in hex.

use super::Cert;

/// istioctl's `certNotExpired`: `now` strictly inside [validFrom, expirationTime].
pub fn cert_valid(cert: &Cert, now: i64) -> bool {
    match (
        rfc3339_secs(&cert.valid_from),
        rfc3339_secs(&cert.expiration_time),
    ) {
        (Some(from), Some(exp)) => now > from && now < exp,
        _ => false,
    }
}

/// RFC 3339 (`2033-03-22T13:04:57Z`, fractional seconds and offsets allowed)
/// to Unix seconds; `None` when malformed.
pub fn rfc3339_secs(s: &str) -> Option<i64> {
    let b = s.as_bytes();
    if b.len() < 20 || b[4] != b'-' || b[7] != b'-' || !matches!(b[10], b'T' | b't') {
        return None;
    }
    if b[13] != b':' || b[16] != b':' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| -> Option<i64> {
        let p = s.get(r)?;
        if p.bytes().all(|c| c.is_ascii_digit()) {
            p.parse().ok()
        } else {
            None
        }
    };
    let (y, mo, d, h, mi, se) = (
        n(0..4)?,
        n(5..7)?,
        n(8..10)?,
        n(11..13)?,
        n(14..16)?,
        n(17..19)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let mut rest = &s[19..];
    if let Some(frac) = rest.strip_prefix('.') {
        let digits = frac.bytes().take_while(u8::is_ascii_digit).count();
        if digits == 0 {
            return None;
        }
        rest = &frac[digits..];
    }
    let offset = match rest {
        "Z" | "z" => 0,
        _ => {
            let sign = match rest.as_bytes().first() {
                Some(b'+') => 1,
                Some(b'-') => -1,
                _ => return None,
            };
            if rest.len() != 6 || rest.as_bytes()[3] != b':' {
                return None;
            }
            let oh: i64 = rest.get(1..3)?.parse().ok()?;
            let om: i64 = rest.get(4..6)?.parse().ok()?;
            sign * (oh * 3600 + om * 60)
        }
    };
    let date = jiff::civil::Date::new(
        i16::try_from(y).ok()?,
        i8::try_from(mo).ok()?,
        i8::try_from(d).ok()?,
    )
    .ok()?;
    let days = i64::from(date.since(jiff::civil::date(1970, 1, 1)).ok()?.get_days());
    Some(days * 86_400 + h * 3600 + mi * 60 + se - offset)
}

/// A decimal serial number as Go's `%x` of a `big.Int` prints it; `<nil>`
/// when it is not a decimal integer (Go's `SetString` fails and leaves nil).
pub fn decimal_to_hex(dec: &str) -> String {
    let (neg, digits) = match dec.as_bytes().first() {
        Some(b'-') => (true, &dec[1..]),
        Some(b'+') => (false, &dec[1..]),
        _ => (false, dec),
    };
    if digits.is_empty() || !digits.bytes().all(|c| c.is_ascii_digit()) {
        return "<nil>".to_string();
    }
    // Little-endian base-2^32 limbs.
    let mut limbs: Vec<u32> = vec![0];
    for c in digits.bytes() {
        let mut carry = u64::from(c - b'0');
        for l in limbs.iter_mut() {
            let v = u64::from(*l) * 10 + carry;
            *l = v as u32;
            carry = v >> 32;
        }
        if carry > 0 {
            limbs.push(carry as u32);
        }
    }
    let mut out = String::new();
    for (i, l) in limbs.iter().rev().enumerate() {
        if i == 0 {
            out.push_str(&format!("{l:x}"));
        } else {
            out.push_str(&format!("{l:08x}"));
        }
    }
    let out = out.trim_start_matches('0');
    let out = if out.is_empty() { "0" } else { out };
    if neg && out != "0" {
        format!("-{out}")
    } else {
        out.to_string()
    }
}

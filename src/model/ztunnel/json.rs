//! JSON as Go's `json.MarshalIndent(v, "", "    ")` writes it: four-space
//! indent and `<`, `>`, `&`, U+2028, U+2029 escaped, so `zc -o json` matches
//! istioctl byte for byte.

use serde::Serialize;

/// `v` as istioctl prints it, with the trailing newline of `fmt.Fprintln`.
pub fn go_json<T: Serialize + ?Sized>(v: &T) -> String {
    let mut buf = Vec::new();
    let fmt = serde_json::ser::PrettyFormatter::with_indent(b"    ");
    let mut ser = serde_json::Serializer::with_formatter(&mut buf, fmt);
    if let Err(e) = v.serialize(&mut ser) {
        return format!("{{\"error\": {:?}}}\n", e.to_string());
    }
    let text = String::from_utf8_lossy(&buf);
    let mut out = String::with_capacity(text.len() + 1);
    // These characters only ever occur inside strings in JSON text.
    for c in text.chars() {
        match c {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            c => out.push(c),
        }
    }
    out.push('\n');
    out
}

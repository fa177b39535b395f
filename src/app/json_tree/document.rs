//! A JSON document flattened once, in O(n) and in document order, straight from
//! the parser (serde_json's `Value` would sort the keys and cost a second copy).
//! Nodes are in pre-order, so a node's descendants are the ids `id + 1..node.end`.

use std::fmt::{self, Write as _};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// What a node holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JsonKind {
    /// `{...}`
    Object,
    /// `[...]`
    Array,
    /// A string; its text is the JSON-escaped, quoted form.
    String,
    /// A number, as serde_json prints it.
    Number,
    /// `true` or `false`.
    Bool,
    /// `null`.
    Null,
}

impl JsonKind {
    /// Objects and arrays.
    pub fn is_container(self) -> bool {
        matches!(self, JsonKind::Object | JsonKind::Array)
    }
}

/// How a node is reached from its parent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum JsonKey {
    /// The document itself.
    Root,
    /// A member of an object.
    Field(String),
    /// An element of an array.
    Index(usize),
}

/// One value of the document (read-only: the tree hands out `&JsonNode`).
#[derive(Debug, Clone)]
pub struct JsonNode {
    /// Its key or index in the parent.
    pub key: JsonKey,
    /// What it holds.
    pub kind: JsonKind,
    /// 0 for the root.
    pub depth: usize,
    /// The id of the containing object or array.
    pub parent: Option<usize>,
    /// One past the id of its last descendant: descendants are `id + 1..end`.
    pub end: usize,
    /// Number of direct children (keys or items); 0 for scalars.
    pub children: usize,
    /// The scalar as JSON text (`"a\"b"`, `1.5`, `true`, `null`); empty for containers.
    pub text: String,
}

impl JsonNode {
    /// A non-empty object or array.
    pub fn is_foldable(&self) -> bool {
        self.kind.is_container() && self.children > 0
    }
}

/// Flattens `text` into nodes; node 0 is the root.
pub(super) fn flatten(text: &str) -> Result<Vec<JsonNode>, serde_json::Error> {
    let mut nodes = Vec::new();
    let mut de = serde_json::Deserializer::from_str(text);
    let seed = NodeSeed {
        nodes: &mut nodes,
        key: JsonKey::Root,
        depth: 0,
        parent: None,
    };
    seed.deserialize(&mut de).and_then(|()| de.end())?;
    Ok(nodes)
}

/// The jq-style path of node `id`: `.filter_chains[0].typed_config["@type"]`; `.` for the root.
pub(super) fn path(nodes: &[JsonNode], id: usize) -> String {
    let mut chain = Vec::new();
    let mut next = nodes.get(id).map(|_| id);
    while let Some(i) = next {
        chain.push(i);
        next = nodes[i].parent;
    }
    let mut out = String::new();
    for &i in chain.iter().rev() {
        match &nodes[i].key {
            JsonKey::Root => {}
            JsonKey::Field(k) if is_identifier(k) => {
                out.push('.');
                out.push_str(k);
            }
            JsonKey::Field(k) => {
                if out.is_empty() {
                    out.push('.');
                }
                let quoted = serde_json::to_string(k).unwrap_or_else(|_| format!("{k:?}"));
                let _ = write!(out, "[{quoted}]");
            }
            JsonKey::Index(n) => {
                if out.is_empty() {
                    out.push('.');
                }
                let _ = write!(out, "[{n}]");
            }
        }
    }
    if out.is_empty() {
        out.push('.');
    }
    out
}

/// Byte range of the first case-insensitive occurrence of `needle` in `hay`.
pub fn find_ignore_case(hay: &str, needle: &str) -> Option<std::ops::Range<usize>> {
    if needle.is_empty() {
        return None;
    }
    if needle.is_ascii() {
        let n = needle.as_bytes();
        return hay
            .as_bytes()
            .windows(n.len())
            .position(|w| w.eq_ignore_ascii_case(n))
            .map(|i| i..i + n.len());
    }
    hay.char_indices().find_map(|(start, _)| {
        let mut rest = hay[start..].char_indices();
        let mut end = start;
        for nc in needle.chars() {
            let (i, hc) = rest.next()?;
            if !hc.to_lowercase().eq(nc.to_lowercase()) {
                return None;
            }
            end = start + i + hc.len_utf8();
        }
        Some(start..end)
    })
}

fn is_identifier(key: &str) -> bool {
    let mut chars = key.chars();
    chars
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Pushes one node (and, through `visit_map`/`visit_seq`, its descendants) as it is parsed.
struct NodeSeed<'n> {
    nodes: &'n mut Vec<JsonNode>,
    key: JsonKey,
    depth: usize,
    parent: Option<usize>,
}

impl<'n> NodeSeed<'n> {
    fn push(self, kind: JsonKind, text: String) -> (usize, &'n mut Vec<JsonNode>, usize) {
        let id = self.nodes.len();
        self.nodes.push(JsonNode {
            key: self.key,
            kind,
            depth: self.depth,
            parent: self.parent,
            end: id + 1,
            children: 0,
            text,
        });
        (id, self.nodes, self.depth + 1)
    }
}

impl<'de> DeserializeSeed<'de> for NodeSeed<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for NodeSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<(), E> {
        self.push(JsonKind::Bool, v.to_string());
        Ok(())
    }
    fn visit_i64<E>(self, v: i64) -> Result<(), E> {
        self.push(JsonKind::Number, v.to_string());
        Ok(())
    }
    fn visit_u64<E>(self, v: u64) -> Result<(), E> {
        self.push(JsonKind::Number, v.to_string());
        Ok(())
    }
    fn visit_f64<E>(self, v: f64) -> Result<(), E> {
        let text = serde_json::Number::from_f64(v).map_or_else(|| v.to_string(), |n| n.to_string());
        self.push(JsonKind::Number, text);
        Ok(())
    }
    fn visit_str<E>(self, v: &str) -> Result<(), E> {
        let text = serde_json::to_string(v).unwrap_or_else(|_| format!("{v:?}"));
        self.push(JsonKind::String, text);
        Ok(())
    }
    fn visit_unit<E>(self) -> Result<(), E> {
        self.push(JsonKind::Null, "null".to_string());
        Ok(())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let (id, nodes, depth) = self.push(JsonKind::Array, String::new());
        let mut count = 0;
        loop {
            let seed = NodeSeed {
                nodes: &mut *nodes,
                key: JsonKey::Index(count),
                depth,
                parent: Some(id),
            };
            if seq.next_element_seed(seed)?.is_none() {
                break;
            }
            count += 1;
        }
        close(nodes, id, count);
        Ok(())
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let (id, nodes, depth) = self.push(JsonKind::Object, String::new());
        let mut count = 0;
        while let Some(key) = map.next_key::<String>()? {
            map.next_value_seed(NodeSeed {
                nodes: &mut *nodes,
                key: JsonKey::Field(key),
                depth,
                parent: Some(id),
            })?;
            count += 1;
        }
        close(nodes, id, count);
        Ok(())
    }
}

fn close(nodes: &mut [JsonNode], id: usize, children: usize) {
    let end = nodes.len();
    if let Some(node) = nodes.get_mut(id) {
        node.end = end;
        node.children = children;
    }
}

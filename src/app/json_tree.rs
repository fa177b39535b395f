//! State of the raw-JSON tree viewer: one Envoy resource (a cluster, listener,
//! route config...) flattened into nodes, with folds, a cursor, search and scroll.
//!
//! Pure: no drawing (see `ui::widgets::json_tree`). The document is flattened once,
//! in O(n) and in document order (serde_json's `Value` would sort the keys), straight
//! from the parser without an intermediate `Value`. Nodes are stored in pre-order,
//! so a node's descendants are the contiguous ids `id + 1..node.end()`, and the
//! visible lines are recomputed only when the folds change.

use std::fmt::{self, Write as _};

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use crate::model::config_dump::ParseError;

/// Documents with more nodes than this open with only [`DEFAULT_EXPAND_DEPTH`] levels expanded.
pub const BIG_DOCUMENT_NODES: usize = 1_000;
/// How many levels of a big document are expanded when it is opened.
pub const DEFAULT_EXPAND_DEPTH: usize = 2;

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

/// A flattened JSON document with folds, cursor, search and scroll position.
#[derive(Debug, Clone)]
pub struct JsonTree {
    nodes: Vec<JsonNode>,
    folded: Vec<bool>,
    visible: Vec<usize>,
    cursor: usize,
    scroll: usize,
    height: usize,
    query: String,
    matches: Vec<usize>,
}

impl JsonTree {
    /// Flattens `text`; big documents open expanded to [`DEFAULT_EXPAND_DEPTH`].
    ///
    /// The error says where the JSON went wrong, e.g. `invalid JSON at byte 7: ...`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let mut nodes = Vec::new();
        let mut de = serde_json::Deserializer::from_str(text);
        let seed = NodeSeed {
            nodes: &mut nodes,
            key: JsonKey::Root,
            depth: 0,
            parent: None,
        };
        seed.deserialize(&mut de)
            .and_then(|()| de.end())
            .map_err(|e| ParseError::from_json(text, &e).to_string())?;
        let mut tree = JsonTree {
            folded: vec![false; nodes.len()],
            nodes,
            visible: Vec::new(),
            cursor: 0,
            scroll: 0,
            height: 1,
            query: String::new(),
            matches: Vec::new(),
        };
        if tree.nodes.len() > BIG_DOCUMENT_NODES {
            tree.expand_to_depth(DEFAULT_EXPAND_DEPTH);
        } else {
            tree.refresh();
        }
        Ok(tree)
    }

    /// All nodes in pre-order; ids index into this slice.
    pub fn nodes(&self) -> &[JsonNode] {
        &self.nodes
    }

    /// The node with this id.
    pub fn node(&self, id: usize) -> Option<&JsonNode> {
        self.nodes.get(id)
    }

    /// Ids of the nodes to draw, top to bottom, given the folds (cached, ascending).
    pub fn visible_lines(&self) -> &[usize] {
        &self.visible
    }

    /// Whether this container is folded.
    pub fn is_folded(&self, id: usize) -> bool {
        self.folded.get(id).copied().unwrap_or(false)
    }

    /// Id of the node under the cursor.
    pub fn cursor_node(&self) -> usize {
        self.cursor
    }

    /// Index of the cursor in [`Self::visible_lines`].
    pub fn cursor_line(&self) -> usize {
        self.visible.binary_search(&self.cursor).unwrap_or(0)
    }

    /// The path of the node under the cursor, for "copy path".
    pub fn cursor_path(&self) -> String {
        self.path(self.cursor)
    }

    /// The jq-style path of a node: `.filter_chains[0].typed_config["@type"]`; `.` for the root.
    pub fn path(&self, id: usize) -> String {
        let mut chain = Vec::new();
        let mut next = self.nodes.get(id).map(|_| id);
        while let Some(i) = next {
            chain.push(i);
            next = self.nodes[i].parent;
        }
        let mut out = String::new();
        for &i in chain.iter().rev() {
            match &self.nodes[i].key {
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

    /// Moves the cursor one line up.
    pub fn up(&mut self) {
        self.move_to_line(self.cursor_line().saturating_sub(1));
    }
    /// Moves the cursor one line down.
    pub fn down(&mut self) {
        self.move_to_line(self.cursor_line().saturating_add(1));
    }
    /// Moves the cursor one viewport up.
    pub fn page_up(&mut self) {
        self.move_to_line(self.cursor_line().saturating_sub(self.height.max(1)));
    }
    /// Moves the cursor one viewport down.
    pub fn page_down(&mut self) {
        self.move_to_line(self.cursor_line().saturating_add(self.height.max(1)));
    }
    /// Moves the cursor to the first line.
    pub fn home(&mut self) {
        self.move_to_line(0);
    }
    /// Moves the cursor to the last line.
    pub fn end(&mut self) {
        self.move_to_line(usize::MAX);
    }

    /// Folds or unfolds the container under the cursor; no-op on scalars and empty containers.
    pub fn toggle_fold(&mut self) {
        if self.nodes.get(self.cursor).is_some_and(JsonNode::is_foldable) {
            self.folded[self.cursor] = !self.folded[self.cursor];
            self.refresh();
        }
    }

    /// Folds every container below the root, leaving the top-level keys visible.
    pub fn fold_all(&mut self) {
        self.expand_to_depth(1);
    }

    /// Unfolds everything.
    pub fn unfold_all(&mut self) {
        self.folded.fill(false);
        self.refresh();
    }

    /// Folds every container at depth `depth` or deeper: 2 shows root, children, grandchildren.
    pub fn expand_to_depth(&mut self, depth: usize) {
        for (fold, node) in self.folded.iter_mut().zip(&self.nodes) {
            *fold = node.is_foldable() && node.depth >= depth;
        }
        self.refresh();
    }

    /// Finds every node whose key or scalar text contains `query`, ignoring case;
    /// returns how many. An empty query clears the search.
    pub fn search(&mut self, query: &str) -> usize {
        self.query = query.to_string();
        self.matches = if query.is_empty() {
            Vec::new()
        } else {
            (0..self.nodes.len())
                .filter(|&id| self.node_matches(id))
                .collect()
        };
        self.matches.len()
    }

    /// The current search query ("" when none).
    pub fn query(&self) -> &str {
        &self.query
    }

    /// Ids of all matching nodes, ascending.
    pub fn matches(&self) -> &[usize] {
        &self.matches
    }

    /// Whether this node matches the search.
    pub fn is_match(&self, id: usize) -> bool {
        self.matches.binary_search(&id).is_ok()
    }

    /// `(n, total)` when the cursor is on the n-th match (1-based), for a "3/17" label.
    pub fn match_position(&self) -> Option<(usize, usize)> {
        let i = self.matches.binary_search(&self.cursor).ok()?;
        Some((i + 1, self.matches.len()))
    }

    /// Moves to the next match after the cursor (wrapping), unfolding its ancestors.
    /// Returns false when there are no matches.
    pub fn next_match(&mut self) -> bool {
        let i = self.matches.partition_point(|&m| m <= self.cursor);
        match self.matches.get(i).or_else(|| self.matches.first()) {
            Some(&id) => self.reveal(id),
            None => false,
        }
    }

    /// Moves to the previous match before the cursor (wrapping), unfolding its ancestors.
    pub fn prev_match(&mut self) -> bool {
        let i = self.matches.partition_point(|&m| m < self.cursor);
        let target = match i {
            0 => self.matches.last(),
            _ => self.matches.get(i - 1),
        };
        match target {
            Some(&id) => self.reveal(id),
            None => false,
        }
    }

    /// Tells the tree how many lines the view shows, for paging and scrolling.
    pub fn set_viewport_height(&mut self, height: usize) {
        self.height = height;
        self.keep_cursor_visible();
    }

    /// Index in [`Self::visible_lines`] of the top line of the view.
    pub fn scroll_offset(&self) -> usize {
        self.scroll
    }

    /// The top line for a view of `height` lines: the stored offset, moved just
    /// enough to show the cursor (for a widget drawn at a height not yet set).
    pub fn offset_for_height(&self, height: usize) -> usize {
        let height = height.max(1);
        let line = self.cursor_line();
        let scroll = self.scroll.min(self.visible.len().saturating_sub(height));
        if line < scroll {
            line
        } else if line >= scroll + height {
            line + 1 - height
        } else {
            scroll
        }
    }

    fn move_to_line(&mut self, line: usize) {
        let last = self.visible.len().saturating_sub(1);
        if let Some(&id) = self.visible.get(line.min(last)) {
            self.cursor = id;
        }
        self.keep_cursor_visible();
    }

    fn keep_cursor_visible(&mut self) {
        self.scroll = self.offset_for_height(self.height);
    }

    /// Unfolds the ancestors of `id` and puts the cursor on it.
    fn reveal(&mut self, id: usize) -> bool {
        let mut next = self.nodes.get(id).and_then(|n| n.parent);
        while let Some(p) = next {
            self.folded[p] = false;
            next = self.nodes[p].parent;
        }
        self.cursor = id;
        self.refresh();
        true
    }

    /// Recomputes the visible lines after a fold change; a hidden cursor moves up
    /// to its nearest visible ancestor.
    fn refresh(&mut self) {
        self.visible.clear();
        let mut id = 0;
        while let Some(node) = self.nodes.get(id) {
            self.visible.push(id);
            id = if self.folded[id] { node.end } else { id + 1 };
        }
        while self.visible.binary_search(&self.cursor).is_err() {
            match self.nodes.get(self.cursor).and_then(|n| n.parent) {
                Some(p) => self.cursor = p,
                None => break,
            }
        }
        self.keep_cursor_visible();
    }

    fn node_matches(&self, id: usize) -> bool {
        let node = &self.nodes[id];
        let key_hit = matches!(&node.key, JsonKey::Field(k) if find_ignore_case(k, &self.query).is_some());
        key_hit || find_ignore_case(&node.text, &self.query).is_some()
    }
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

impl NodeSeed<'_> {
    fn push(self, kind: JsonKind, text: String) -> (usize, &'_ mut Vec<JsonNode>, usize) {
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

#[cfg(test)]
#[path = "json_tree_tests.rs"]
mod tests;

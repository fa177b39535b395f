//! State of the raw-JSON tree viewer: one Envoy resource (a cluster, listener,
//! route config...) flattened into nodes, with folds, a cursor, search and scroll.
//!
//! Pure: no drawing (see `ui::widgets::json_tree`). The document is flattened once
//! (in `document`); the visible lines are recomputed only when the folds change,
//! so a 2 MB resource scrolls without lag.

mod document;

pub use document::{find_ignore_case, JsonKey, JsonKind, JsonNode};

use crate::model::config_dump::ParseError;

/// Documents with more nodes than this open with only [`DEFAULT_EXPAND_DEPTH`] levels expanded.
pub const BIG_DOCUMENT_NODES: usize = 1_000;
/// How many levels of a big document are expanded when it is opened.
pub const DEFAULT_EXPAND_DEPTH: usize = 2;
/// Lines a page moves before [`JsonTree::set_viewport_height`] has been called.
const UNKNOWN_PAGE: usize = 20;

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
        let nodes =
            document::flatten(text).map_err(|e| ParseError::from_json(text, &e).to_string())?;
        let mut tree = JsonTree {
            folded: vec![false; nodes.len()],
            nodes,
            visible: Vec::new(),
            cursor: 0,
            scroll: 0,
            height: 0,
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
        document::path(&self.nodes, id)
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
        self.move_to_line(self.cursor_line().saturating_sub(self.page()));
    }
    /// Moves the cursor one viewport down.
    pub fn page_down(&mut self) {
        self.move_to_line(self.cursor_line().saturating_add(self.page()));
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
        if self
            .nodes
            .get(self.cursor)
            .is_some_and(JsonNode::is_foldable)
        {
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

    /// Tells the tree how many lines the view shows, for paging and scrolling;
    /// call it whenever the pane is laid out, before drawing.
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

    fn page(&self) -> usize {
        match self.height {
            0 => UNKNOWN_PAGE,
            h => h,
        }
    }

    /// Scrolls just enough to show the cursor; before the height is known, only upwards.
    fn keep_cursor_visible(&mut self) {
        self.scroll = match self.height {
            0 => self.scroll.min(self.cursor_line()),
            h => self.offset_for_height(h),
        };
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
        let key_hit =
            matches!(&node.key, JsonKey::Field(k) if find_ignore_case(k, &self.query).is_some());
        key_hit || find_ignore_case(&node.text, &self.query).is_some()
    }
}

#[cfg(test)]
mod tests;

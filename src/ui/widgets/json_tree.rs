//! Draws a [`JsonTree`]: one line per visible node, indented by depth, with fold
//! markers, per-kind styles, the cursor line and search matches highlighted.
//!
//! Drawing only; folds, cursor, search and scroll live in `app::json_tree`.

use std::borrow::Cow;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::app::json_tree::{find_ignore_case, JsonKey, JsonKind, JsonNode, JsonTree};

/// Styles of the parts of a JSON line; the app maps its theme roles onto these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct JsonStyles {
    /// Object keys.
    pub key: Style,
    /// String values.
    pub string: Style,
    /// Number values.
    pub number: Style,
    /// `true` / `false`.
    pub boolean: Style,
    /// `null`.
    pub null: Style,
    /// Fold markers, `: `, brackets, array indices and counts.
    pub punctuation: Style,
    /// Patched over the whole cursor line when the view is focused.
    pub cursor: Style,
    /// Patched over the matching part of a key or value.
    pub match_: Style,
}

impl Default for JsonStyles {
    /// Modifiers only, so the view stays readable under `NO_COLOR`.
    fn default() -> Self {
        JsonStyles {
            key: Style::new().add_modifier(Modifier::BOLD),
            string: Style::new(),
            number: Style::new(),
            boolean: Style::new().add_modifier(Modifier::ITALIC),
            null: Style::new().add_modifier(Modifier::ITALIC | Modifier::DIM),
            punctuation: Style::new().add_modifier(Modifier::DIM),
            cursor: Style::new().add_modifier(Modifier::REVERSED),
            match_: Style::new().add_modifier(Modifier::UNDERLINED),
        }
    }
}

/// A short-lived view of a [`JsonTree`], drawn at the tree's scroll offset
/// (moved just enough to keep the cursor on screen).
#[derive(Debug, Clone, Copy)]
pub struct JsonTreeView<'a> {
    /// The document, folds, cursor and search to draw.
    pub tree: &'a JsonTree,
    /// Styles of each part of a line.
    pub styles: JsonStyles,
    /// Whether the pane has focus; the cursor line is highlighted only then.
    pub focused: bool,
}

impl<'a> JsonTreeView<'a> {
    /// A focused view with the default (modifier-only) styles.
    pub fn new(tree: &'a JsonTree) -> Self {
        JsonTreeView {
            tree,
            styles: JsonStyles::default(),
            focused: true,
        }
    }

    /// The line for one node, without the cursor highlight.
    fn line(&self, id: usize, node: &'a JsonNode) -> Line<'a> {
        let s = &self.styles;
        let hit = self.tree.is_match(id).then(|| self.tree.query());
        let marker = match (node.is_foldable(), self.tree.is_folded(id)) {
            (false, _) => "  ",
            (true, true) => "▸ ",
            (true, false) => "▾ ",
        };
        let mut spans = vec![
            Span::raw(" ".repeat(node.depth * 2)),
            Span::styled(marker, s.punctuation),
        ];
        match &node.key {
            JsonKey::Root => {}
            JsonKey::Field(k) => {
                push_marked(&mut spans, printable(k), s.key, hit, s.match_);
                spans.push(Span::styled(": ", s.punctuation));
            }
            JsonKey::Index(i) => spans.push(Span::styled(format!("[{i}]: "), s.punctuation)),
        }
        let value_style = match node.kind {
            JsonKind::Object | JsonKind::Array => {
                spans.push(Span::styled(
                    summary(node, self.tree.is_folded(id)),
                    s.punctuation,
                ));
                return Line::from(spans);
            }
            JsonKind::String => s.string,
            JsonKind::Number => s.number,
            JsonKind::Bool => s.boolean,
            JsonKind::Null => s.null,
        };
        push_marked(
            &mut spans,
            Cow::Borrowed(&node.text),
            value_style,
            hit,
            s.match_,
        );
        Line::from(spans)
    }
}

impl Widget for JsonTreeView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lines = self.tree.visible_lines();
        let top = self.tree.offset_for_height(usize::from(area.height));
        let cursor = self.tree.cursor_node();
        for (row, &id) in area.rows().zip(lines.iter().skip(top)) {
            let Some(node) = self.tree.node(id) else {
                continue;
            };
            buf.set_line(row.x, row.y, &self.line(id, node), row.width);
            if self.focused && id == cursor {
                buf.set_style(row, self.styles.cursor);
            }
        }
    }
}

/// `{…} 12 keys` when folded, `{12 keys}` when open, `{}` / `[]` when empty.
fn summary(node: &JsonNode, folded: bool) -> String {
    let (open, close, unit) = match node.kind {
        JsonKind::Array => ('[', ']', "item"),
        _ => ('{', '}', "key"),
    };
    let n = node.children;
    let plural = if n == 1 { "" } else { "s" };
    match (n, folded) {
        (0, _) => format!("{open}{close}"),
        (_, true) => format!("{open}…{close} {n} {unit}{plural}"),
        (_, false) => format!("{open}{n} {unit}{plural}{close}"),
    }
}

/// Pushes `text` in `style`, with its first match of `query` (if any) patched by `mark`.
fn push_marked<'a>(
    spans: &mut Vec<Span<'a>>,
    text: Cow<'a, str>,
    style: Style,
    query: Option<&str>,
    mark: Style,
) {
    let range = query.and_then(|q| find_ignore_case(&text, q));
    match range {
        Some(r) => {
            let (before, hit, after) = (&text[..r.start], &text[r.clone()], &text[r.end..]);
            spans.push(Span::styled(before.to_string(), style));
            spans.push(Span::styled(hit.to_string(), style.patch(mark)));
            spans.push(Span::styled(after.to_string(), style));
        }
        None => spans.push(Span::styled(text, style)),
    }
}

/// Keys are shown raw; control characters would corrupt the terminal, so replace them.
fn printable(key: &str) -> Cow<'_, str> {
    if key.chars().any(char::is_control) {
        Cow::Owned(
            key.chars()
                .map(|c| if c.is_control() { '\u{fffd}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(key)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows(buf: &Buffer) -> Vec<String> {
        let area = buf.area;
        (area.top()..area.bottom())
            .map(|y| {
                let row: String = (area.left()..area.right())
                    .map(|x| buf[(x, y)].symbol())
                    .collect();
                row.trim_end().to_string()
            })
            .collect()
    }

    fn render(tree: &JsonTree, width: u16, height: u16) -> Buffer {
        let mut buf = Buffer::empty(Rect::new(0, 0, width, height));
        JsonTreeView::new(tree).render(buf.area, &mut buf);
        buf
    }

    const LISTENER: &str = r#"{"name":"0.0.0.0_8080","address":{"socket_address":{"address":"0.0.0.0","port_value":8080}},"filter_chains":[{"filters":[{"name":"envoy.filters.network.http_connection_manager"}]},{"filters":[]}],"use_original_dst":false,"stat_prefix":null,"@type":"type.googleapis.com/envoy.config.listener.v3.Listener"}"#;

    #[test]
    fn renders_a_listener_with_folds_and_kinds() {
        let mut tree = JsonTree::parse(LISTENER).expect("valid");
        tree.set_viewport_height(10);
        tree.down(); // cursor on "name"
        tree.down(); // cursor on "address"
        tree.down(); // cursor on "socket_address"
        tree.toggle_fold();
        let buf = render(&tree, 60, 10);
        assert_eq!(
            rows(&buf),
            [
                "▾ {6 keys}",
                "    name: \"0.0.0.0_8080\"",
                "  ▾ address: {1 key}",
                "    ▸ socket_address: {…} 2 keys",
                "  ▾ filter_chains: [2 items]",
                "    ▾ [0]: {1 key}",
                "      ▾ filters: [1 item]",
                "        ▾ [0]: {1 key}",
                "            name: \"envoy.filters.network.http_connection_man",
                "    ▾ [1]: {1 key}",
            ]
        );
        // The cursor line, and only it, is reversed across the whole row.
        assert!(buf[(59, 3)].modifier.contains(Modifier::REVERSED));
        assert!(!buf[(59, 2)].modifier.contains(Modifier::REVERSED));
        assert!(buf[(6, 1)].modifier.contains(Modifier::BOLD), "key style");
    }

    #[test]
    fn scrolls_to_the_cursor_and_marks_matches() {
        let mut tree = JsonTree::parse(LISTENER).expect("valid");
        tree.set_viewport_height(4);
        assert_eq!(tree.search("ORIGINAL"), 1);
        assert!(tree.next_match());
        let buf = render(&tree, 60, 4);
        assert_eq!(
            rows(&buf),
            [
                "            name: \"envoy.filters.network.http_connection_man",
                "    ▾ [1]: {1 key}",
                "        filters: []",
                "    use_original_dst: false",
            ]
        );
        // "original" inside the key is underlined; the rest of the key is not.
        assert!(buf[(8, 3)].modifier.contains(Modifier::UNDERLINED));
        assert!(buf[(15, 3)].modifier.contains(Modifier::UNDERLINED));
        assert!(!buf[(7, 3)].modifier.contains(Modifier::UNDERLINED));
        assert!(!buf[(16, 3)].modifier.contains(Modifier::UNDERLINED));
    }

    #[test]
    fn unfocused_view_has_no_cursor_line() {
        let tree = JsonTree::parse("[1, true]").expect("valid");
        let mut buf = Buffer::empty(Rect::new(0, 0, 20, 3));
        let view = JsonTreeView {
            focused: false,
            ..JsonTreeView::new(&tree)
        };
        view.render(buf.area, &mut buf);
        assert_eq!(rows(&buf), ["▾ [2 items]", "    [0]: 1", "    [1]: true"]);
        assert!(!buf[(0, 0)].modifier.contains(Modifier::REVERSED));
    }

    #[test]
    fn control_characters_in_keys_are_replaced() {
        let tree = JsonTree::parse(r#"{"a\u0007b": "x\ty"}"#).expect("valid");
        let buf = render(&tree, 30, 2);
        assert_eq!(rows(&buf)[1], "    a\u{fffd}b: \"x\\ty\"");
    }
}

use super::*;

fn tree(text: &str) -> JsonTree {
    JsonTree::parse(text).expect("valid JSON")
}

fn id_of(t: &JsonTree, path: &str) -> usize {
    (0..t.nodes().len())
        .find(|&id| t.path(id) == path)
        .expect("path exists")
}

#[test]
fn flattens_in_document_order_with_ranges() {
    let t = tree(r#"{"b": 1, "a": {"c": [true, null, "x\"y"]}, "d": {}}"#);
    let rows: Vec<_> = t
        .nodes()
        .iter()
        .map(|n| (n.key.clone(), n.kind, n.depth, n.parent, n.end, n.children))
        .collect();
    let f = |k: &str| JsonKey::Field(k.to_string());
    assert_eq!(
        rows,
        [
            (JsonKey::Root, JsonKind::Object, 0, None, 8, 3),
            (f("b"), JsonKind::Number, 1, Some(0), 2, 0),
            (f("a"), JsonKind::Object, 1, Some(0), 7, 1),
            (f("c"), JsonKind::Array, 2, Some(2), 7, 3),
            (JsonKey::Index(0), JsonKind::Bool, 3, Some(3), 5, 0),
            (JsonKey::Index(1), JsonKind::Null, 3, Some(3), 6, 0),
            (JsonKey::Index(2), JsonKind::String, 3, Some(3), 7, 0),
            (f("d"), JsonKind::Object, 1, Some(0), 8, 0),
        ]
    );
    let texts: Vec<_> = t.nodes().iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, ["", "1", "", "", "true", "null", r#""x\"y""#, ""]);
    assert_eq!(t.visible_lines(), [0, 1, 2, 3, 4, 5, 6, 7]);
}

#[test]
fn numbers_keep_their_json_spelling() {
    let t = tree("[1, -2, 1.5, 1e3, 18446744073709551615]");
    let texts: Vec<_> = t.nodes()[1..].iter().map(|n| n.text.as_str()).collect();
    assert_eq!(texts, ["1", "-2", "1.5", "1000.0", "18446744073709551615"]);
}

#[test]
fn scalar_document_is_one_line() {
    let t = tree(r#" "just a string" "#);
    assert_eq!(t.visible_lines(), [0]);
    assert_eq!(t.cursor_path(), ".");
}

#[test]
fn bad_json_says_where() {
    let text = "{\"a\": 1,\n \"b\": x}";
    let err = JsonTree::parse(text).expect_err("invalid");
    assert_eq!(err, "invalid JSON at byte 15: expected value");
    assert_eq!(&text[15..16], "x");
    assert_eq!(
        JsonTree::parse("{\"a\": [1,").expect_err("truncated"),
        "truncated JSON at byte 9: EOF while parsing a value"
    );
    assert_eq!(
        JsonTree::parse("{} x").expect_err("trailing"),
        "invalid JSON at byte 3: trailing characters"
    );
}

#[test]
fn folds_change_visible_counts() {
    let text = r#"{"a": {"b": [1, 2, {"c": 3}]}, "d": [], "e": {"f": 1}}"#;
    let mut t = tree(text);
    assert_eq!(t.visible_lines().len(), 10);
    t.toggle_fold(); // root
    assert_eq!(t.visible_lines(), [0]);
    t.toggle_fold();
    assert_eq!(t.visible_lines().len(), 10);
    t.fold_all(); // root open, "a" and "e" folded, empty "d" has nothing to fold
    assert_eq!(t.visible_lines(), [0, 1, 7, 8]);
    assert!(t.is_folded(1) && t.is_folded(8) && !t.is_folded(7));
    t.expand_to_depth(2);
    assert_eq!(t.visible_lines().len(), 6); // + "b" folded, + "f"
    t.unfold_all();
    assert_eq!(t.visible_lines().len(), 10);
}

#[test]
fn toggling_a_scalar_does_nothing() {
    let mut t = tree(r#"{"a": 1}"#);
    t.down();
    t.toggle_fold();
    assert_eq!(t.visible_lines(), [0, 1]);
    assert!(!t.is_folded(1));
}

#[test]
fn big_documents_open_two_levels_deep() {
    let items: Vec<_> = (0..400)
        .map(|i| format!(r#"{{"name": "c{i}", "meta": {{"a": {i}}}}}"#))
        .collect();
    let t = tree(&format!(r#"{{"clusters": [{}]}}"#, items.join(",")));
    assert!(t.nodes().len() > BIG_DOCUMENT_NODES);
    assert_eq!(t.visible_lines().len(), 2 + 400);
    assert!(t.is_folded(2));
}

#[test]
fn folding_above_the_cursor_moves_it_to_the_visible_ancestor() {
    let mut t = tree(r#"{"a": {"b": {"c": 1}}, "z": 2}"#);
    t.set_viewport_height(10);
    t.down();
    t.down();
    t.down();
    assert_eq!(t.cursor_path(), ".a.b.c");
    t.fold_all();
    assert_eq!(t.cursor_path(), ".a");
    assert_eq!(t.cursor_line(), 1);
}

#[test]
fn search_matches_keys_and_values_ignoring_case() {
    let mut t = tree(r#"{"Port": 1, "x": "PORTAL", "y": {"z": "no"}, "port_value": 8080}"#);
    assert_eq!(t.search("port"), 3);
    assert_eq!(t.matches(), [1, 2, 5]);
    assert!(t.is_match(2) && !t.is_match(3));
    assert_eq!(t.query(), "port");
    assert_eq!(t.search("8080"), 1);
    assert_eq!(t.search(""), 0);
    assert_eq!(find_ignore_case("Ünïcode", "üNÏ"), Some(0..5));
    assert_eq!(find_ignore_case("abc", "C"), Some(2..3));
    assert_eq!(find_ignore_case("abc", "d"), None);
}

#[test]
fn next_match_unfolds_ancestors_and_wraps() {
    let text =
        r#"{"listeners": [{"address": {"port_value": 80}}, {"address": {"port_value": 443}}]}"#;
    let mut t = tree(text);
    t.set_viewport_height(3);
    t.fold_all();
    assert_eq!(t.visible_lines().len(), 2);
    assert_eq!(t.search("PORT_VALUE"), 2);
    assert!(t.next_match());
    assert_eq!(t.cursor_path(), ".listeners[0].address.port_value");
    assert!(!t.is_folded(1) && !t.is_folded(2) && !t.is_folded(3));
    assert!(t.is_folded(5), "the other listener stays folded");
    assert_eq!(t.match_position(), Some((1, 2)));
    assert!(t.next_match());
    assert_eq!(t.cursor_path(), ".listeners[1].address.port_value");
    let line = t.cursor_line();
    assert!((t.scroll_offset()..t.scroll_offset() + 3).contains(&line));
    assert!(t.next_match());
    assert_eq!(t.match_position(), Some((1, 2)), "wrapped to the first");
    assert!(t.prev_match());
    assert_eq!(t.match_position(), Some((2, 2)), "wrapped to the last");
    t.search("nothing");
    assert!(!t.next_match() && !t.prev_match());
}

#[test]
fn paths_use_identifiers_or_quoted_brackets() {
    let text = r#"{"a": {"b": [0, 1, {"c": true}]}, "key with.dots": {"@type": "t"}, "_x9": null}"#;
    let t = tree(text);
    assert_eq!(t.path(0), ".");
    assert_eq!(t.path(id_of(&t, ".a.b[2].c")), ".a.b[2].c");
    let typed = t.nodes().iter().position(|n| n.text == r#""t""#);
    assert_eq!(
        t.path(typed.expect("present")),
        r#".["key with.dots"]["@type"]"#
    );
    assert_eq!(t.path(t.nodes().len() - 1), "._x9");
    let arr = tree(r#"[{"9lives": 1}]"#);
    assert_eq!(arr.path(2), r#".[0]["9lives"]"#);
}

#[test]
fn scrolling_keeps_the_cursor_in_view() {
    let items: Vec<_> = (0..100).map(|i| i.to_string()).collect();
    let mut t = tree(&format!("[{}]", items.join(",")));
    t.set_viewport_height(10);
    for _ in 0..15 {
        t.down();
    }
    assert_eq!((t.cursor_line(), t.scroll_offset()), (15, 6));
    t.page_down();
    assert_eq!((t.cursor_line(), t.scroll_offset()), (25, 16));
    t.up();
    assert_eq!((t.cursor_line(), t.scroll_offset()), (24, 16));
    t.end();
    assert_eq!((t.cursor_line(), t.scroll_offset()), (100, 91));
    t.page_up();
    assert_eq!((t.cursor_line(), t.scroll_offset()), (90, 90));
    t.set_viewport_height(5);
    assert_eq!(t.offset_for_height(5), 90);
    assert_eq!(
        t.offset_for_height(30),
        71,
        "a taller view shows more above"
    );
    t.home();
    assert_eq!((t.cursor_line(), t.scroll_offset()), (0, 0));
    t.down();
    t.down();
    t.toggle_fold(); // a scalar: nothing
    t.home();
    t.toggle_fold(); // the root: one line left
    assert_eq!((t.visible_lines().len(), t.scroll_offset()), (1, 0));
}

#[test]
fn paging_before_the_height_is_known_moves_a_default_page() {
    let items: Vec<_> = (0..50).map(|i| i.to_string()).collect();
    let mut t = tree(&format!("[{}]", items.join(",")));
    t.page_down();
    assert_eq!(t.cursor_line(), UNKNOWN_PAGE);
    assert_eq!(t.offset_for_height(10), UNKNOWN_PAGE - 9);
}

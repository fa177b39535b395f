//! Re-filtering and re-sorting the visible rows of every table view when
//! its data, filter or sort changed (and only then), narrowing from the rows
//! of a filter typed a moment ago when the new one refines it.

use std::sync::Arc;

use super::registry::table_of;
use super::state::{AppState, ViewKind, ViewState};
use super::table::{Table, Visible};

/// Re-filters and re-sorts views whose data or filter changed.
pub(super) fn recompute_views(state: &mut AppState) {
    let target = state.selected;
    let page = state.page();
    let targets_version = state.targets_version;
    if let Some(fresh) = refiltered(
        &state.targets,
        Some((&state.targets_table, targets_version)),
    ) {
        apply(&mut state.targets, fresh, page);
    }
    // A view over the sidecar list (the fleet's findings).
    if let Some(v) = state.list.last() {
        let fresh = refiltered(v, table_of(state, v.kind, None));
        if let (Some(fresh), Some(v)) = (fresh, state.list.last_mut()) {
            apply(v, fresh, page);
        }
    }
    for p in 0..state.panes.len() {
        let Some(view) = state.panes[p].top() else {
            continue;
        };
        if !view.kind.is_table() {
            continue;
        }
        // Filter with a shared borrow of the data, then store the result.
        let fresh = refiltered(view, table_of(state, view.kind, target));
        if let (Some(fresh), Some(v)) = (fresh, state.panes[p].top_mut()) {
            apply(v, fresh, page);
        }
    }
}

/// A view's visible rows computed again from its table, or `None` when they
/// are already computed for this data version; `Some(None)` when the view
/// has no table now.
fn refiltered(v: &ViewState, table: Option<(&Table, u64)>) -> Option<Option<(Visible, u64)>> {
    match table {
        Some((_, version)) if v.computed_for == Some(version) => None,
        Some((t, version)) => {
            let rows = match v.memo.lookup(version, v.sort, v.keys.as_deref(), &v.parsed) {
                (Some(exact), _) => Arc::clone(exact),
                (None, among) => t.view_shared(&v.parsed, v.sort, v.keys.as_deref(), among),
            };
            Some(Some((rows, version)))
        }
        None => Some(None),
    }
}

/// Stores freshly computed visible rows; a follow-mode view (cursor on the
/// last row) stays on the last row as rows arrive.
fn apply(v: &mut ViewState, fresh: Option<(Visible, u64)>, page: usize) {
    let Some((visible, version)) = fresh else {
        v.visible = Arc::default();
        v.computed_for = None;
        return;
    };
    let following =
        v.kind == ViewKind::Logs && (v.visible.is_empty() || v.cursor + 1 >= v.visible.len());
    v.visible = visible;
    v.computed_for = Some(version);
    v.memo
        .remember(version, v.sort, v.keys.as_deref(), &v.parsed, &v.visible);
    if following {
        v.cursor = v.visible.len().saturating_sub(1);
    }
    v.cursor = v.cursor.min(v.visible.len().saturating_sub(1));
    if v.cursor < v.offset || v.cursor >= v.offset + page {
        v.offset = v.cursor.saturating_sub(page.saturating_sub(1));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::app::table::{Column, Filter, Row, Sort};
    use crate::model::severity::Severity;

    fn table(n: usize) -> Table {
        let svc = ["reviews", "ratings", "details", "cart", "payments"];
        Table {
            columns: vec![
                Column::text("NAME", 40),
                Column::text("SUBSET", 4),
                Column::num("N", 5),
            ],
            rows: (0..n)
                .map(|i| {
                    let name = format!(
                        "outbound|{}|v{}|{}.team-{:02}",
                        [80, 9080, 443][i % 3],
                        i % 4,
                        svc[i % 5],
                        i % 37
                    );
                    Row::new(
                        name.clone(),
                        vec![name, format!("v{}", i % 4), (i * 7 % 101).to_string()],
                        Severity::Ok,
                    )
                    .with_tags(&[("cluster", svc[(i / 5) % 5])])
                })
                .collect(),
        }
    }

    /// Typing, deleting and retyping through the memo gives exactly the rows
    /// a fresh scan gives, for every keystroke, sorted or not.
    #[test]
    fn narrowing_through_the_memo_equals_a_fresh_scan() {
        let t = table(5_000);
        let typed = "ratings 9080 !v2 team-0 cluster:rev";
        let mut texts: Vec<String> = (0..=typed.len()).map(|i| typed[..i].to_string()).collect();
        texts.extend((0..=typed.len()).rev().map(|i| typed[..i].to_string()));
        texts.extend(
            [
                "!v",
                "!v1",
                "!v",
                "~rtg",
                "~rtgs9",
                "~rt",
                "re:v[12]",
                "re:v[12]|cart",
                "cluster:",
                "cluster:r",
            ]
            .map(String::from),
        );
        for sort in [
            None,
            Some(Sort {
                column: 2,
                descending: true,
            }),
            Some(Sort {
                column: 0,
                descending: false,
            }),
        ] {
            let mut v = ViewState::new(ViewKind::Clusters);
            v.sort = sort;
            for text in &texts {
                v.filter = text.clone();
                v.parsed = Filter::parse(text);
                v.computed_for = None;
                let fresh = refiltered(&v, Some((&t, 1)));
                apply(&mut v, fresh.flatten(), 20);
                assert_eq!(
                    v.visible[..],
                    t.view(&v.parsed, v.sort, None)[..],
                    "{text:?} sorted {sort:?}"
                );
            }
            assert!(!v.memo.is_empty());
        }
    }

    /// `refines` is sound: whatever the newer filter lets through, the older did.
    #[test]
    fn a_refining_filter_never_lets_more_through() {
        let t = table(2_000);
        let words = [
            "",
            "r",
            "ra",
            "rat",
            "9",
            "90",
            "9080",
            "!v",
            "!v2",
            "!2",
            "v2",
            "cluster:",
            "cluster:r",
            "cluster:re",
            "ster:r",
            "r:r",
            "team-0",
            "team-01",
            "re:ra",
            "~rt",
            "~rtg",
            "rev !9",
            "rev !90",
            "s:5",
            "cluster:rev team",
            "ratings !v2 team-01",
        ];
        let mut pairs = 0;
        for a in words {
            for b in words {
                let (fa, fb) = (Filter::parse(a), Filter::parse(b));
                if !fb.refines(&fa) {
                    continue;
                }
                pairs += 1;
                let va = t.view(&fa, None, None);
                for i in t.view(&fb, None, None) {
                    assert!(
                        va.binary_search(&i).is_ok(),
                        "{b:?} refines {a:?} but lets row {i} through"
                    );
                }
            }
        }
        assert!(pairs > 60, "{pairs}");
    }
}

//! The Cardinality view: how many metric series the proxy carries, the
//! largest families, then every label worst first (distinct values, share of
//! all series, estimated bytes in Envoy, why it is flagged).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::table::TableView;
use crate::app::cardinality::data::{human_bytes, CardinalityData};
use crate::app::data::Data;
use crate::app::state::{AppState, ViewState};
use crate::sources::target::Endpoint;

/// Families listed above the label table.
const TOP_FAMILIES: usize = 3;

/// Draws the Cardinality view into `area`.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &ViewState, focused: bool) {
    let t = &state.theme;
    let Some(Data::Cardinality(data)) = state
        .slot(state.selected, Endpoint::Prometheus)
        .and_then(|s| s.data())
    else {
        return;
    };
    let lines = summary(state, data);
    let h = (lines.len() as u16).min(area.height.saturating_sub(2));
    let [top, rest] = Layout::vertical([Constraint::Length(h), Constraint::Min(0)]).areas(area);
    frame.render_widget(Paragraph::new(lines), top);
    frame.render_widget(
        TableView {
            table: &data.labels,
            view,
            theme: t,
            focused,
        },
        rest,
    );
}

fn summary(state: &AppState, data: &CardinalityData) -> Vec<Line<'static>> {
    let t = &state.theme;
    let r = &data.report;
    let flagged = r.offenders().count();
    let mut lines = vec![Line::from(vec![
        Span::styled(
            format!(
                "{} series in {} families, ~{} estimated in Envoy · ",
                r.total_series,
                r.families.len(),
                human_bytes(r.estimated_bytes)
            ),
            t.text,
        ),
        Span::styled(
            format!(
                "{flagged} flagged labels (over {} values or id-like)",
                r.threshold
            ),
            if flagged > 0 { t.error } else { t.ok },
        ),
    ])];
    if let Some(worst) = r.offenders().next() {
        lines.push(Line::from(Span::styled(
            format!(
                "✖ {} on {}: {} distinct values, {:.0}% of all series, ~{}; a label with N values multiplies its metric's memory by N",
                worst.label,
                worst.family,
                worst.distinct_values,
                worst.share * 100.0,
                human_bytes(worst.estimated_bytes)
            ),
            t.error,
        )));
    }
    for f in r.families.iter().take(TOP_FAMILIES) {
        lines.push(Line::from(Span::styled(
            format!(
                "  {:<48} {:>8} series {:>6.1}%  ~{}",
                f.family,
                f.series,
                f.share * 100.0,
                human_bytes(f.estimated_bytes)
            ),
            t.dim,
        )));
    }
    if r.parse_errors > 0 {
        lines.push(Line::from(Span::styled(
            format!("{} lines did not parse", r.parse_errors),
            t.warn,
        )));
    }
    lines
}

//! The Overview view, the doctor's: is this sidecar alive, ready, what does
//! it hold, then its findings from evidence, worst first (Enter: the evidence).

use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use super::table::TableView;
use crate::app::data::Data;
use crate::app::overview::findings_table;
use crate::app::state::{AppState, ViewState};
use crate::model::config_dump::{Kind, State};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

/// Draws the overview of the selected sidecar, then its findings.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState, view: &ViewState, focused: bool) {
    let t = &state.theme;
    let lines = lines(state);
    let findings = findings_table(state, state.selected);
    let head = u16::try_from(lines.len()).unwrap_or(u16::MAX);
    let [top, rest] = Layout::vertical([
        Constraint::Length(head.saturating_add(1)),
        Constraint::Min(0),
    ])
    .areas(area);
    frame.render_widget(Paragraph::new(lines), top);
    let [title, table] = Layout::vertical([Constraint::Length(1), Constraint::Min(0)]).areas(rest);
    let Some((table_data, _)) = findings else {
        frame.render_widget(
            Paragraph::new(Span::styled("Findings: diagnosing …", t.dim)),
            title,
        );
        return;
    };
    let report = state
        .selected
        .and_then(|i| state.doctor.get(&i))
        .and_then(|d| d.report.as_ref());
    let (n, sev) = report.map_or((0, Severity::Ok), |r| (r.findings.len(), r.worst()));
    let heading = match n {
        0 => "Findings: none from the evidence read (not-checked rules below)".to_string(),
        1 => "Findings: 1 (Enter: its evidence)".to_string(),
        n => format!("Findings: {n}, worst first (Enter: the evidence)"),
    };
    frame.render_widget(
        Paragraph::new(Span::styled(heading, t.severity(sev))),
        title,
    );
    frame.render_widget(
        TableView {
            table: table_data,
            view,
            theme: t,
            focused,
        },
        table,
    );
}

fn kv(state: &AppState, key: &str, value: String, sev: Severity) -> Line<'static> {
    let t = &state.theme;
    Line::from(vec![
        Span::styled(format!("{key:<22}"), t.dim),
        Span::styled(value, t.severity(sev)),
    ])
}

/// The overview lines (separate for tests).
pub fn lines(state: &AppState) -> Vec<Line<'static>> {
    let target = state.selected;
    let mut out = Vec::new();
    if let Some(pod) = target.and_then(|i| state.mesh.pods.get(i)) {
        out.push(kv(state, "Pod", pod.key(), Severity::Ok));
        out.push(kv(state, "App", pod.app.clone(), Severity::Ok));
        if let Some(a) = &pod.admin {
            out.push(kv(state, "Envoy admin", a.clone(), Severity::Ok));
        }
    }
    if let Some(Data::Text { body, .. }) = state
        .slot(target, Endpoint::ServerInfo)
        .and_then(|s| s.data())
    {
        match crate::model::server_info::ServerInfo::parse(body) {
            Ok(info) => {
                let sev = if info.state == "LIVE" {
                    Severity::Ok
                } else {
                    Severity::Warn
                };
                out.push(kv(state, "Envoy state", info.state, sev));
                out.push(kv(state, "Uptime", info.uptime, Severity::Ok));
                out.push(kv(
                    state,
                    "Envoy version",
                    info.version.display(),
                    Severity::Ok,
                ));
            }
            Err(e) => out.push(kv(state, "server_info", e, Severity::Error)),
        }
    }
    if !state.reachable(target, Endpoint::AgentReady) {
        out.push(kv(
            state,
            "Readiness",
            "not connected (no --agent: pass the pilot-agent URL, port 15020)".into(),
            Severity::Ok,
        ));
    }
    if let Some(Data::Text { status, body }) = state
        .slot(target, Endpoint::AgentReady)
        .and_then(|s| s.data())
    {
        let (text, sev) = if *status == 200 {
            ("ready (15020 /healthz/ready 200)".to_string(), Severity::Ok)
        } else {
            (
                format!("NOT READY ({status}) {}", body.trim()),
                Severity::Error,
            )
        };
        out.push(kv(state, "Readiness", text, sev));
    }
    if let Some(pod) = target.and_then(|i| state.mesh.pods.get(i)) {
        let prefix = format!("{}:", pod.key());
        for f in state
            .forwards
            .iter()
            .filter(|f| f.name.starts_with(&prefix))
        {
            let sev = if f.healthy {
                Severity::Ok
            } else {
                Severity::Warn
            };
            out.push(kv(
                state,
                &format!("Forward :{}", &f.name[prefix.len()..]),
                f.state.clone(),
                sev,
            ));
        }
    }
    if let Some(Data::Dump(d)) = state
        .slot(target, Endpoint::ConfigDump)
        .and_then(|s| s.data())
    {
        if let Some(v) = &d.version {
            out.push(kv(
                state,
                "Istio version",
                v.istio_version.clone(),
                Severity::Ok,
            ));
        }
        out.push(Line::from(""));
        for (label, kind) in [
            ("Listeners", Kind::Listener),
            ("Clusters", Kind::Cluster),
            ("Route configs", Kind::Route),
            ("EDS clusters", Kind::Endpoint),
            ("Secrets", Kind::Secret),
        ] {
            let active = if kind == Kind::Endpoint {
                d.eds_clusters
            } else {
                d.count(kind, State::Active) + d.count(kind, State::Static)
            };
            let warming = d.count(kind, State::Warming);
            let errors = d.count(kind, State::Error);
            let mut text = format!("{active}");
            let mut sev = Severity::Ok;
            if warming > 0 {
                text.push_str(&format!(", {warming} warming"));
                sev = Severity::Warn;
            }
            if errors > 0 {
                text.push_str(&format!(", {errors} rejected"));
                sev = Severity::Error;
            }
            out.push(kv(state, label, text, sev));
        }
    }
    out
}

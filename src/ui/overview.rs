//! The Overview view: is this sidecar alive, ready, and what does it hold.

use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

use crate::app::data::Data;
use crate::app::state::AppState;
use crate::model::config_dump::{Kind, State};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

/// Draws the overview of the selected sidecar.
pub fn draw(frame: &mut Frame, area: Rect, state: &AppState) {
    frame.render_widget(Paragraph::new(lines(state)), area);
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

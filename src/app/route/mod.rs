//! The Route view: which route a request takes through the open sidecar and
//! why (`:route HOST[:PORT] [PATH] [METHOD]`, or `e` on a Routes row, which
//! fills the palette in). The walk runs off the UI thread on the parsed dump.

use super::action::Effect;
use super::data::Data;
use super::spec::ViewSpec;
use super::state::{AppState, Mode, ViewKind, ViewState};
use super::table::Row;
use crate::model::route_explain::{RouteDecision, RouteRequest};
use crate::model::severity::Severity;
use crate::sources::target::Endpoint;

/// How the core sees the view.
pub const SPEC: ViewSpec = ViewSpec::named("route", "Route");

/// The usage line of `:route`.
pub const USAGE: &str = "route HOST[:PORT] [PATH] [METHOD] [NAME:VALUE]…";

/// Parses `:route` arguments: the host (its port picks the listener, 80
/// without one), then in any order a path (`/…`), a method and headers.
pub fn parse(args: &[&str]) -> Result<RouteRequest, String> {
    let Some(host) = args.first() else {
        return Err(format!("usage: :{USAGE}"));
    };
    let port = match crate::model::route_explain::split_port(host) {
        Some((_, p)) => u16::try_from(p).map_err(|_| format!("port {p} out of range"))?,
        None => 80,
    };
    let mut req = RouteRequest {
        host: host.to_string(),
        path: "/".into(),
        method: "GET".into(),
        headers: Vec::new(),
        port,
    };
    for a in &args[1..] {
        if a.starts_with('/') {
            req.path = a.to_string();
        } else if let Some((k, v)) = a.split_once(':') {
            req.headers.push((k.to_ascii_lowercase(), v.to_string()));
        } else if a.chars().all(|c| c.is_ascii_alphabetic()) {
            req.method = a.to_ascii_uppercase();
        } else {
            return Err(format!(
                "`{a}`: expected a path, a method or NAME:VALUE ({USAGE})"
            ));
        }
    }
    Ok(req)
}

/// `:route …` on the open sidecar: asks for the walk over its dump.
pub fn command(state: &mut AppState, args: &[&str], fx: &mut Vec<Effect>) {
    let Some(target) = state.selected else {
        state.say("open a sidecar first (Enter on a row)", Severity::Warn);
        return;
    };
    let request = match parse(args) {
        Ok(r) => r,
        Err(e) => {
            state.say(e, Severity::Warn);
            return;
        }
    };
    let Some(dump) = state.loaded_dump(target) else {
        return;
    };
    let clusters = match state.data(Some(target), Endpoint::ClustersJson) {
        Some((Data::Runtime(r), _)) => Some(std::sync::Arc::new(r.0.clone())),
        _ => None,
    };
    state.say(
        format!(
            "following {} {}{}",
            request.method, request.host, request.path
        ),
        Severity::Ok,
    );
    fx.push(Effect::ExplainRoute {
        target,
        request: Box::new(request),
        dump,
        clusters,
    });
}

/// The walk came back: shown full width over the focused pane (the sidecar
/// still open); Esc goes back to the panes.
pub fn explained(state: &mut AppState, target: usize, decision: Box<RouteDecision>) {
    if state.selected != Some(target) {
        return;
    }
    let r = &decision.request;
    let mut v = ViewState::new(ViewKind::Route);
    v.json_title = format!("route {} {}{} (port {})", r.method, r.host, r.path, r.port);
    v.route = Some(decision);
    v.landing = !state.zoom;
    let focus = state.focus;
    if let Some(p) = state.panes.get_mut(focus) {
        p.stack.push(v);
        state.zoom = true;
    }
}

/// `e` on a Routes row: the palette filled with a `:route` for its first
/// domain, on its route config's port, and its match's path.
pub fn from_routes_row(state: &mut AppState, row: &Row) {
    let cell = |i: usize| row.cells.get(i).map(String::as_str).unwrap_or_default();
    let domain = cell(2).split(',').next().unwrap_or_default().trim();
    let domain = if domain.is_empty() || domain == "*" {
        "example.com"
    } else {
        domain
    };
    let host = match cell(0).parse::<u16>() {
        Ok(port) if !domain.contains(':') => format!("{domain}:{port}"),
        _ => domain.to_string(),
    };
    let path = cell(3)
        .split_whitespace()
        .next()
        .unwrap_or("/")
        .trim_end_matches('*');
    let path = if path.starts_with('/') { path } else { "/" };
    let line = format!("route {host} {path}");
    state.mode = Mode::Palette(tui_input::Input::new(line));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn route_arguments() {
        let r = parse(&["reviews:9080", "/reviews/0", "post", "end-user:jason"]).unwrap();
        assert_eq!(
            (r.host.as_str(), r.port, r.path.as_str(), r.method.as_str()),
            ("reviews:9080", 9080, "/reviews/0", "POST")
        );
        assert_eq!(
            r.headers,
            vec![("end-user".to_string(), "jason".to_string())]
        );
        assert_eq!(parse(&["httpbin"]).unwrap().port, 80);
        assert!(parse(&[]).unwrap_err().starts_with("usage: :route HOST"));
        assert!(parse(&["h", "??"]).unwrap_err().contains("expected a path"));
    }
}

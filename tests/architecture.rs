//! The layout ARCHITECTURE.md describes, held against the code: nothing below
//! the ui imports it, and no two files import each other (directly or round a
//! longer loop), a folder's `mod.rs` and its own children aside.

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, as a module path (`app::stats::update`) → file.
fn modules(root: &Path) -> BTreeMap<String, PathBuf> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        let Ok(entries) = fs::read_dir(&dir) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                stack.push(p);
            } else if p.extension().is_some_and(|x| x == "rs") {
                let rel = p.strip_prefix(root).expect("under src");
                let mut parts: Vec<String> = rel
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy().into_owned())
                    .collect();
                let last = parts.pop().expect("a file name");
                let stem = last.trim_end_matches(".rs").to_string();
                if stem != "mod" && stem != "lib" && stem != "main" {
                    parts.push(stem);
                }
                if last == "main.rs" {
                    continue;
                }
                out.insert(parts.join("::"), p);
            }
        }
    }
    out
}

/// The module a file is (`app::stats` for `app/stats/mod.rs`).
fn module_of(modules: &BTreeMap<String, PathBuf>, file: &Path) -> String {
    modules
        .iter()
        .find(|(_, p)| p.as_path() == file)
        .map(|(m, _)| m.clone())
        .unwrap_or_default()
}

fn is_mod_rs(p: &Path) -> bool {
    p.file_name().is_some_and(|n| n == "mod.rs")
}

/// Code without comments and string literals, so a path in a doc line or a
/// message does not count as an import.
fn code_only(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for line in text.lines() {
        let t = line.trim_start();
        if t.starts_with("//") {
            out.push('\n');
            continue;
        }
        let mut in_str = false;
        let mut prev = ' ';
        for c in line.chars() {
            if c == '"' && prev != '\\' {
                in_str = !in_str;
            } else if !in_str {
                out.push(c);
            }
            prev = c;
        }
        out.push('\n');
    }
    out
}

/// The paths a file names: `crate::a::b`, `super::c`, and `use` groups
/// (`use super::{a, b::c}`) flattened, resolved to absolute module paths.
fn referenced(file_module: &str, is_mod: bool, text: &str) -> Vec<String> {
    let code = code_only(text);
    // Expand `{…}` groups of `use` lines into one path each.
    let mut paths = Vec::new();
    let re = regex::Regex::new(r"\b(crate|super|self)((?:::[A-Za-z_][A-Za-z0-9_]*)*)(::\{)?")
        .expect("regex");
    for m in re.captures_iter(&code) {
        let head = m.get(1).map_or("", |x| x.as_str());
        let tail = m.get(2).map_or("", |x| x.as_str());
        let base = format!("{head}{tail}");
        if m.get(3).is_some() {
            // A group: take the names up to the matching brace.
            let start = m.get(0).map_or(0, |x| x.end());
            let mut depth = 1;
            let mut end = start;
            for (i, c) in code[start..].char_indices() {
                match c {
                    '{' => depth += 1,
                    '}' => {
                        depth -= 1;
                        if depth == 0 {
                            end = start + i;
                            break;
                        }
                    }
                    _ => {}
                }
            }
            for item in code[start..end].split([',', '{', '}']) {
                let item = item.split(" as ").next().unwrap_or("").trim();
                if !item.is_empty() && item != "self" {
                    paths.push(format!("{base}::{item}"));
                }
            }
            paths.push(base);
        } else {
            paths.push(base);
        }
    }
    let here: Vec<&str> = file_module.split("::").filter(|s| !s.is_empty()).collect();
    // `super` from a mod.rs is its parent's parent in file terms.
    let dir: Vec<&str> = if is_mod {
        here.clone()
    } else {
        here[..here.len().saturating_sub(1)].to_vec()
    };
    paths
        .into_iter()
        .filter_map(|p| {
            let mut parts: Vec<&str> = p.split("::").collect();
            let abs: Vec<String> = match parts.first().copied() {
                Some("crate") => parts.drain(1..).map(String::from).collect(),
                Some("self") => {
                    let mut v: Vec<String> = if is_mod {
                        here.iter().map(|s| s.to_string()).collect()
                    } else {
                        here.iter().map(|s| s.to_string()).collect()
                    };
                    v.extend(parts.drain(1..).map(String::from));
                    v
                }
                Some("super") => {
                    let mut v: Vec<String> = dir.iter().map(|s| s.to_string()).collect();
                    let mut rest = parts.drain(..).peekable();
                    // The first `super` climbs from the file's module to its parent.
                    let mut first = true;
                    while rest.peek() == Some(&"super") {
                        rest.next();
                        if !first || is_mod {
                            v.pop();
                        }
                        first = false;
                    }
                    v.extend(rest.map(String::from));
                    v
                }
                _ => return None,
            };
            Some(abs.join("::"))
        })
        .collect()
}

/// The longest prefix of `path` that is a module with a file.
fn resolve(modules: &BTreeMap<String, PathBuf>, path: &str) -> Option<String> {
    let parts: Vec<&str> = path.split("::").collect();
    (0..=parts.len())
        .rev()
        .map(|n| parts[..n].join("::"))
        .find(|m| modules.contains_key(m))
}

/// `pub use` re-exports of a mod.rs: name → the module it comes from.
fn reexports(modules: &BTreeMap<String, PathBuf>) -> BTreeMap<String, String> {
    let mut out = BTreeMap::new();
    let re =
        regex::Regex::new(r"pub use ([A-Za-z_:]+)::(?:\{([^}]*)\}|([A-Za-z_]+));").expect("regex");
    for (m, p) in modules {
        if !is_mod_rs(p) {
            continue;
        }
        let Ok(text) = fs::read_to_string(p) else {
            continue;
        };
        for c in re.captures_iter(&text) {
            let from = c.get(1).map_or("", |x| x.as_str());
            let from = from.trim_start_matches("self::");
            let abs = if from.starts_with("crate::") {
                from.trim_start_matches("crate::").to_string()
            } else {
                format!("{m}::{from}")
            };
            let names = c
                .get(2)
                .or(c.get(3))
                .map_or("", |x| x.as_str())
                .split(',')
                .map(|s| s.trim().to_string())
                .filter(|s| !s.is_empty());
            for n in names {
                out.insert(format!("{m}::{n}"), abs.clone());
            }
        }
    }
    out
}

fn graph() -> (
    BTreeMap<String, PathBuf>,
    BTreeMap<String, BTreeSet<String>>,
) {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let modules = modules(&root);
    let re_exports = reexports(&modules);
    let mut edges: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (m, p) in &modules {
        let text = fs::read_to_string(p).expect("readable source");
        let is_mod = is_mod_rs(p) || p.file_name().is_some_and(|n| n == "lib.rs");
        let mut to = BTreeSet::new();
        for path in referenced(m, is_mod, &text) {
            // Follow a mod.rs re-export to the file that defines the name.
            let path = match re_exports
                .iter()
                .find(|(k, _)| path == **k || path.starts_with(&format!("{k}::")))
            {
                Some((_, from)) => from.clone(),
                None => path,
            };
            if let Some(target) = resolve(&modules, &path) {
                if target != *m {
                    to.insert(target);
                }
            }
        }
        edges.insert(m.clone(), to);
    }
    let _ = module_of;
    (modules, edges)
}

/// A file's folder module: `app::stats` for both `app/stats/mod.rs` and `app/stats/update.rs`.
fn folder(modules: &BTreeMap<String, PathBuf>, m: &str) -> String {
    let is_mod = modules.get(m).is_some_and(|p| is_mod_rs(p));
    if is_mod {
        m.to_string()
    } else {
        m.rsplit_once("::")
            .map_or(String::new(), |(a, _)| a.to_string())
    }
}

#[test]
fn nothing_below_the_ui_imports_it() {
    let (_, edges) = graph();
    let mut bad = Vec::new();
    for (from, tos) in &edges {
        let below = ["app", "sources", "model"]
            .iter()
            .any(|l| from == l || from.starts_with(&format!("{l}::")));
        for to in tos {
            if below && (to == "ui" || to.starts_with("ui::")) {
                bad.push(format!("{from} → {to}"));
            }
            if (from.starts_with("model") || from.starts_with("sources"))
                && (to == "app" || to.starts_with("app::"))
            {
                bad.push(format!("{from} → {to}"));
            }
            if from.starts_with("model") && to.starts_with("sources") {
                bad.push(format!("{from} → {to}"));
            }
        }
    }
    assert!(
        bad.is_empty(),
        "imports against the flow:\n{}",
        bad.join("\n")
    );
}

/// Layers whose files may not import each other in a loop.
const CHECKED: [&str; 3] = ["app", "ui", "commands"];

#[test]
fn no_import_cycles_between_files() {
    let (modules, edges) = graph();
    // A mod.rs and its own children may name each other (declarations, re-exports).
    let allowed = |a: &str, b: &str| {
        let a_mod = modules.get(a).is_some_and(|p| is_mod_rs(p));
        let b_mod = modules.get(b).is_some_and(|p| is_mod_rs(p));
        (a_mod && folder(&modules, b) == a) || (b_mod && folder(&modules, a) == b)
    };
    // The TUI's layers; the rest of the crate is held to the flow rules above.
    let nodes: Vec<&String> = edges
        .keys()
        .filter(|m| {
            CHECKED
                .iter()
                .any(|l| *m == l || m.starts_with(&format!("{l}::")))
        })
        .collect();
    let index_of: BTreeMap<&str, usize> = nodes
        .iter()
        .enumerate()
        .map(|(i, n)| (n.as_str(), i))
        .collect();
    let adj: Vec<Vec<usize>> = nodes
        .iter()
        .map(|n| {
            edges[*n]
                .iter()
                .filter(|t| !allowed(n, t))
                .filter_map(|t| index_of.get(t.as_str()).copied())
                .collect()
        })
        .collect();
    // What each file reaches; two files that reach each other share a cycle.
    let reach: Vec<Vec<bool>> = (0..nodes.len())
        .map(|start| {
            let mut seen = vec![false; nodes.len()];
            let mut stack = adj[start].clone();
            while let Some(v) = stack.pop() {
                if !seen[v] {
                    seen[v] = true;
                    stack.extend(&adj[v]);
                }
            }
            seen
        })
        .collect();
    let mut grouped = vec![false; nodes.len()];
    let mut sccs: Vec<Vec<usize>> = Vec::new();
    for v in 0..nodes.len() {
        if grouped[v] || !reach[v][v] {
            continue;
        }
        let comp: Vec<usize> = (0..nodes.len())
            .filter(|&w| reach[v][w] && reach[w][v])
            .collect();
        for &w in &comp {
            grouped[w] = true;
        }
        sccs.push(comp);
    }
    let cycles: Vec<String> = sccs
        .into_iter()
        .filter(|c| c.len() > 1)
        .map(|c| {
            let mut names: Vec<&str> = c.iter().map(|&i| nodes[i].as_str()).collect();
            names.sort_unstable();
            names.join(" ↔ ")
        })
        .collect();
    assert!(cycles.is_empty(), "import cycles:\n{}", cycles.join("\n"));
}

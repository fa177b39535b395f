//! Shared checks for meshscope's fuzz targets: what every rendered output must satisfy.
//!
//! Each target calls the library's public parsers and render functions (the
//! ones the CLI prints and the TUI draws from) and then asserts the cheap
//! invariants here: text passed through the output boundary carries no
//! control character, and `-o json` output is JSON that decodes to the same
//! value after escaping.

use std::io::Write;

use meshscope::cli::{Output, PcArgs, PcKind};
use meshscope::commands::output::{escape_controls, Escaping};
use meshscope::model::config_dump::ConfigDump;

/// Unix seconds used wherever a render asks for "now" (a fixed value keeps runs reproducible).
pub const NOW: i64 = 1_780_000_000;

/// The input as text, or `None` when it is not UTF-8 (every command refuses that first).
pub fn text(data: &[u8]) -> Option<&str> {
    std::str::from_utf8(data).ok()
}

/// Whether a character must not reach a terminal raw (the output module's rule).
fn is_control(c: char) -> bool {
    matches!(c, '\0'..='\x08' | '\x0b'..='\x1f' | '\x7f'..='\u{9f}')
}

/// Writes `out` through the escaping writer in chunks of `split` bytes (so
/// UTF-8 sequences get cut across writes), asserts that what reaches the
/// terminal has no control character and equals [`escape_controls`], and
/// returns it.
pub fn terminal_safe(out: &str, split: usize) -> String {
    let mut bytes = Vec::with_capacity(out.len() + 16);
    {
        let mut w = Escaping::new(&mut bytes);
        for chunk in out.as_bytes().chunks(split.max(1)) {
            assert!(w.write_all(chunk).is_ok(), "writing to a Vec cannot fail");
        }
        assert!(w.finish().is_ok(), "finishing into a Vec cannot fail");
    }
    let shown = match String::from_utf8(bytes) {
        Ok(s) => s,
        Err(e) => panic!("escaped output is not UTF-8: {e}"),
    };
    if let Some(c) = shown.chars().find(|&c| is_control(c)) {
        panic!("control character {c:?} reached the terminal");
    }
    assert_eq!(
        shown,
        escape_controls(out),
        "the writer and escape_controls disagree"
    );
    shown
}

/// A chunk size from 1 to 8 picked from the input, so every target also
/// fuzzes the escaping writer's handling of split characters.
pub fn split_of(data: &[u8]) -> usize {
    data.len() % 8 + 1
}

/// Checks rendered `-o json` text: it parses, and the escaped form a terminal
/// receives parses to the same value. Output nested past serde_json's
/// recursion limit (an input nested almost that deep, wrapped in a row) is
/// only checked for terminal safety; output that only serde_json's `Value`
/// refuses (a number past f64, a lone surrogate, kept from the input as
/// written) is checked for JSON syntax.
pub fn check_json(out: &str, split: usize) {
    let shown = terminal_safe(out, split);
    let value: serde_json::Value = match serde_json::from_str(out) {
        Ok(v) => v,
        Err(e) if e.to_string().contains("recursion limit") => return,
        // serde_json's `Value` refuses some JSON the grammar allows and the
        // input had (a number past f64 such as `1E048576`, a lone surrogate
        // escape such as `\uda44`), which `-o json` passes through as
        // written. Output its `RawValue` reads is grammatical JSON; only that
        // (for the output and its escaped form) can be checked then.
        Err(_) if serde_json::from_str::<Box<serde_json::value::RawValue>>(out).is_ok() => {
            if let Err(e) = serde_json::from_str::<Box<serde_json::value::RawValue>>(&shown) {
                panic!("escaped -o json output is not JSON: {e}");
            }
            return;
        }
        Err(e) => panic!("-o json output is not JSON: {e}\n{out}"),
    };
    let back: serde_json::Value = match serde_json::from_str(&shown) {
        Ok(v) => v,
        Err(e) => panic!("escaped -o json output is not JSON: {e}"),
    };
    assert_eq!(back, value, "escaping changed the JSON value");
}

/// Checks a rendered output in the given format.
pub fn check_output(output: Output, out: &str, split: usize) {
    match output {
        Output::Json => check_json(out, split),
        Output::Table => {
            terminal_safe(out, split);
        }
    }
}

/// `meshscope pc KIND` arguments with no filter.
pub fn pc_args(kind: PcKind, output: Output, with_headers: bool) -> PcArgs {
    PcArgs {
        kind,
        file: None,
        admin: None,
        bundle: None,
        pod: None,
        output,
        fqdn: None,
        port: None,
        subset: None,
        direction: None,
        address: None,
        listener_type: None,
        name: None,
        cluster: None,
        status: None,
        with_headers,
    }
}

/// Parses a config dump and renders one `pc` table as a table and as JSON,
/// checking both; errors (a dump that does not parse, a resource that does
/// not decode) are fine, panics are not.
pub fn pc(data: &[u8], kind: PcKind) {
    let Some(text) = text(data) else { return };
    let Ok(dump) = ConfigDump::parse(text) else {
        return;
    };
    let split = split_of(data);
    for output in [Output::Table, Output::Json] {
        let headers = data.len() % 2 == 0;
        if let Ok(out) =
            meshscope::commands::pc::render(&dump, &pc_args(kind, output, headers), NOW)
        {
            check_output(output, &out, split);
        }
    }
}

/// Both outputs, for render functions that take the output format first.
pub fn both<E>(data: &[u8], mut render: impl FnMut(Output) -> Result<String, E>) {
    let split = split_of(data);
    for output in [Output::Table, Output::Json] {
        if let Ok(out) = render(output) {
            check_output(output, &out, split);
        }
    }
}

/// `stats` (listing) and `stats --highlights` (one read, no thresholds) of
/// a body, and the TUI's stats pane data; every output checked.
pub fn stats_commands(data: &[u8], text: &str) {
    use meshscope::commands::stats::{highlights_once, list};
    let limits = std::collections::HashMap::new();
    both(data, |o| list(o, "fuzz", text, None));
    both(data, |o| highlights_once(o, "fuzz", text, &limits));
    if let Ok(pane) = meshscope::app::stats::data::process_stats(text) {
        let _ = pane.highlighted_stats();
    }
}

/// Every line of `text` through the access-log parser, a few filters, and
/// `meshscope logs` formatting (text and JSON), checked.
pub fn access_log(data: &[u8], text: &str) {
    use meshscope::commands::logs::format_line;
    use meshscope::model::access_log::{parse_flags, parse_line, LogFilter, LogLine, StatusFilter};
    let split = split_of(data);
    let mut filter = LogFilter::default().with_flags("UH,UF,NR");
    filter.status = StatusFilter::parse("5xx").ok();
    for raw in text.lines() {
        let line = parse_line(raw);
        let _ = filter.matches(&line);
        if let LogLine::Access(e) = &line {
            let _ = (e.code_label(), e.flags_label(), e.is_5xx());
            for f in &e.response_flags {
                let _ = (f.short(), f.meaning());
            }
        }
        terminal_safe(&format_line(&line, raw), split);
        if let Ok(json) = serde_json::to_string(&line) {
            check_json(&json, split);
        }
    }
    let _ = parse_flags(text);
    let _ = StatusFilter::parse(text);
}

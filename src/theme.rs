//! Themes: colours by role (`ok`, `warn`, `error`, `focus_border`…), loaded
//! from `themes/*.toml` (embedded) or a user file. Configuration, like
//! [`crate::config`]: the app holds the chosen theme, the ui draws with it.
//! Views ask for roles and never name colours; under `NO_COLOR` every role is
//! plain text plus modifiers (bold, reversed, underline), so meaning survives
//! without colour.

use ratatui::style::{Color, Modifier, Style};

/// The built-in themes, embedded from `themes/`.
pub const BUILTIN: &[(&str, &str)] = &[
    ("dark", include_str!("../themes/dark.toml")),
    ("light", include_str!("../themes/light.toml")),
    (
        "high-contrast",
        include_str!("../themes/high-contrast.toml"),
    ),
];

/// Semantic styles used by every view.
#[derive(Debug, Clone, PartialEq)]
pub struct Theme {
    /// Theme name.
    pub name: String,
    /// Body text.
    pub text: Style,
    /// Secondary text: ages, hints, empty cells.
    pub dim: Style,
    /// Titles, active tab, key hints.
    pub accent: Style,
    /// Column headers.
    pub header: Style,
    /// Healthy / synced / zero overflow.
    pub ok: Style,
    /// Worth a look: warming, stale, rising counters.
    pub warn: Style,
    /// Breaks production: overflow, rejected, no healthy upstream.
    pub error: Style,
    /// Borders of unfocused panes.
    pub border: Style,
    /// Border of the focused pane.
    pub focus_border: Style,
    /// The row under the cursor.
    pub selection: Style,
    /// Filter and search matches.
    pub matched: Style,
}

use crate::model::severity::Severity;

impl Theme {
    /// The style for a severity.
    pub fn severity(&self, s: Severity) -> Style {
        match s {
            Severity::Ok => self.ok,
            Severity::Info => self.accent,
            Severity::Warn => self.warn,
            Severity::Error => self.error,
        }
    }

    /// The default dark theme.
    pub fn dark() -> Theme {
        // The embedded file is tested to parse; fall back to monochrome rather than panic.
        Theme::from_toml(BUILTIN[0].1)
            .map(|(t, _)| t)
            .unwrap_or_else(|_| Theme::monochrome())
    }

    /// No colours at all, for `NO_COLOR`: meaning carried by modifiers.
    pub fn monochrome() -> Theme {
        let plain = Style::default();
        Theme {
            name: "no-color".to_string(),
            text: plain,
            dim: plain.add_modifier(Modifier::DIM),
            accent: plain.add_modifier(Modifier::BOLD),
            header: plain.add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            ok: plain,
            warn: plain.add_modifier(Modifier::BOLD),
            error: plain.add_modifier(Modifier::BOLD | Modifier::REVERSED),
            border: plain,
            focus_border: plain.add_modifier(Modifier::BOLD),
            selection: plain.add_modifier(Modifier::REVERSED),
            matched: plain.add_modifier(Modifier::UNDERLINED),
        }
    }

    /// A built-in theme by name.
    pub fn builtin(name: &str) -> Option<Result<(Theme, Vec<String>), String>> {
        BUILTIN
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, text)| Theme::from_toml(text))
    }

    /// Parses a theme file. Unknown roles and bad colours are warnings (the
    /// role keeps the dark theme's value); only unparsable TOML is an error.
    pub fn from_toml(text: &str) -> Result<(Theme, Vec<String>), String> {
        let doc: toml::Table = text
            .parse()
            .map_err(|e: toml::de::Error| format!("invalid theme TOML: {}", e.message()))?;
        let mut warnings = Vec::new();
        let name = doc
            .get("name")
            .and_then(|v| v.as_str())
            .unwrap_or("custom")
            .to_string();
        let colors = match doc.get("colors") {
            Some(toml::Value::Table(t)) => t.clone(),
            Some(_) => {
                warnings.push("theme: [colors] must be a table".to_string());
                toml::Table::new()
            }
            None => toml::Table::new(),
        };
        let mut c = Colors::fallback();
        for (role, value) in &colors {
            let Some(slot) = c.slot(role) else {
                warnings.push(format!("theme: unknown colour role `{role}` ignored"));
                continue;
            };
            match value.as_str().map(parse_color) {
                Some(Ok(color)) => *slot = color,
                Some(Err(e)) => warnings.push(format!("theme: {role}: {e}")),
                None => warnings.push(format!("theme: {role}: expected a string")),
            }
        }
        Ok((c.into_theme(name), warnings))
    }
}

/// Raw colours by role before they become styles.
struct Colors {
    fg: Color,
    bg: Color,
    dim: Color,
    accent: Color,
    header: Color,
    ok: Color,
    warn: Color,
    error: Color,
    border: Color,
    focus_border: Color,
    selection_fg: Color,
    selection_bg: Color,
    matched: Color,
}

impl Colors {
    fn fallback() -> Colors {
        Colors {
            fg: Color::Reset,
            bg: Color::Reset,
            dim: Color::DarkGray,
            accent: Color::Blue,
            header: Color::Magenta,
            ok: Color::Green,
            warn: Color::Yellow,
            error: Color::Red,
            border: Color::DarkGray,
            focus_border: Color::Blue,
            selection_fg: Color::Black,
            selection_bg: Color::Blue,
            matched: Color::LightRed,
        }
    }

    fn slot(&mut self, role: &str) -> Option<&mut Color> {
        Some(match role {
            "fg" => &mut self.fg,
            "bg" => &mut self.bg,
            "dim" => &mut self.dim,
            "accent" => &mut self.accent,
            "header" => &mut self.header,
            "ok" => &mut self.ok,
            "warn" => &mut self.warn,
            "error" => &mut self.error,
            "border" => &mut self.border,
            "focus_border" => &mut self.focus_border,
            "selection_fg" => &mut self.selection_fg,
            "selection_bg" => &mut self.selection_bg,
            "match" => &mut self.matched,
            _ => return None,
        })
    }

    fn into_theme(self, name: String) -> Theme {
        let base = Style::default().fg(self.fg).bg(self.bg);
        Theme {
            name,
            text: base,
            dim: base.fg(self.dim),
            accent: base.fg(self.accent).add_modifier(Modifier::BOLD),
            header: base.fg(self.header).add_modifier(Modifier::BOLD),
            ok: base.fg(self.ok),
            warn: base.fg(self.warn).add_modifier(Modifier::BOLD),
            error: base.fg(self.error).add_modifier(Modifier::BOLD),
            border: base.fg(self.border),
            focus_border: base.fg(self.focus_border).add_modifier(Modifier::BOLD),
            selection: Style::default().fg(self.selection_fg).bg(self.selection_bg),
            matched: base.fg(self.matched).add_modifier(Modifier::UNDERLINED),
        }
    }
}

/// Parses `#rrggbb`, a colour name, `indexed:N` or `reset`.
pub fn parse_color(s: &str) -> Result<Color, String> {
    let t = s.trim().to_ascii_lowercase();
    if let Some(hex) = t.strip_prefix('#') {
        if hex.len() == 6 {
            if let Ok(v) = u32::from_str_radix(hex, 16) {
                let [_, r, g, b] = v.to_be_bytes();
                return Ok(Color::Rgb(r, g, b));
            }
        }
        return Err(format!("`{s}` is not a #rrggbb colour"));
    }
    if let Some(n) = t.strip_prefix("indexed:") {
        return n
            .parse::<u8>()
            .map(Color::Indexed)
            .map_err(|_| format!("`{s}`: indexed colours are 0-255"));
    }
    Ok(match t.as_str() {
        "reset" | "default" => Color::Reset,
        "black" => Color::Black,
        "red" => Color::Red,
        "green" => Color::Green,
        "yellow" => Color::Yellow,
        "blue" => Color::Blue,
        "magenta" => Color::Magenta,
        "cyan" => Color::Cyan,
        "gray" | "grey" => Color::Gray,
        "darkgray" | "darkgrey" => Color::DarkGray,
        "lightred" => Color::LightRed,
        "lightgreen" => Color::LightGreen,
        "lightyellow" => Color::LightYellow,
        "lightblue" => Color::LightBlue,
        "lightmagenta" => Color::LightMagenta,
        "lightcyan" => Color::LightCyan,
        "white" => Color::White,
        _ => return Err(format!("unknown colour `{s}`")),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_builtin_theme_parses_without_warnings() {
        for (name, text) in BUILTIN {
            let (theme, warnings) = Theme::from_toml(text).unwrap();
            assert_eq!(&theme.name, name);
            assert!(warnings.is_empty(), "{name}: {warnings:?}");
            assert_ne!(theme.ok, theme.error, "{name}: ok and error must differ");
        }
    }

    #[test]
    fn bad_colours_and_unknown_roles_are_warnings() {
        let (t, w) = Theme::from_toml(
            "[colors]\nok = \"#12\"\nwat = \"red\"\nerror = \"indexed:300\"\nwarn = 3\n",
        )
        .unwrap();
        assert_eq!(
            w,
            vec![
                "theme: error: `indexed:300`: indexed colours are 0-255".to_string(),
                "theme: ok: `#12` is not a #rrggbb colour".to_string(),
                "theme: warn: expected a string".to_string(),
                "theme: unknown colour role `wat` ignored".to_string(),
            ]
        );
        assert_eq!(t.ok.fg, Some(Color::Green));
    }

    #[test]
    fn broken_toml_is_an_error() {
        let e = Theme::from_toml("[colors\n").unwrap_err();
        assert!(e.starts_with("invalid theme TOML"), "{e}");
    }

    #[test]
    fn monochrome_has_no_colours() {
        let m = Theme::monochrome();
        for s in [m.text, m.ok, m.warn, m.error, m.selection, m.accent] {
            assert_eq!(s.fg, None);
            assert_eq!(s.bg, None);
        }
        assert_ne!(m.error, m.ok, "severity still visible without colour");
    }
}

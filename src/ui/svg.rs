//! A terminal buffer as SVG: one `<text>` run per stretch of same-styled
//! cells over background rectangles, in a monospace grid. Used by the
//! screenshot script so `screenshots/` always shows the real UI.

use std::fmt::Write;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

/// Cell size in SVG units.
const CW: f32 = 8.4;
const CH: f32 = 17.0;
/// Terminal default colours (what `Color::Reset` means here).
const DEFAULT_FG: &str = "#c0caf5";
const DEFAULT_BG: &str = "#1a1b26";

/// The 16 ANSI colours and the xterm 256 palette, as hex.
fn hex(c: Color, fg: bool) -> String {
    const ANSI: [&str; 16] = [
        "#15161e", "#f7768e", "#9ece6a", "#e0af68", "#7aa2f7", "#bb9af7", "#7dcfff", "#a9b1d6",
        "#414868", "#ff899d", "#9fe044", "#faba4a", "#8db0ff", "#c7a9ff", "#a4daff", "#c0caf5",
    ];
    match c {
        Color::Reset => (if fg { DEFAULT_FG } else { DEFAULT_BG }).to_string(),
        Color::Rgb(r, g, b) => format!("#{r:02x}{g:02x}{b:02x}"),
        Color::Indexed(i) if i < 16 => ANSI[usize::from(i)].to_string(),
        Color::Indexed(i) if i >= 232 => {
            let v = 8 + 10 * (i - 232);
            format!("#{v:02x}{v:02x}{v:02x}")
        }
        Color::Indexed(i) => {
            let i = i - 16;
            let level = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
            format!(
                "#{:02x}{:02x}{:02x}",
                level(i / 36),
                level(i / 6 % 6),
                level(i % 6)
            )
        }
        named => {
            let idx = match named {
                Color::Black => 0,
                Color::Red => 1,
                Color::Green => 2,
                Color::Yellow => 3,
                Color::Blue => 4,
                Color::Magenta => 5,
                Color::Cyan => 6,
                Color::Gray => 7,
                Color::DarkGray => 8,
                Color::LightRed => 9,
                Color::LightGreen => 10,
                Color::LightYellow => 11,
                Color::LightBlue => 12,
                Color::LightMagenta => 13,
                Color::LightCyan => 14,
                _ => 15,
            };
            ANSI[idx].to_string()
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders a buffer as a standalone SVG document.
pub fn buffer_to_svg(buf: &Buffer, title: &str) -> String {
    let (w, h) = (buf.area.width, buf.area.height);
    let mut out = String::new();
    let _ = writeln!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{:.0}" height="{:.0}" viewBox="0 0 {:.0} {:.0}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="14">"#,
        f32::from(w) * CW,
        f32::from(h) * CH,
        f32::from(w) * CW,
        f32::from(h) * CH
    );
    let _ = writeln!(out, "<title>{}</title>", escape(title));
    let _ = writeln!(
        out,
        r#"<rect width="100%" height="100%" fill="{DEFAULT_BG}"/>"#
    );
    for y in 0..h {
        let mut x = 0;
        while x < w {
            // A run of cells with the same style.
            let first = &buf[(x, y)];
            let style = (first.fg, first.bg, first.modifier);
            let start = x;
            let mut text = String::new();
            while x < w {
                let c = &buf[(x, y)];
                if (c.fg, c.bg, c.modifier) != style {
                    break;
                }
                text.push_str(c.symbol());
                x += 1;
            }
            let (mut fg, mut bg) = (hex(style.0, true), hex(style.1, false));
            if style.2.contains(Modifier::REVERSED) {
                std::mem::swap(&mut fg, &mut bg);
            }
            let (px, py, pw) = (
                f32::from(start) * CW,
                f32::from(y) * CH,
                f32::from(x - start) * CW,
            );
            if bg != DEFAULT_BG {
                let _ = writeln!(
                    out,
                    r#"<rect x="{px:.1}" y="{py:.1}" width="{pw:.1}" height="{CH:.1}" fill="{bg}"/>"#
                );
            }
            if text.trim().is_empty() {
                continue;
            }
            let mut attrs = String::new();
            if style.2.contains(Modifier::BOLD) {
                attrs.push_str(r#" font-weight="bold""#);
            }
            if style.2.contains(Modifier::UNDERLINED) {
                attrs.push_str(r#" text-decoration="underline""#);
            }
            if style.2.contains(Modifier::DIM) {
                attrs.push_str(r#" opacity="0.6""#);
            }
            let _ = writeln!(
                out,
                r#"<text x="{px:.1}" y="{:.1}" fill="{fg}" xml:space="preserve" textLength="{pw:.1}" lengthAdjust="spacingAndGlyphs"{attrs}>{}</text>"#,
                py + CH * 0.78,
                escape(&text)
            );
        }
    }
    out.push_str("</svg>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use ratatui::layout::Rect;
    use ratatui::style::Style;

    #[test]
    fn runs_colours_and_escaping() {
        let mut buf = Buffer::empty(Rect::new(0, 0, 6, 2));
        buf.set_string(
            0,
            0,
            "<a&b>",
            Style::default()
                .fg(Color::Rgb(255, 0, 0))
                .add_modifier(Modifier::BOLD),
        );
        buf.set_string(0, 1, "ok", Style::default().bg(Color::Blue));
        let svg = buffer_to_svg(&buf, "t");
        assert!(svg.contains(r##"fill="#ff0000" xml:space="preserve" textLength="42.0" lengthAdjust="spacingAndGlyphs" font-weight="bold">&lt;a&amp;b&gt;</text>"##), "{svg}");
        assert!(
            svg.contains(r##"fill="#7aa2f7"/>"##),
            "background rect for blue: {svg}"
        );
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>\n"));
    }
}

//! Renders a [`Doc`] as a terminal table, Markdown or CSV.

use std::borrow::Cow;

use comfy_table::{presets::UTF8_FULL_CONDENSED, Color, ContentArrangement, Table};

use super::doc::{Block, Cell, Doc, Grid};
use super::{plain_grid, safe_text};
use crate::scale::Rag;

/// Text for a terminal; `colour` paints status cells by RAG (only when writing to a terminal).
///
/// Every heading, note, column name and cell is shown through [`safe_text::terminal`]: a
/// control or bidirectional character in the ledger shows as its escape (`\u{1b}`, `\n`),
/// so no recorded text can move the cursor, clear the screen or break a row.
pub fn to_table(doc: &Doc, colour: bool) -> String {
    let mut out = String::new();
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(&safe_text::terminal(h));
                out.push('\n');
            }
            Block::Note(n) => {
                out.push_str(&safe_text::terminal(n));
                out.push('\n');
            }
            Block::Grid(g) => {
                // Without colour comfy-table has no width to wrap to, so its output is a
                // plain padded grid: written directly, unless a column is too wide for it.
                if colour || plain_grid::write_grid(&mut out, g).is_err() {
                    out.push_str(&grid_table(g, colour).to_string());
                }
                out.push('\n');
            }
        }
    }
    out
}

fn rag_colour(rag: Rag) -> Color {
    match rag {
        Rag::Red => Color::Red,
        Rag::Amber => Color::Yellow,
        Rag::Green => Color::Green,
        Rag::Blue => Color::Blue,
    }
}

/// The grid as a comfy-table table; without colour its `to_string()` is what
/// [`plain_grid::write_grid`] writes.
pub(super) fn grid_table(g: &Grid, colour: bool) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(g.header.iter().map(|h| safe_text::terminal(h).into_owned()));
    if colour {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    for row in &g.rows {
        t.add_row(row.iter().map(|c| {
            let cell = comfy_table::Cell::new(safe_text::terminal(&c.text));
            match (colour, c.rag) {
                (true, Some(rag)) => cell.fg(rag_colour(rag)),
                _ => cell,
            }
        }));
    }
    t
}

/// GitHub-flavoured Markdown, every heading at level 2.
pub fn to_markdown(doc: &Doc) -> String {
    to_markdown_titled(doc, false)
}

/// Markdown in which no text can become markup: besides what tables need (`|`, line
/// breaks), every character Markdown or inline HTML gives a meaning to (backslash,
/// backtick, `* _ [ ] < > &` and a leading `#`) is backslash-escaped, so an action text such as
/// `<script>…</script>` shows as text in any renderer. With `title`, the first heading is
/// a level-1 heading (a document's title); every other heading is level 2.
pub fn to_markdown_titled(doc: &Doc, title: bool) -> String {
    let mut out = String::new();
    let mut first = title;
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                let level = if std::mem::take(&mut first) {
                    "#"
                } else {
                    "##"
                };
                out.push_str(&format!("{level} {}\n\n", md_text(h)));
            }
            Block::Note(n) => out.push_str(&format!("{}\n\n", md_text(n))),
            Block::Grid(g) => {
                let header: Vec<String> = g.header.iter().map(|h| md_text(h)).collect();
                out.push_str(&format!("| {} |\n", header.join(" | ")));
                out.push_str(&format!("|{}\n", "---|".repeat(g.header.len())));
                for row in &g.rows {
                    let cells: Vec<String> = row.iter().map(|c| md_text(&c.text)).collect();
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
                out.push('\n');
            }
        }
    }
    out
}

fn md_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for (i, c) in s.chars().enumerate() {
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '&' | '|' => {
                out.push('\\');
                out.push(c);
            }
            '#' if i == 0 => out.push_str("\\#"),
            '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

/// CSV (RFC 4180 quoting, `\n` line ends) of the document's grids (a blank line between grids, if several).
///
/// Unless `raw`, a cell (column names included) that a spreadsheet would run as a formula
/// gets a leading `'` ([`safe_text::csv_cell`]); otherwise cells hold the exact text.
pub fn to_csv(doc: &Doc, raw: bool) -> String {
    let mut out = String::new();
    for (i, g) in doc.grids().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        csv_row(&mut out, g.header.iter().map(String::as_str), raw);
        for row in &g.rows {
            csv_row(&mut out, row.iter().map(|c: &Cell| c.text.as_ref()), raw);
        }
    }
    out
}

fn csv_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>, raw: bool) {
    for (i, c) in cells.enumerate() {
        if i > 0 {
            out.push(',');
        }
        out.push_str(&csv_field(c, raw));
    }
    out.push('\n');
}

/// One CSV field: the cell's text ([`safe_text::csv_cell`]), quoted if it needs to be.
pub(super) fn csv_field(c: &str, raw: bool) -> Cow<'_, str> {
    let c = safe_text::csv_cell(c, raw);
    if c.contains([',', '"', '\n', '\r']) {
        Cow::Owned(format!("\"{}\"", c.replace('"', "\"\"")))
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn doc() -> Doc {
        let mut g = Grid::new(&["action", "RAG May 20"]);
        g.rows.push(vec![
            Cell::text("1.1"),
            Cell::status("Completed, \"fully\"", Some(Rag::Green)),
        ]);
        let mut d = Doc::default();
        d.heading("Plan");
        d.grid(g);
        d
    }

    #[test]
    fn csv_quotes_only_what_needs_it() {
        assert_eq!(
            to_csv(&doc(), false),
            "action,RAG May 20\n1.1,\"Completed, \"\"fully\"\"\"\n"
        );
    }

    #[test]
    fn csv_neutralises_formulas_unless_raw() {
        let mut g = Grid::new(&["action", "=HYPERLINK(\"x\")"]);
        g.rows.push(vec![Cell::text("-x"), Cell::text("@x,y")]);
        let mut d = Doc::default();
        d.grid(g);
        assert_eq!(
            to_csv(&d, false),
            "action,\"'=HYPERLINK(\"\"x\"\")\"\n'-x,\"'@x,y\"\n"
        );
        assert_eq!(
            to_csv(&d, true),
            "action,\"=HYPERLINK(\"\"x\"\")\"\n-x,\"@x,y\"\n"
        );
    }

    /// The text without its colour codes (`ESC [ digits and ; m`).
    fn strip_sgr(t: &str) -> String {
        let mut out = String::new();
        let mut rest = t;
        while let Some(i) = rest.find('\u{1b}') {
            out.push_str(&rest[..i]);
            let after = &rest[i + 1..];
            let end = after
                .strip_prefix('[')
                .and_then(|a| {
                    a.find(|c: char| !c.is_ascii_digit() && c != ';')
                        .map(|j| (a, j))
                })
                .filter(|(a, j)| a[*j..].starts_with('m'));
            match end {
                Some((_, j)) => rest = &after[j + 2..],
                None => {
                    out.push('\u{1b}');
                    rest = after;
                }
            }
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn table_shows_controls_in_text_as_escapes() {
        let mut g = Grid::new(&["a\u{1b}[2J"]);
        g.rows.push(vec![Cell::status(
            "x\ry\nz\u{202e}\u{9b}",
            Some(Rag::Green),
        )]);
        let mut d = Doc::default();
        d.heading("h\u{1b}]0;t\u{7}");
        d.note("n\r\u{2066}");
        d.grid(g);
        for colour in [false, true] {
            let t = to_table(&d, colour);
            for shown in [
                "a\\u{1b}[2J",
                "x\\ry\\nz\\u{202e}\\u{9b}",
                "h\\u{1b}]0;t\\u{7}",
                "n\\r\\u{2066}",
            ] {
                assert!(t.contains(shown), "{shown} in {t}");
            }
            let raw = strip_sgr(&t);
            assert!(
                !raw.chars().any(|c| c != '\n' && safe_text::is_unsafe(c)),
                "{raw:?}"
            );
        }
    }

    #[test]
    fn markdown_escapes_pipes_and_newlines() {
        let mut d = doc();
        if let Block::Grid(g) = &mut d.blocks[1] {
            g.rows[0][0].text = "a|b\nc".into();
        }
        assert!(to_markdown(&d).contains("| a\\|b c |"));
    }

    #[test]
    fn table_has_no_escape_codes_without_colour() {
        let t = to_table(&doc(), false);
        assert!(t.contains("Completed") && !t.contains('\u{1b}'), "{t}");
        assert!(to_table(&doc(), true).contains('\u{1b}'));
    }

    #[test]
    fn safe_markdown_leaves_no_markup_in_text() {
        let mut d = Doc::default();
        d.heading("# Title");
        d.note("<script>alert(1)</script> & \"q\" *x* [l](u)");
        let mut g = Grid::new(&["a|b"]);
        g.rows.push(vec![Cell::text("line\nbreak `c` _u_")]);
        d.grid(g);
        let md = to_markdown_titled(&d, true);
        assert!(md.starts_with("# \\# Title\n\n"), "{md}");
        assert!(
            md.contains("\\<script\\>alert(1)\\</script\\> \\& \"q\" \\*x\\* \\[l\\](u)"),
            "{md}"
        );
        assert!(
            md.contains("| a\\|b |") && md.contains("| line break \\`c\\` \\_u\\_ |"),
            "{md}"
        );
        assert!(
            md.match_indices('<').all(|(i, _)| md[..i].ends_with('\\')),
            "{md}"
        );
    }
}

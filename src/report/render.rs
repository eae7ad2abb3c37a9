//! Renders a [`Doc`] as a terminal table, Markdown or CSV.

use comfy_table::{presets::UTF8_FULL_CONDENSED, Color, ContentArrangement, Table};

use super::doc::{Block, Cell, Doc, Grid};
use crate::scale::Rag;

/// Text for a terminal; `colour` paints status cells by RAG (only when writing to a terminal).
pub fn to_table(doc: &Doc, colour: bool) -> String {
    let mut out = String::new();
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => {
                if !out.is_empty() {
                    out.push('\n');
                }
                out.push_str(h);
                out.push('\n');
            }
            Block::Note(n) => {
                out.push_str(n);
                out.push('\n');
            }
            Block::Grid(g) => {
                out.push_str(&grid_table(g, colour).to_string());
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

fn grid_table(g: &Grid, colour: bool) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(g.header.clone());
    if colour {
        t.enforce_styling();
    } else {
        t.force_no_tty();
    }
    for row in &g.rows {
        t.add_row(row.iter().map(|c| {
            let cell = comfy_table::Cell::new(&c.text);
            match (colour, c.rag) {
                (true, Some(rag)) => cell.fg(rag_colour(rag)),
                _ => cell,
            }
        }));
    }
    t
}

/// GitHub-flavoured Markdown.
pub fn to_markdown(doc: &Doc) -> String {
    let mut out = String::new();
    for block in &doc.blocks {
        match block {
            Block::Heading(h) => out.push_str(&format!("## {}\n\n", md_escape(h))),
            Block::Note(n) => out.push_str(&format!("{}\n\n", md_escape(n))),
            Block::Grid(g) => {
                let header: Vec<String> = g.header.iter().map(|h| md_escape(h)).collect();
                out.push_str(&format!("| {} |\n", header.join(" | ")));
                out.push_str(&format!("|{}\n", "---|".repeat(g.header.len())));
                for row in &g.rows {
                    let cells: Vec<String> = row.iter().map(|c| md_escape(&c.text)).collect();
                    out.push_str(&format!("| {} |\n", cells.join(" | ")));
                }
                out.push('\n');
            }
        }
    }
    out
}

fn md_escape(s: &str) -> String {
    s.replace('\\', "\\\\")
        .replace('|', "\\|")
        .replace(['\n', '\r'], " ")
}

/// CSV (RFC 4180 quoting, `\n` line ends) of the document's grids (a blank line between grids, if several).
pub fn to_csv(doc: &Doc) -> String {
    let mut out = String::new();
    for (i, g) in doc.grids().enumerate() {
        if i > 0 {
            out.push('\n');
        }
        csv_row(&mut out, g.header.iter().map(String::as_str));
        for row in &g.rows {
            csv_row(&mut out, row.iter().map(|c: &Cell| c.text.as_str()));
        }
    }
    out
}

fn csv_row<'a>(out: &mut String, cells: impl Iterator<Item = &'a str>) {
    let cells: Vec<String> = cells
        .map(|c| {
            if c.contains([',', '"', '\n', '\r']) {
                format!("\"{}\"", c.replace('"', "\"\""))
            } else {
                c.to_string()
            }
        })
        .collect();
    out.push_str(&cells.join(","));
    out.push('\n');
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
            to_csv(&doc()),
            "action,RAG May 20\n1.1,\"Completed, \"\"fully\"\"\"\n"
        );
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
}

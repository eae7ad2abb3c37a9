//! A self-contained HTML page for the board report: inline CSS and SVG, no scripts, no
//! network, every piece of text escaped; readable on screen and printable to A4.

use std::fmt::Write;

use super::board::BoardReport;
use super::board_doc::{
    actions_grid, appendix_lines, counts_grid, gap_groups_grid, gaps_explained_uk, held_text,
    matrix_grid, moved_entries_grid, moved_grid, moved_heading, report_intro, trend_text,
    APPENDIX_TITLE,
};
use super::doc::Grid;
use super::markers::{inline_svg, marker, rank_of_text};
use super::trend_svg::trend_svg;
use crate::scale::{Rag, StatusScale};

/// Escapes text for use in HTML content and in double- or single-quoted attributes.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            // Controls other than tab and newline have no business in a page.
            c if c.is_control() && c != '\t' && c != '\n' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

fn rag_class(rag: Rag) -> &'static str {
    match rag {
        Rag::Red => "rag-red",
        Rag::Amber => "rag-amber",
        Rag::Green => "rag-green",
        Rag::Blue => "rag-blue",
    }
}

const CSS: &str = r#"
@page { size: A4; margin: 12mm 11mm 14mm; }
:root { --ink: #1d232b; --muted: #5b6470; --rule: #d5dae0; --band: #f3f5f7; }
* { box-sizing: border-box; }
html { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
body { margin: 0 auto; max-width: 1120px; padding: 28px 36px 40px; color: var(--ink);
  font: 14px/1.45 "Segoe UI", "Helvetica Neue", Arial, "Liberation Sans", "DejaVu Sans", sans-serif; }
header { border-bottom: 3px solid var(--ink); padding-bottom: 12px; margin-bottom: 8px; }
.kicker { margin: 0; color: var(--muted); font-size: 12px; letter-spacing: .06em; text-transform: uppercase; }
h1 { margin: 4px 0 6px; font-size: 22px; line-height: 1.25; }
h2 { margin: 22px 0 8px; font-size: 16px; border-bottom: 1px solid var(--rule); padding-bottom: 3px;
  break-after: avoid; page-break-after: avoid; }
p { margin: 4px 0; }
.asat { font-size: 15px; }
.summary { margin-top: 10px; padding: 8px 12px; border-left: 5px solid #2e8b57; background: #eef7f1; font-size: 15px; }
.summary.failed { border-left-color: #c0392b; background: #fbeceb; }
.summary p { margin: 3px 0; }
.summary p:first-child { font-weight: 600; }
.provenance { padding: 8px 12px; background: var(--band); overflow-wrap: anywhere;
  font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", monospace; font-size: 11.5px; }
.provenance p { margin: 2px 0; }
section.appendix { break-before: page; page-break-before: always; }
.note { color: var(--muted); font-size: 12.5px; }
.none { padding: 6px 10px; background: #eef7f1; border-left: 4px solid #2e8b57; }
.some { padding: 6px 10px; background: #fff6e5; border-left: 4px solid #d68910; font-weight: 600; }
table { width: 100%; border-collapse: collapse; margin: 6px 0 4px; font-size: 12.5px; }
th, td { border: 1px solid var(--rule); padding: 4px 6px; text-align: left; vertical-align: top;
  overflow-wrap: break-word; }
th { background: var(--band); font-weight: 600; }
thead { display: table-header-group; }
tr { break-inside: avoid; page-break-inside: avoid; }
td.num, th.num { text-align: right; width: 1%; white-space: nowrap; }
table.counts th.num { white-space: normal; width: auto; min-width: 4.5em; }
table.counts td.area { white-space: normal; }
td.id { white-space: nowrap; font-weight: 600; }
td.area { white-space: nowrap; }
td.rag-red { background: #f6d2ce; color: #6d130d; }
td.rag-amber { background: #fde3ad; color: #5c3b00; }
td.rag-green { background: #cfe9d6; color: #113f22; }
td.rag-blue { background: #cfe0f6; color: #0b356b; }
table.matrix td:not(:first-child) { font-size: 11.5px; }
table.actions td.what { font-size: 12px; }
table.actions td.trend { width: 1%; padding: 2px 4px; }
table.actions col.what { width: 42%; }
svg.trend { display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 6px 0; font-size: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
svg.mk { display: inline-block; vertical-align: -1px; margin-right: 4px; }
th svg.mk { margin-right: 3px; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  h1 { font-size: 16pt; }
  h2 { font-size: 12pt; }
  table { font-size: 8.5pt; }
  table.matrix td:not(:first-child), table.actions td.what { font-size: 8pt; }
  section { break-inside: auto; }
}
"#;

/// A grid as a table; status cells get their RAG class, numbers align right.
pub fn grid_html(g: &Grid, class: &str) -> String {
    grid_html_with(g, class, None, |_, _, _| None)
}

/// Like [`grid_html`], with each status of `scale` (cells and column headings) shown with
/// its marker, and `custom(row, column, text)` able to replace a cell's contents
/// (already-safe HTML).
fn grid_html_with(
    g: &Grid,
    class: &str,
    scale: Option<&StatusScale>,
    custom: impl Fn(usize, usize, &str) -> Option<String>,
) -> String {
    let mark = |text: &str| {
        scale
            .and_then(|sc| rank_of_text(sc, text).map(|r| inline_svg(marker(sc, r))))
            .unwrap_or_default()
    };
    let status_column = |h: &str| scale.is_some_and(|sc| sc.rank(h).is_some());
    let mut out = String::new();
    let _ = write!(out, "<table class=\"{}\">\n<thead><tr>", escape(class));
    for h in &g.header {
        let c = if status_column(h) {
            "num"
        } else {
            header_class(h)
        };
        let body = format!("{}{}", mark(h), escape(h));
        if c.is_empty() {
            let _ = write!(out, "<th>{body}</th>");
        } else {
            let _ = write!(out, "<th class=\"{c}\">{body}</th>");
        }
    }
    out.push_str("</tr></thead>\n<tbody>\n");
    for (r, row) in g.rows.iter().enumerate() {
        out.push_str("<tr>");
        for (c, cell) in row.iter().enumerate() {
            let mut classes: Vec<&str> = Vec::new();
            let name = g.header.get(c).map(String::as_str).unwrap_or("");
            match name {
                "action" => classes.push("id"),
                "area" => classes.push("area"),
                "what" => classes.push("what"),
                "trend" => classes.push("trend"),
                _ => {}
            }
            let numeric = !cell.text.is_empty() && cell.text.chars().all(|ch| ch.is_ascii_digit());
            if numeric && name != "area" && name != "action" {
                classes.push("num");
            }
            if let Some(rag) = cell.rag {
                classes.push(rag_class(rag));
            }
            let body = custom(r, c, &cell.text).unwrap_or_else(|| {
                let m = if cell.rag.is_some() && !numeric {
                    mark(&cell.text)
                } else {
                    String::new()
                };
                format!("{m}{}", escape(&cell.text))
            });
            if classes.is_empty() {
                let _ = write!(out, "<td>{body}</td>");
            } else {
                let _ = write!(out, "<td class=\"{}\">{body}</td>", classes.join(" "));
            }
        }
        out.push_str("</tr>\n");
    }
    out.push_str("</tbody>\n</table>\n");
    out
}

fn header_class(h: &str) -> &'static str {
    match h {
        "no status" | "withdrawn" => "num",
        _ => "",
    }
}

/// The scale's statuses, worst first, each with its marker.
fn legend(scale: &StatusScale) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for (rank, s) in scale.0.iter().enumerate() {
        let _ = write!(
            out,
            "<span>{}{}</span>",
            inline_svg(marker(scale, rank)),
            escape(&s.name)
        );
    }
    out.push_str("</div>\n");
    out
}

fn para(out: &mut String, class: &str, text: &str) {
    if class.is_empty() {
        let _ = writeln!(out, "<p>{}</p>", escape(text));
    } else {
        let _ = writeln!(out, "<p class=\"{class}\">{}</p>", escape(text));
    }
}

/// The board report as one self-contained HTML page: a summary a chair can read aloud,
/// the detail behind it, and an appendix for inspectors with what it was produced from.
pub fn board_html(r: &BoardReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} – board report, {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&r.title),
        escape(&r.review.label)
    );
    let scale = Some(&r.scale);

    out.push_str("<header>\n<p class=\"kicker\">Board report</p>\n");
    let _ = writeln!(out, "<h1>{}</h1>", escape(&r.title));
    for (i, line) in report_intro(r).iter().enumerate() {
        para(&mut out, if i == 0 { "asat" } else { "note" }, line);
    }
    let _ = writeln!(
        out,
        "<div class=\"summary{}\">",
        if r.verification.ok { "" } else { " failed" }
    );
    for s in &r.summary.sentences {
        para(&mut out, "", s);
    }
    out.push_str("</div>\n</header>\n");

    out.push_str("<section>\n<h2>Actions by status</h2>\n");
    out.push_str(&grid_html_with(
        &counts_grid(r),
        "counts",
        scale,
        |_, _, _| None,
    ));
    out.push_str("</section>\n");

    let _ = writeln!(out, "<section>\n<h2>{}</h2>", escape(&moved_heading(r)));
    if r.moved.moved_worst_first().is_empty() {
        para(&mut out, "none", "Nothing moved.");
    } else {
        para(&mut out, "note", "Worst first.");
        out.push_str(&grid_html_with(
            &moved_grid(r),
            "moved",
            scale,
            |_, _, _| None,
        ));
    }
    para(&mut out, "note", &held_text(r));
    out.push_str("</section>\n");

    let _ = writeln!(
        out,
        "<section>\n<h2>Readiness gaps at {}</h2>",
        escape(&r.review.label)
    );
    let g = &r.gaps;
    match g.gaps.len() {
        0 => para(
            &mut out,
            "none",
            &format!("No readiness gaps at {}.", g.review.label),
        ),
        n => {
            let what = if n == 1 { "gap" } else { "gaps" };
            para(
                &mut out,
                "some",
                &format!("{n} readiness {what} at {}.", g.review.label),
            );
            out.push_str(&grid_html_with(
                &gap_groups_grid(g),
                "gaps",
                scale,
                |_, _, _| None,
            ));
        }
    }
    para(&mut out, "note", &gaps_explained_uk(g));
    out.push_str("</section>\n");

    out.push_str("<section>\n<h2>Actions and their trend</h2>\n");
    para(
        &mut out,
        "note",
        "Trend: the status at each review up to this one, oldest first, each review under \
         its month and year; higher is better, the shaded band is completed or better, a \
         hollow marker is a status carried forward.",
    );
    out.push_str(&legend(&r.scale));
    let done = crate::plan::diff::completed_rank(&r.scale);
    let grid = actions_grid(r);
    let trend_col = grid.header.iter().position(|h| h == "trend");
    out.push_str(&grid_html_with(&grid, "actions", scale, |row, col, _| {
        if Some(col) != trend_col {
            return None;
        }
        let a = r.actions.get(row)?;
        let label = format!("Action {} trend: {}", a.id, trend_text(&a.trend));
        Some(trend_svg(&a.trend, &r.scale, done, &label))
    }));
    out.push_str("</section>\n");

    out.push_str("<section>\n<h2>RAG matrix</h2>\n");
    out.push_str(&legend(&r.scale));
    out.push_str(&grid_html_with(
        &matrix_grid(r),
        "matrix",
        scale,
        |_, _, _| None,
    ));
    out.push_str("</section>\n");

    let _ = writeln!(
        out,
        "<section class=\"appendix\">\n<h2>{}</h2>",
        escape(APPENDIX_TITLE)
    );
    out.push_str("<div class=\"provenance\">\n");
    for line in appendix_lines(r) {
        para(&mut out, "", &line);
    }
    out.push_str("</div>\n");
    let entries = moved_entries_grid(r);
    if !entries.rows.is_empty() {
        para(&mut out, "note", "The entries behind what moved:");
        out.push_str(&grid_html(&entries, "entries"));
    }
    out.push_str("</section>\n</body>\n</html>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<script>alert(1)</script> & \"q\" 'x'"),
            "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;q&quot; &#39;x&#39;"
        );
        assert_eq!(escape("a\u{0}b"), "a\u{fffd}b");
    }
}

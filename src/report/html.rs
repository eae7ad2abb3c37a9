//! A self-contained HTML page for the board report: inline CSS and SVG, no scripts, no
//! network, every piece of text escaped; readable on screen and printable to A4.

use std::fmt::Write;

use super::board::{
    actions_grid, counts_grid, diff_grid, gaps_explained, gaps_grid, held_text, matrix_grid,
    moved_heading, report_intro, trend_text, BoardReport, TrendPoint,
};
use super::doc::Grid;
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

/// Stroke and fill colours of each RAG in charts (the CSS uses the same).
fn rag_colour(rag: Rag) -> &'static str {
    match rag {
        Rag::Red => "#c0392b",
        Rag::Amber => "#d68910",
        Rag::Green => "#2e8b57",
        Rag::Blue => "#2b6cb0",
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
.provenance { margin-top: 10px; padding: 8px 12px; border-left: 5px solid #2e8b57; background: #eef7f1; }
.provenance.failed { border-left-color: #c0392b; background: #fbeceb; }
.provenance p { margin: 2px 0; }
.provenance .k { display: inline-block; min-width: 92px; font-weight: 600; }
code, .hash { font-family: "DejaVu Sans Mono", Consolas, "Liberation Mono", monospace; font-size: 12px; }
.hash { overflow-wrap: anywhere; }
.verdict-ok { color: #14532d; font-weight: 600; }
.verdict-failed { color: #7a1712; font-weight: 700; }
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
td.id { white-space: nowrap; font-weight: 600; }
td.area { white-space: nowrap; }
td.rag-red { background: #f6d2ce; color: #6d130d; }
td.rag-amber { background: #fde3ad; color: #5c3b00; }
td.rag-green { background: #cfe9d6; color: #113f22; }
td.rag-blue { background: #cfe0f6; color: #0b356b; }
th.rag-red { border-top: 4px solid #c0392b; }
th.rag-amber { border-top: 4px solid #d68910; }
th.rag-green { border-top: 4px solid #2e8b57; }
th.rag-blue { border-top: 4px solid #2b6cb0; }
table.matrix td:not(:first-child) { font-size: 11.5px; }
table.actions td.what { font-size: 12px; }
table.actions td.trend { width: 1%; padding: 2px 4px; }
table.actions col.what { width: 42%; }
svg.trend { display: block; }
.legend { display: flex; flex-wrap: wrap; gap: 6px 14px; margin: 6px 0; font-size: 12px; }
.legend span { display: inline-flex; align-items: center; gap: 5px; }
.legend i { display: inline-block; width: 12px; height: 12px; border-radius: 50%; }
footer { margin-top: 22px; border-top: 1px solid var(--rule); padding-top: 6px; color: var(--muted); font-size: 11.5px; }
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
    grid_html_with(g, class, |_, _, _| None)
}

/// Like [`grid_html`], with `custom(row, column, text)` able to replace a cell's contents
/// (already-safe HTML) and column classes from the header.
fn grid_html_with(
    g: &Grid,
    class: &str,
    custom: impl Fn(usize, usize, &str) -> Option<String>,
) -> String {
    let mut out = String::new();
    let _ = write!(out, "<table class=\"{}\">\n<thead><tr>", escape(class));
    for h in &g.header {
        let c = header_class(h);
        if c.is_empty() {
            let _ = write!(out, "<th>{}</th>", escape(h));
        } else {
            let _ = write!(out, "<th class=\"{c}\">{}</th>", escape(h));
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
            let body = custom(r, c, &cell.text).unwrap_or_else(|| escape(&cell.text));
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
        "red" => "num rag-red",
        "amber" => "num rag-amber",
        "green" => "num rag-green",
        "blue" => "num rag-blue",
        "no status" | "withdrawn" => "num",
        _ => "",
    }
}

/// An action's RAG trend as a small chart: one column per review, higher is better
/// (the scale's rank), a line through the statuses, dots in their RAG colour (hollow when
/// carried forward), the band from `done` (the completed rank) upward shaded.
pub fn trend_svg(
    points: &[TrendPoint],
    scale: &StatusScale,
    done: Option<usize>,
    label: &str,
) -> String {
    let levels = scale.0.len().max(2);
    let top = (levels - 1) as f64;
    let step = match points.len() {
        0..=1 => 0.0,
        n => (150.0 / (n - 1) as f64).clamp(8.0, 22.0),
    };
    let (pad_x, pad_y, plot_h) = (7.0, 6.0, 34.0);
    let width = (pad_x * 2.0 + step * points.len().saturating_sub(1) as f64).max(60.0);
    let height = plot_h + pad_y * 2.0;
    let x = |i: usize| pad_x + step * i as f64;
    let y = |rank: usize| pad_y + plot_h * (1.0 - rank.min(levels - 1) as f64 / top);
    let mut svg = String::new();
    let _ = write!(
        svg,
        "<svg class=\"trend\" width=\"{w:.0}\" height=\"{h:.0}\" \
         viewBox=\"0 0 {w:.0} {h:.0}\" role=\"img\" aria-label=\"{a}\"><title>{a}</title>",
        w = width,
        h = height,
        a = escape(label),
    );
    // Background: faint lines at every rank, the completed band shaded.
    if let Some(d) = done {
        let band_top = y(levels - 1) - 3.0;
        let band_bottom = y(d) + 3.0;
        let _ = write!(
            svg,
            "<rect x=\"0\" y=\"{:.1}\" width=\"{width:.0}\" height=\"{:.1}\" fill=\"#e3f2e7\"/>",
            band_top,
            band_bottom - band_top
        );
    }
    for r in 0..levels {
        let _ = write!(
            svg,
            "<line x1=\"0\" x2=\"{width:.0}\" y1=\"{yy:.1}\" y2=\"{yy:.1}\" stroke=\"#e1e5ea\" stroke-width=\"0.6\"/>",
            yy = y(r)
        );
    }
    // The line, broken where there is no status.
    let mut path = String::new();
    let mut pen_down = false;
    for (i, p) in points.iter().enumerate() {
        match p.rank {
            Some(r) => {
                let _ = write!(
                    path,
                    "{}{:.1} {:.1} ",
                    if pen_down { "L" } else { "M" },
                    x(i),
                    y(r)
                );
                pen_down = true;
            }
            None => pen_down = false,
        }
    }
    if !path.is_empty() {
        let _ = write!(
            svg,
            "<path d=\"{}\" fill=\"none\" stroke=\"#6b7480\" stroke-width=\"1.4\" stroke-linejoin=\"round\"/>",
            path.trim_end()
        );
    }
    for (i, p) in points.iter().enumerate() {
        let tip = format!(
            "{}: {}{}",
            p.review,
            p.status.as_deref().unwrap_or("no status"),
            if p.carried_forward {
                " (carried forward)"
            } else {
                ""
            }
        );
        match (p.rank, p.rag) {
            (Some(r), rag) => {
                let colour = rag.map_or("#6b7480", rag_colour);
                let (fill, stroke_w) = if p.carried_forward {
                    ("#ffffff", 1.6)
                } else {
                    (colour, 0.8)
                };
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"3.4\" fill=\"{fill}\" stroke=\"{colour}\" \
                     stroke-width=\"{stroke_w}\"><title>{}</title></circle>",
                    x(i),
                    y(r),
                    escape(&tip)
                );
            }
            (None, _) => {
                let _ = write!(
                    svg,
                    "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.6\" fill=\"#b8bec6\"><title>{}</title></circle>",
                    x(i),
                    y(0) + 3.0,
                    escape(&tip)
                );
            }
        }
    }
    svg.push_str("</svg>");
    svg
}

fn legend(scale: &StatusScale) -> String {
    let mut out = String::from("<div class=\"legend\">");
    for s in &scale.0 {
        let _ = write!(
            out,
            "<span><i style=\"background:{}\"></i>{}</span>",
            rag_colour(s.rag),
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

/// The board report as one self-contained HTML page.
pub fn board_html(r: &BoardReport) -> String {
    let mut out = String::new();
    let _ = write!(
        out,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>{} – board report, {}</title>\n<style>{CSS}</style>\n</head>\n<body>\n",
        escape(&r.title),
        escape(&r.review.label)
    );

    // Head: what this is, what it was produced from, whether the ledger verified.
    let intro = report_intro(r);
    out.push_str("<header>\n");
    let _ = writeln!(
        out,
        "<p class=\"kicker\">Board report · ledger {}</p>",
        escape(&r.origin)
    );
    let _ = writeln!(out, "<h1>{}</h1>", escape(&r.title));
    let mut asat = format!(
        "As at <strong>{}</strong> ({})",
        escape(&r.review.label),
        escape(&r.review.date)
    );
    if let Some(p) = &r.previous {
        let _ = write!(
            asat,
            " · previous review {} ({})",
            escape(&p.label),
            escape(&p.date)
        );
    }
    let _ = writeln!(out, "<p class=\"asat\">{asat}</p>");
    if let Some(k) = &r.known_at {
        para(
            &mut out,
            "note",
            &format!("As the ledger knew it at {k}: entries recorded later are left out."),
        );
    }
    let ok = r.verification.ok;
    let _ = writeln!(
        out,
        "<div class=\"provenance{}\">",
        if ok { "" } else { " failed" }
    );
    match r.head {
        Some(h) => {
            let _ = writeln!(
                out,
                "<p><span class=\"k\">Ledger head</span> entry <code>{}</code> · hash <code class=\"hash\">{}</code></p>",
                h.seq, h.hash
            );
        }
        None => out.push_str("<p><span class=\"k\">Ledger head</span> empty</p>\n"),
    }
    let _ = writeln!(
        out,
        "<p><span class=\"k\">Verification</span> <span class=\"{}\">{}</span> {}</p>",
        if ok { "verdict-ok" } else { "verdict-failed" },
        if ok { "✓" } else { "✗" },
        escape(&r.verification.sentence())
    );
    out.push_str("</div>\n</header>\n");

    // RAG counts.
    out.push_str("<section>\n<h2>RAG counts by area</h2>\n");
    out.push_str(&grid_html(&counts_grid(r), "counts"));
    out.push_str("</section>\n");

    // What moved.
    let _ = writeln!(out, "<section>\n<h2>{}</h2>", escape(&moved_heading(r)));
    let moved = r.moved.moved_worst_first();
    if moved.is_empty() {
        para(&mut out, "none", "Nothing moved.");
    } else {
        para(&mut out, "note", "Worst first.");
        out.push_str(&grid_html(&diff_grid(moved), "moved"));
    }
    para(&mut out, "note", &held_text(r));
    out.push_str("</section>\n");

    // Gaps.
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
            out.push_str(&grid_html(&gaps_grid(g), "gaps"));
        }
    }
    para(&mut out, "note", &gaps_explained(g));
    out.push_str("</section>\n");

    // Actions and their trends.
    out.push_str("<section>\n<h2>Actions and their RAG trend</h2>\n");
    para(
        &mut out,
        "note",
        "Trend: the status at each review up to this one, oldest first; higher is better, \
         the shaded band is completed or better, a hollow dot is a status carried forward.",
    );
    out.push_str(&legend(&r.scale));
    let done = crate::plan::diff::completed_rank(&r.scale);
    let grid = actions_grid(r);
    let trend_col = grid.header.iter().position(|h| h == "trend");
    out.push_str(&grid_html_with(&grid, "actions", |row, col, _| {
        if Some(col) != trend_col {
            return None;
        }
        let a = r.actions.get(row)?;
        let label = format!("Action {} RAG trend: {}", a.id, trend_text(&a.trend));
        Some(trend_svg(&a.trend, &r.scale, done, &label))
    }));
    out.push_str("</section>\n");

    // The matrix.
    out.push_str("<section>\n<h2>RAG matrix</h2>\n");
    out.push_str(&grid_html(&matrix_grid(r), "matrix"));
    out.push_str("</section>\n");

    out.push_str("<footer>\n");
    for line in intro.iter().take(1) {
        para(&mut out, "", line);
    }
    para(
        &mut out,
        "",
        "Rebuilt from the hash-chained ledger by readiness report. Check it against the \
         ledger head above with: readiness verify --expect SEQ:HASH",
    );
    out.push_str("</footer>\n</body>\n</html>\n");
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

    #[test]
    fn trend_chart_has_a_dot_per_review_and_breaks_on_gaps() {
        let p = |rank: Option<usize>, rag, carried| TrendPoint {
            review: "R<1>".into(),
            status: rank.map(|_| "S".to_string()),
            rank,
            rag,
            carried_forward: carried,
        };
        let svg = trend_svg(
            &[
                p(Some(1), Some(Rag::Red), false),
                p(None, None, false),
                p(Some(3), Some(Rag::Green), false),
                p(Some(3), Some(Rag::Green), true),
            ],
            &StatusScale::york(),
            Some(4),
            "a \"t\"",
        );
        assert_eq!(svg.matches("<circle").count(), 4);
        let d = svg
            .split("d=\"")
            .nth(1)
            .and_then(|d| d.split('"').next())
            .unwrap();
        assert_eq!(d.matches('M').count(), 2, "{svg}");
        assert!(svg.contains("R&lt;1&gt;") && svg.contains("a &quot;t&quot;"));
        assert!(svg.contains("fill=\"#ffffff\""));
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
    }
}

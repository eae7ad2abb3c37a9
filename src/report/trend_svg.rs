//! An action's trend as a small inline SVG chart: one column per review (labelled with its
//! month and year), higher is better, each status drawn with its own marker.

use std::fmt::Write;

use super::board::TrendPoint;
use super::html::escape;
use super::markers::{marker, shape_svg};
use super::uk_date::month_year_short;
use crate::scale::StatusScale;

/// The chart: a line through the statuses (broken where there is none), each status's
/// marker (hollow when carried forward), the band from `done` (the completed rank) upward
/// shaded, and each review's month and year under its column.
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
        n => (170.0 / (n - 1) as f64).clamp(14.0, 22.0),
    };
    let (pad_x, pad_y, plot_h, axis_h) = (9.0, 6.0, 34.0, 19.0);
    let width = (pad_x * 2.0 + step * points.len().saturating_sub(1) as f64).max(60.0);
    let height = plot_h + pad_y * 2.0 + axis_h;
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
            "<path d=\"{}\" fill=\"none\" stroke=\"#6b7480\" stroke-width=\"1.2\" stroke-linejoin=\"round\"/>",
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
        let shape = match p.rank {
            Some(r) => shape_svg(marker(scale, r), x(i), y(r), 3.6, p.carried_forward),
            None => format!(
                "<circle cx=\"{:.1}\" cy=\"{:.1}\" r=\"1.6\" fill=\"#b8bec6\"/>",
                x(i),
                y(0) + 3.0
            ),
        };
        let _ = write!(svg, "<g><title>{}</title>{shape}</g>", escape(&tip));
    }
    // The axis: each review's month over its year, so a reader can tell which is which.
    let base = plot_h + pad_y * 2.0;
    for (i, p) in points.iter().enumerate() {
        let (month, year) =
            month_year_short(&p.date).unwrap_or_else(|| ("?".into(), String::new()));
        let _ = write!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" font-size=\"7\" text-anchor=\"middle\" fill=\"#5b6470\">\
             <tspan x=\"{:.1}\">{}</tspan><tspan x=\"{:.1}\" dy=\"8\">{}</tspan></text>",
            x(i),
            base + 6.0,
            x(i),
            escape(&month),
            x(i),
            escape(&year)
        );
    }
    svg.push_str("</svg>");
    svg
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scale::Rag;

    #[test]
    fn trend_chart_has_a_marker_and_a_label_per_review_and_breaks_on_gaps() {
        let p = |rank: Option<usize>, rag, carried, date: &str| TrendPoint {
            review: "R<1>".into(),
            date: date.to_string(),
            status: rank.map(|_| "S".to_string()),
            rank,
            rag,
            carried_forward: carried,
        };
        let svg = trend_svg(
            &[
                p(Some(1), Some(Rag::Red), false, "2020-05-31"),
                p(None, None, false, "2020-08-31"),
                p(Some(3), Some(Rag::Green), false, "2020-11-30"),
                p(Some(3), Some(Rag::Green), true, "2021-02-28"),
            ],
            &StatusScale::york(),
            Some(4),
            "a \"t\"",
        );
        assert_eq!(svg.matches("<g>").count(), 4);
        assert_eq!(svg.matches("<text").count(), 4);
        assert!(svg.contains(">Aug</tspan>") && svg.contains(">21</tspan>"));
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

//! One marker per status of the scale, shape and colour both, so that two statuses sharing
//! a RAG colour (York has two reds and two greens) still read apart, in print and for
//! readers who do not tell colours apart.

use std::fmt::Write;

use crate::scale::{Rag, StatusScale};

/// The shapes, handed out by the status's place in the scale (worst first).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    Square,
    TriangleDown,
    Diamond,
    Circle,
    TriangleUp,
    Star,
}

const SHAPES: [Shape; 6] = [
    Shape::Square,
    Shape::TriangleDown,
    Shape::Diamond,
    Shape::Circle,
    Shape::TriangleUp,
    Shape::Star,
];

/// A status's marker: its shape and the colour it is drawn in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Marker {
    pub shape: Shape,
    pub colour: &'static str,
}

/// The base colour of each RAG, then a darker tone for a second status of the same colour
/// and a lighter one for a third.
fn tones(rag: Rag) -> [&'static str; 3] {
    match rag {
        Rag::Red => ["#c0392b", "#7b1d14", "#e57368"],
        Rag::Amber => ["#d68910", "#8a5500", "#f0b441"],
        Rag::Green => ["#3a9d5d", "#1e5e3a", "#7cc493"],
        Rag::Blue => ["#2b6cb0", "#163f6e", "#6d9fd8"],
    }
}

/// The marker of the status at `rank` in `scale`.
pub fn marker(scale: &StatusScale, rank: usize) -> Marker {
    let rag = scale.0.get(rank).map_or(Rag::Amber, |s| s.rag);
    let same_before = scale.0[..rank.min(scale.0.len())]
        .iter()
        .filter(|s| s.rag == rag)
        .count();
    Marker {
        shape: SHAPES[rank % SHAPES.len()],
        colour: tones(rag)[same_before % 3],
    }
}

/// The rank of the status a cell shows: its text is the status name, alone or followed by
/// its marks in brackets ("Completed (carried from RAG May 20)").
pub fn rank_of_text(scale: &StatusScale, text: &str) -> Option<usize> {
    scale.0.iter().position(|s| {
        text == s.name
            || text
                .strip_prefix(s.name.as_str())
                .is_some_and(|rest| rest.starts_with(" ("))
    })
}

/// SVG elements drawing `m` centred on (`x`, `y`) with radius about `r`; hollow draws the
/// outline only (a status carried forward).
pub fn shape_svg(m: Marker, x: f64, y: f64, r: f64, hollow: bool) -> String {
    let (fill, width) = if hollow {
        ("#ffffff", 1.4)
    } else {
        (m.colour, 0.6)
    };
    let style = format!(
        "fill=\"{fill}\" stroke=\"{}\" stroke-width=\"{width}\"",
        m.colour
    );
    let poly = |pts: &[(f64, f64)]| {
        let mut p = String::new();
        for (dx, dy) in pts {
            let _ = write!(p, "{:.1},{:.1} ", x + dx * r, y + dy * r);
        }
        format!("<polygon points=\"{}\" {style}/>", p.trim_end())
    };
    match m.shape {
        Shape::Circle => format!(
            "<circle cx=\"{x:.1}\" cy=\"{y:.1}\" r=\"{:.1}\" {style}/>",
            r * 0.95
        ),
        Shape::Square => {
            let s = r * 0.85;
            format!(
                "<rect x=\"{:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{:.1}\" {style}/>",
                x - s,
                y - s,
                2.0 * s,
                2.0 * s
            )
        }
        Shape::TriangleDown => poly(&[(-1.0, -0.8), (1.0, -0.8), (0.0, 1.0)]),
        Shape::TriangleUp => poly(&[(-1.0, 0.8), (1.0, 0.8), (0.0, -1.0)]),
        Shape::Diamond => poly(&[(0.0, -1.1), (1.0, 0.0), (0.0, 1.1), (-1.0, 0.0)]),
        Shape::Star => {
            let pts: Vec<(f64, f64)> = (0..10)
                .map(|i| {
                    let a = std::f64::consts::PI * (i as f64) / 5.0 - std::f64::consts::FRAC_PI_2;
                    let k = if i % 2 == 0 { 1.15 } else { 0.5 };
                    (k * a.cos(), k * a.sin())
                })
                .collect();
            poly(&pts)
        }
    }
}

/// A marker on its own, sized for a line of text (legend, table cells).
pub fn inline_svg(m: Marker) -> String {
    format!(
        "<svg class=\"mk\" width=\"12\" height=\"12\" viewBox=\"0 0 12 12\" aria-hidden=\"true\">{}</svg>",
        shape_svg(m, 6.0, 6.0, 4.6, false)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_york_status_has_its_own_shape_and_colour() {
        let scale = StatusScale::york();
        let markers: Vec<Marker> = (0..scale.0.len()).map(|r| marker(&scale, r)).collect();
        for (i, a) in markers.iter().enumerate() {
            for b in &markers[..i] {
                assert_ne!(a.shape, b.shape);
                assert_ne!(a.colour, b.colour);
            }
        }
    }

    #[test]
    fn a_cell_names_its_status_with_or_without_marks() {
        let scale = StatusScale::york();
        assert_eq!(rank_of_text(&scale, "Completed"), Some(4));
        assert_eq!(rank_of_text(&scale, "Completed (late)"), Some(4));
        assert_eq!(rank_of_text(&scale, "Completedly"), None);
    }
}

//! A [`Grid`] as plain terminal text, byte for byte what comfy-table 7.2.2 writes for it
//! without colour, in one pass over the cells and one `String`.
//!
//! Without colour, [`super::render::to_table`] gives comfy-table no terminal width, so it
//! never wraps and its output is a padded grid; building that grid through comfy-table
//! costs several allocations and re-measurements per cell, which dominates `matrix` on a
//! large ledger. This module follows the rules of comfy-table's source instead:
//!
//! - Preset `UTF8_FULL_CONDENSED` (`││──╞═╪╡┆    ┬┴┌┐└┘`): borders `┌─┬─┐`, `│ … ┆ … │`,
//!   `╞═╪═╡` under the header, `└─┴─┘`; no line between body rows (its components are
//!   blank in the preset).
//! - There is one column per position up to the longest of the header and the rows; a
//!   row shorter than that gets blank cells, which are as wide as the column and its
//!   padding.
//! - A cell's text is split on `'\n'` into lines (a row is as many lines high as its
//!   tallest cell; a cell with fewer lines is topped up with blank lines). A column's
//!   content width is the greatest display width ([`unicode_width::UnicodeWidthStr`],
//!   the crate and version comfy-table measures with) of any line in it, header
//!   included, and at least 1, so a column of empty cells is one space wide.
//! - Each line of a cell is written left-aligned, padded with spaces to the content
//!   width, with one space of padding either side.
//! - The header row is always present (`to_table` always sets one): with no header
//!   columns it is a row of blank cells, and with no columns at all it has no lines, so
//!   the table is `┌┐`, `╞╡`, `└┘`.
//! - Lines are joined by `'\n'`, with none after the last (`Display` for a table).
//! - Without a width (not a terminal), comfy-table's dynamic arrangement falls back to
//!   its disabled one, which applies no constraint besides the minimum width of 1. It
//!   keeps widths in a `u16`, though: a column wider than that (with padding) is wrapped
//!   or its border saturates, so [`write_grid`] declines such a grid ([`TooWide`]) and the
//!   caller hands it to comfy-table.

use std::borrow::Cow;

use unicode_width::UnicodeWidthStr;

use super::doc::Grid;
use super::safe_text;

/// Spaces each side of a cell's text (comfy-table's default padding).
const PAD: usize = 1;

/// The widest content comfy-table lays out as is: a column's width with its padding is
/// a `u16`, and wider content is wrapped (or its borders saturate).
const MAX_CONTENT_WIDTH: usize = u16::MAX as usize - 2 * PAD;

/// Corners, edges and intersections of comfy-table's `UTF8_FULL_CONDENSED`.
mod frame {
    pub const TOP: [char; 4] = ['┌', '─', '┬', '┐'];
    pub const HEADER: [char; 4] = ['╞', '═', '╪', '╡'];
    pub const BOTTOM: [char; 4] = ['└', '─', '┴', '┘'];
    pub const LEFT: char = '│';
    pub const BETWEEN: char = '┆';
    pub const RIGHT: char = '│';
    /// Bytes of each of the characters above in UTF-8.
    pub const BYTES: usize = 3;
}

/// The grid has a column wider than comfy-table lays out without wrapping.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TooWide;

/// Appends `g` as comfy-table would show it without colour (`to_string()` of
/// `grid_table(g, false)`), every heading and cell shown through [`safe_text::terminal`]:
/// no line break after the last line. Writes nothing and returns [`TooWide`] if a column
/// is too wide to lay out without wrapping.
pub fn write_grid(out: &mut String, g: &Grid) -> Result<(), TooWide> {
    write_grid_with(out, g, safe_text::terminal)
}

/// One cell's text as shown, and its measurements.
#[derive(Clone)]
struct Shown<'a> {
    text: Cow<'a, str>,
    /// The widest of its lines.
    width: usize,
    /// Its lines: 1 unless it holds a `'\n'`.
    lines: usize,
}

impl<'a> Shown<'a> {
    fn new(text: Cow<'a, str>) -> Shown<'a> {
        let (width, lines) = if memchr::memchr(b'\n', text.as_bytes()).is_none() {
            (line_width(&text), 1)
        } else {
            text.split('\n')
                .fold((0, 0), |(w, n), line| (w.max(line_width(line)), n + 1))
        };
        Shown { text, width, lines }
    }
}

/// Shown forms of texts borrowed by many cells (a matrix's status names, interned once):
/// each is escaped and measured once, not once per cell. Keyed by address and length, which
/// name one text while the grid is borrowed.
struct SharedShown<'a> {
    made: Vec<((usize, usize), Shown<'a>)>,
}

impl<'a> SharedShown<'a> {
    /// Distinct shared texts remembered; past that they are shown one by one as before.
    const MAX: usize = 64;

    fn new() -> Self {
        SharedShown { made: Vec::new() }
    }

    fn shown(
        &mut self,
        (text, shared): (&'a str, bool),
        show: &impl Fn(&'a str) -> Cow<'a, str>,
    ) -> Shown<'a> {
        if !shared {
            return Shown::new(show(text));
        }
        let key = (text.as_ptr() as usize, text.len());
        if let Some((_, made)) = self.made.iter().find(|(k, _)| *k == key) {
            return made.clone();
        }
        let made = Shown::new(show(text));
        if self.made.len() < Self::MAX {
            self.made.push((key, made.clone()));
        }
        made
    }
}

/// A cell's text, and whether it is borrowed (shared by other cells) rather than its own.
fn cell_text(c: &super::doc::Cell) -> (&str, bool) {
    (c.text.as_ref(), matches!(c.text, Cow::Borrowed(_)))
}

/// Display width of one line, as comfy-table measures it (`UnicodeWidthStr::width`).
fn line_width(s: &str) -> usize {
    // Printable ASCII is one column a byte; anything else goes to unicode-width, whose
    // width of a string is not always the sum of its characters' (ZWJ sequences,
    // variation selectors, control characters).
    if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
        s.len()
    } else {
        s.width()
    }
}

/// [`write_grid`] with `show` in place of [`safe_text::terminal`] (tests use the identity
/// to reach line breaks and control characters).
fn write_grid_with<'a>(
    out: &mut String,
    g: &'a Grid,
    show: impl Fn(&'a str) -> Cow<'a, str>,
) -> Result<(), TooWide> {
    let columns = g.rows.iter().map(Vec::len).fold(g.header.len(), usize::max);

    // Pass 1: each column's width and the lines and bytes of the whole grid. The cells'
    // shown forms are made again row by row when written, not kept: a matrix has a million.
    let mut multi_line = false;
    let mut widths = vec![1usize; columns];
    let mut text_lines = 0usize;
    let (mut text_bytes, mut text_width) = (0usize, 0usize);
    let mut memo = SharedShown::new();
    let mut measure = |texts: &mut dyn Iterator<Item = (&'a str, bool)>| {
        let mut height = usize::from(columns > 0);
        for (column, text) in texts.enumerate() {
            let shown = memo.shown(text, &show);
            if shown.width > MAX_CONTENT_WIDTH {
                return Err(TooWide);
            }
            widths[column] = widths[column].max(shown.width);
            height = height.max(shown.lines);
            text_bytes += shown.text.len();
            text_width += shown.width;
        }
        multi_line |= height > 1;
        text_lines += height;
        Ok(())
    };
    measure(&mut g.header.iter().map(|h| (h.as_str(), false)))?;
    for row in &g.rows {
        measure(&mut row.iter().map(cell_text))?;
    }

    // Pass 2: the lines, straight into `out`.
    let inner: usize = widths.iter().map(|w| w + 2 * PAD).sum();
    let rule_bytes = (inner + columns.saturating_sub(1) + 2) * frame::BYTES;
    let text_line_bytes = inner + (columns + 1) * frame::BYTES;
    // Every text line is as wide as `inner`, of which the cells' text takes `text_width`
    // columns in `text_bytes` bytes (exact for one-line cells; never below zero, as a cell
    // is no wider than its column).
    let reserved =
        3 * rule_bytes + 2 + text_lines * (text_line_bytes + 1) + text_bytes - text_width;
    out.reserve(reserved);
    let start = out.len();

    rule(out, &widths, frame::TOP);
    let mut row: Vec<Shown<'a>> = g.header.iter().map(|h| Shown::new(show(h))).collect();
    text_rows(out, &widths, &row);
    out.push('\n');
    rule(out, &widths, frame::HEADER);
    for cells in &g.rows {
        row.clear();
        row.extend(cells.iter().map(|c| memo.shown(cell_text(c), &show)));
        text_rows(out, &widths, &row);
    }
    out.push('\n');
    rule(out, &widths, frame::BOTTOM);
    // The size is exact when no cell has a line break (always, after `safe_text::terminal`).
    debug_assert!(multi_line || out.len() - start == reserved);
    Ok(())
}

/// A horizontal rule: `[left, line, intersection, right]`, each column its width with
/// padding.
fn rule(out: &mut String, widths: &[usize], [left, line, between, right]: [char; 4]) {
    out.push(left);
    for (i, &w) in widths.iter().enumerate() {
        if i > 0 {
            out.push(between);
        }
        for _ in 0..w + 2 * PAD {
            out.push(line);
        }
    }
    out.push(right);
}

/// The lines of one row (`cells` may be fewer than the columns), each preceded by `'\n'`.
/// A row has no lines when there are no columns.
fn text_rows(out: &mut String, widths: &[usize], cells: &[Shown<'_>]) {
    if widths.is_empty() {
        return;
    }
    if cells.iter().all(|c| c.lines == 1) {
        out.push('\n');
        out.push(frame::LEFT);
        for (i, &w) in widths.iter().enumerate() {
            if i > 0 {
                out.push(frame::BETWEEN);
            }
            match cells.get(i) {
                Some(c) => {
                    push_spaces(out, PAD);
                    out.push_str(&c.text);
                    push_spaces(out, w - c.width + PAD);
                }
                None => push_spaces(out, w + 2 * PAD),
            }
        }
        out.push(frame::RIGHT);
        return;
    }
    // A cell holds a line break (never after `safe_text::terminal`): the row is as high
    // as its tallest cell, shorter cells and missing ones are topped up with blanks.
    let height = cells.iter().map(|c| c.lines).max().unwrap_or(1);
    for line in 0..height {
        out.push('\n');
        out.push(frame::LEFT);
        for (i, &w) in widths.iter().enumerate() {
            if i > 0 {
                out.push(frame::BETWEEN);
            }
            match cells.get(i).and_then(|c| c.text.split('\n').nth(line)) {
                Some(text) => {
                    push_spaces(out, PAD);
                    out.push_str(text);
                    push_spaces(out, w - line_width(text) + PAD);
                }
                None => push_spaces(out, w + 2 * PAD),
            }
        }
        out.push(frame::RIGHT);
    }
}

fn push_spaces(out: &mut String, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

#[cfg(test)]
mod tests {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
    use proptest::prelude::*;

    use super::super::doc::{Block, Cell, Doc};
    use super::super::render::{grid_table, to_table};
    use super::*;
    use crate::scale::Rag;

    fn grid(header: &[&str], rows: &[&[&str]]) -> Grid {
        let mut g = Grid::new(header);
        g.rows = rows
            .iter()
            .map(|r| r.iter().map(|&t| Cell::text(t)).collect())
            .collect();
        g
    }

    fn plain(g: &Grid) -> String {
        let mut out = String::new();
        write_grid(&mut out, g).expect("not too wide");
        out
    }

    fn comfy(g: &Grid) -> String {
        grid_table(g, false).to_string()
    }

    /// `grid_table(g, false)` without `safe_text::terminal`: raw text, line breaks and
    /// control characters included.
    fn comfy_raw(g: &Grid) -> String {
        let mut t = Table::new();
        t.load_preset(UTF8_FULL_CONDENSED)
            .set_content_arrangement(ContentArrangement::Dynamic)
            .set_header(g.header.clone())
            .force_no_tty();
        for row in &g.rows {
            t.add_row(row.iter().map(|c| c.text.clone()));
        }
        t.to_string()
    }

    fn plain_raw(g: &Grid) -> String {
        let mut out = String::new();
        write_grid_with(&mut out, g, Cow::Borrowed).expect("not too wide");
        out
    }

    #[test]
    fn pads_each_column_to_its_widest_cell() {
        let g = grid(&["action", "RAG"], &[&["1.1", "Green"], &["2", "日本"]]);
        let expected = "\
┌────────┬───────┐
│ action ┆ RAG   │
╞════════╪═══════╡
│ 1.1    ┆ Green │
│ 2      ┆ 日本  │
└────────┴───────┘";
        assert_eq!(plain(&g), expected);
        assert_eq!(comfy(&g), expected);
    }

    #[test]
    fn ragged_rows_and_empty_cells_get_blank_cells_one_space_wide_at_least() {
        let g = grid(&["a"], &[&[], &["", "xy"]]);
        let expected = "\
┌───┬────┐
│ a ┆    │
╞═══╪════╡
│   ┆    │
│   ┆ xy │
└───┴────┘";
        assert_eq!(plain(&g), expected);
        assert_eq!(comfy(&g), expected);
    }

    #[test]
    fn header_only_and_no_columns() {
        let g = grid(&["x"], &[]);
        let expected = "┌───┐\n│ x │\n╞═══╡\n└───┘";
        assert_eq!(plain(&g), expected);
        assert_eq!(comfy(&g), expected);

        // No columns at all: neither the header nor the rows have a line.
        let g = grid(&[], &[&[], &[]]);
        assert_eq!(plain(&g), "┌┐\n╞╡\n└┘");
        assert_eq!(comfy(&g), "┌┐\n╞╡\n└┘");
    }

    #[test]
    fn text_is_shown_escaped_and_measured_as_shown() {
        // `\n` in a cell is shown as two characters (safe_text::terminal), not a break.
        let g = grid(&["a\nb"], &[&["\u{1b}"]]);
        let expected = "\
┌────────┐
│ a\\nb   │
╞════════╡
│ \\u{1b} │
└────────┘";
        assert_eq!(plain(&g), expected);
        assert_eq!(comfy(&g), expected);
    }

    #[test]
    fn raw_line_breaks_make_taller_rows() {
        let g = grid(&["h"], &[&["one\ntwo", "x"], &["", "a\n\nbcd"]]);
        let expected = "\
┌─────┬─────┐
│ h   ┆     │
╞═════╪═════╡
│ one ┆ x   │
│ two ┆     │
│     ┆ a   │
│     ┆     │
│     ┆ bcd │
└─────┴─────┘";
        assert_eq!(plain_raw(&g), expected);
        assert_eq!(comfy_raw(&g), expected);
    }

    #[test]
    fn a_column_too_wide_for_comfy_table_is_left_to_it() {
        let fits = "x".repeat(MAX_CONTENT_WIDTH);
        let g = grid(&["h"], &[&[&fits]]);
        assert_eq!(plain(&g), comfy(&g));

        for width in [MAX_CONTENT_WIDTH + 1, u16::MAX as usize + 1] {
            let wide = "x".repeat(width);
            let g = grid(&["h"], &[&[&wide]]);
            let mut out = String::from("before");
            assert_eq!(write_grid(&mut out, &g), Err(TooWide));
            assert_eq!(out, "before", "nothing written");
            let mut d = Doc::default();
            d.blocks.push(Block::Grid(g.clone()));
            assert_eq!(to_table(&d, false), comfy(&g) + "\n");
        }
    }

    #[test]
    fn to_table_without_colour_is_comfy_tables_text() {
        let mut d = Doc::default();
        d.heading("Plan");
        d.grid(grid(&["action", "May 20"], &[&["1.1", "Completed"]]));
        d.note("note");
        d.grid(grid(&[], &[]));
        let Block::Grid(g1) = &d.blocks[1] else {
            unreachable!()
        };
        let Block::Grid(g2) = &d.blocks[3] else {
            unreachable!()
        };
        let expected = format!("Plan\n{}\nnote\n{}\n", comfy(g1), comfy(g2));
        assert_eq!(to_table(&d, false), expected);
    }

    /// Characters whose width is easy to get wrong: ASCII, spaces, wide CJK and emoji,
    /// combining marks, joiners and selectors, C0/C1 controls, line breaks, bidi controls.
    fn any_char() -> impl Strategy<Value = char> {
        prop_oneof![
            4 => proptest::char::range(' ', '~'),
            2 => Just(' '),
            2 => proptest::char::range('\u{4e00}', '\u{9fff}'),
            1 => proptest::char::range('\u{ff01}', '\u{ff5e}'),
            2 => prop::sample::select(vec![
                '😀', '👍', '👩', '💻', '🏽', '\u{1f1ec}', '\u{1f1e7}', '❤', '☺', '\u{2195}'
            ]),
            2 => proptest::char::range('\u{300}', '\u{36f}'),
            2 => prop::sample::select(vec![
                '\u{200d}', '\u{fe0f}', '\u{fe0e}', '\u{200b}', '\u{ad}', '\u{1160}'
            ]),
            1 => proptest::char::range('\0', '\u{1f}'),
            1 => proptest::char::range('\u{7f}', '\u{9f}'),
            2 => prop::sample::select(vec!['\n', '\r', '\t', '\u{202e}', '\u{2066}']),
        ]
    }

    fn any_text() -> impl Strategy<Value = String> {
        prop_oneof![
            1 => Just(String::new()),
            5 => prop::collection::vec(any_char(), 1..10).prop_map(|v| v.into_iter().collect()),
        ]
    }

    fn any_grid() -> impl Strategy<Value = Grid> {
        let rag = prop::option::of(prop::sample::select(vec![
            Rag::Red,
            Rag::Amber,
            Rag::Green,
            Rag::Blue,
        ]));
        let cell = (any_text(), rag).prop_map(|(t, r)| Cell::status(t, r));
        (
            prop::collection::vec(any_text(), 0..6),
            prop::collection::vec(prop::collection::vec(cell, 0..8), 0..8),
        )
            .prop_map(|(header, rows)| Grid { header, rows })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(1024))]

        /// The production path: exactly comfy-table's text of `grid_table(g, false)`.
        #[test]
        fn matches_comfy_table(g in any_grid()) {
            prop_assert_eq!(plain(&g), comfy(&g));
        }

        /// Unescaped text (line breaks split cells, controls measured raw) too.
        #[test]
        fn matches_comfy_table_on_raw_text(g in any_grid()) {
            prop_assert_eq!(plain_raw(&g), comfy_raw(&g));
        }
    }
}

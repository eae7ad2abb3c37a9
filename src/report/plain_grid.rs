//! A table as plain terminal text, byte for byte what comfy-table 7.2.2 writes for it
//! without colour: from a [`Grid`] or any other [`Rows`], in two passes over the cells
//! (measure, then write), into a `String` or streamed to a writer in chunks ([`Chunked`]).
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
//!   or its border saturates, so [`Table::measure`] declines such a table ([`TooWide`])
//!   and the caller hands it to comfy-table.

use std::borrow::Cow;
use std::cell::RefCell;
use std::io;

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
    pub const LEFT: &str = "│";
    pub const BETWEEN: &str = "┆";
    pub const RIGHT: &str = "│";
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

/// [`write_grid`] with `show` in place of [`safe_text::terminal`] (tests use the identity
/// to reach line breaks and control characters).
fn write_grid_with(
    out: &mut String,
    g: &Grid,
    show: impl for<'x> Fn(&'x str) -> Cow<'x, str>,
) -> Result<(), TooWide> {
    let rows = GridRows::new(g);
    let header: Vec<&str> = g.header.iter().map(String::as_str).collect();
    let mut table = Table::measure(&header, &rows, show)?;
    out.reserve(table.bytes());
    let start = out.len();
    let written = table.write(out);
    debug_assert!(written.is_ok(), "a String takes every byte");
    // The size is exact when no cell has a line break (always, after `safe_text::terminal`).
    debug_assert!(table.multi_line || out.len() - start == table.bytes());
    Ok(())
}

/// A cell's text as [`Rows`] give it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Text<'s> {
    /// Text of this cell alone: shown and measured where it is met.
    Own(&'s str),
    /// Text number `n` of the rows' shared texts ([`Rows::shared`]), which many cells
    /// show (a status name): shown and measured once a table, not once a cell.
    Shared(usize),
}

/// The body of a table, read by row: once to measure it, once to write it. Rows are not
/// kept between the passes (a matrix has a million cells).
pub(super) trait Rows {
    /// Hands `visit` each row's cells in order (maybe fewer than the columns), the same
    /// rows on every call, stopping at the first error. A row's cells need live only while
    /// `visit` reads them, so a source can make each row as it goes.
    fn each_row<E>(&self, visit: impl FnMut(&[Text<'_>]) -> Result<(), E>) -> Result<(), E>;
    /// Shared text `n`, as [`Rows::each_row`] names it.
    fn shared(&self, n: usize) -> &str;
    /// The rows counted by column, when every row's first cell is its own text and each
    /// of the others a shared text, in as many cells as `counts` has columns: pass 1 then
    /// measures each column's shared texts once, not once a cell. None (the default) makes
    /// pass 1 read every row.
    fn by_column(&self) -> Option<ByColumn<'_>> {
        None
    }
}

/// [`Rows`] counted by column ([`Rows::by_column`]).
pub(super) struct ByColumn<'r> {
    /// Each row's first cell, in order.
    pub first: Vec<&'r str>,
    /// For each column after the first, how many of its cells hold each shared text, by
    /// the text's number.
    pub counts: Vec<Vec<usize>>,
}

/// Where a table's text goes: a `String`, or a writer fed in chunks.
pub(super) trait Sink {
    fn push_str(&mut self, s: &str);
    /// Passes on what has been written, if the sink holds enough to: called after each
    /// row, so that a chunk ends with a whole line.
    fn row_done(&mut self) -> io::Result<()>;

    fn push(&mut self, c: char) {
        self.push_str(c.encode_utf8(&mut [0; 4]));
    }
}

impl Sink for String {
    fn push_str(&mut self, s: &str) {
        String::push_str(self, s);
    }

    fn row_done(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// A writer fed in chunks of about [`Chunked::SIZE`] bytes: a table of a million cells
/// is never held whole, and the writer sees few, large writes. 64 KB (a pipe's buffer)
/// rather than 1 MB: a view touches 1.2 MB less fresh memory, which a short-lived
/// process pays for in page faults (`plan --as-of` and `matrix` at 1M were ahead in 7 of 8
/// alternated pairs).
pub(super) struct Chunked<W: io::Write> {
    buf: String,
    out: W,
}

impl<W: io::Write> Chunked<W> {
    const SIZE: usize = 1 << 16;

    pub(super) fn new(out: W) -> Self {
        Chunked {
            buf: String::with_capacity(Self::SIZE + Self::SIZE / 4),
            out,
        }
    }

    /// Writes what is left.
    pub(super) fn finish(mut self) -> io::Result<()> {
        self.out.write_all(self.buf.as_bytes())
    }
}

impl<W: io::Write> Sink for Chunked<W> {
    fn push_str(&mut self, s: &str) {
        self.buf.push_str(s);
    }

    fn row_done(&mut self) -> io::Result<()> {
        if self.buf.len() >= Self::SIZE {
            self.out.write_all(self.buf.as_bytes())?;
            self.buf.clear();
        }
        Ok(())
    }
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
    /// A cell's own text as `show` shows it. Printable ASCII is left as it is by every
    /// `show` this module is given (escaping touches only control and bidirectional
    /// characters) and is one column a byte: most cells skip the escaping scan, the search
    /// for line breaks and the width measure.
    fn own(show: &impl Fn(&'a str) -> Cow<'a, str>, s: &'a str) -> Shown<'a> {
        if s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Shown {
                text: Cow::Borrowed(s),
                width: s.len(),
                lines: 1,
            };
        }
        Shown::new(show(s))
    }

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

/// A [`Grid`] as [`Rows`]: a cell whose text is borrowed (an interned status name, shared
/// by many cells) names a shared text, numbered as first met.
struct GridRows<'g> {
    grid: &'g Grid,
    shared: RefCell<Vec<&'static str>>,
}

impl<'g> GridRows<'g> {
    /// Distinct shared texts numbered; past that they are shown one by one.
    const MAX: usize = 64;

    fn new(grid: &'g Grid) -> Self {
        GridRows {
            grid,
            shared: RefCell::default(),
        }
    }

    /// The number of borrowed text `t`, known by its address and length (which name one
    /// text while the grid is borrowed).
    fn number(shared: &mut Vec<&'static str>, t: &'static str) -> Option<usize> {
        let same = |s: &&str| s.as_ptr() == t.as_ptr() && s.len() == t.len();
        if let Some(n) = shared.iter().position(same) {
            return Some(n);
        }
        (shared.len() < Self::MAX).then(|| {
            shared.push(t);
            shared.len() - 1
        })
    }
}

impl Rows for GridRows<'_> {
    fn each_row<E>(&self, mut visit: impl FnMut(&[Text<'_>]) -> Result<(), E>) -> Result<(), E> {
        let mut cells = Vec::new();
        for row in &self.grid.rows {
            cells.clear();
            let mut shared = self.shared.borrow_mut();
            cells.extend(row.iter().map(|c| match &c.text {
                Cow::Borrowed(t) => Self::number(&mut shared, t).map_or(Text::Own(t), Text::Shared),
                Cow::Owned(t) => Text::Own(t),
            }));
            drop(shared);
            visit(&cells)?;
        }
        Ok(())
    }

    fn shared(&self, n: usize) -> &str {
        self.shared.borrow().get(n).copied().unwrap_or_default()
    }
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

/// A table measured (pass 1), to be written (pass 2): the header shown, the columns'
/// widths, the shared texts shown.
pub(super) struct Table<'r, R, F> {
    header: Vec<Shown<'r>>,
    rows: &'r R,
    show: F,
    /// The rows' shared texts shown, by number: each escaped and measured once.
    shared: Vec<Shown<'r>>,
    /// The first of them padded, by number, once the widths are known.
    padded: Vec<Padded>,
    size: Size,
    /// Whether a cell has a line break (never after [`safe_text::terminal`]).
    multi_line: bool,
}

/// What pass 1 learns of a table's size.
#[derive(Default)]
struct Size {
    /// Each column's content width.
    widths: Vec<usize>,
    /// Lines of text (header and rows).
    text_lines: usize,
    /// Bytes and display width of all cells' text.
    text_bytes: usize,
    text_width: usize,
}

impl Size {
    /// Takes in the cell at `column`.
    fn cell(&mut self, column: usize, shown: &Shown<'_>) -> Result<(), TooWide> {
        if shown.width > MAX_CONTENT_WIDTH {
            return Err(TooWide);
        }
        if self.widths.len() <= column {
            self.widths.resize(column + 1, 1);
        }
        self.widths[column] = self.widths[column].max(shown.width);
        self.text_bytes += shown.text.len();
        self.text_width += shown.width;
        Ok(())
    }

    /// The table's bytes: every text line is as wide as the columns with their padding, of
    /// which the cells' text takes `text_width` columns in `text_bytes` bytes. Exact for
    /// one-line cells; never below zero, as a cell is no wider than its column.
    fn bytes(&self) -> usize {
        let columns = self.widths.len();
        let inner: usize = self.widths.iter().map(|w| w + 2 * PAD).sum();
        let rule_bytes = (inner + columns.saturating_sub(1) + 2) * frame::BYTES;
        let text_line_bytes = inner + (columns + 1) * frame::BYTES;
        (3 * rule_bytes + 2 + self.text_lines * (text_line_bytes + 1) + self.text_bytes)
            .saturating_sub(self.text_width)
    }
}

/// Which shared texts each column has taken in, for the first [`SharedMet::BITS`] texts,
/// and how many more times each was met.
#[derive(Default)]
struct SharedMet {
    columns: Vec<u64>,
    repeats: Vec<usize>,
}

impl SharedMet {
    const BITS: usize = 64;

    /// True when shared text `n` was met in `column` before (and counts it); false the
    /// first time, when the caller takes it in as any other cell.
    #[inline]
    fn again(&mut self, column: usize, n: usize) -> bool {
        if n >= Self::BITS {
            return false;
        }
        if self.columns.len() <= column {
            self.columns.resize(column + 1, 0);
        }
        let bit = 1u64 << n;
        if self.columns[column] & bit == 0 {
            self.columns[column] |= bit;
            return false;
        }
        if self.repeats.len() <= n {
            self.repeats.resize(n + 1, 0);
        }
        self.repeats[n] += 1;
        true
    }
}

/// Shared text `n` of `rows` shown, showing it (and any before it not yet met) on first use.
#[inline]
fn shared_shown<'v, 'r, R: Rows>(
    shared: &'v mut Vec<Shown<'r>>,
    rows: &'r R,
    show: &impl for<'x> Fn(&'x str) -> Cow<'x, str>,
    n: usize,
) -> &'v Shown<'r> {
    if shared.len() <= n {
        show_shared_until(shared, rows, show, n);
    }
    &shared[n]
}

/// Shows the shared texts of `rows` up to number `n`: once a table each.
#[cold]
fn show_shared_until<'r, R: Rows>(
    shared: &mut Vec<Shown<'r>>,
    rows: &'r R,
    show: &impl for<'x> Fn(&'x str) -> Cow<'x, str>,
    n: usize,
) {
    while shared.len() <= n {
        shared.push(Shown::new(show(rows.shared(shared.len()))));
    }
}

/// The shared texts a column holds, by number, with how many cells hold each.
fn present(counts: &[usize]) -> impl Iterator<Item = (usize, &usize)> {
    counts.iter().enumerate().filter(|&(_, &k)| k > 0)
}

/// Pass 1 over rows counted by column, taking in what reading every row would: each row's
/// first text, and each column's shared texts once with their repeats. Returns the tallest
/// row's lines, or none (with `size` untouched) if a shared text has more than one line,
/// which only a row by row pass measures.
fn measure_by_column<'r, R: Rows>(
    size: &mut Size,
    shared: &mut Vec<Shown<'r>>,
    mut tallest: usize,
    rows: &'r R,
    show: &impl for<'x> Fn(&'x str) -> Cow<'x, str>,
    by: ByColumn<'r>,
) -> Result<Option<usize>, TooWide> {
    for counts in &by.counts {
        for (n, _) in present(counts) {
            if shared_shown(shared, rows, show, n).lines > 1 {
                return Ok(None);
            }
        }
    }
    for s in by.first {
        let own = Shown::own(show, s);
        size.cell(0, &own)?;
        size.text_lines += own.lines;
        tallest = tallest.max(own.lines);
    }
    for (column, counts) in by.counts.iter().enumerate() {
        for (n, &k) in present(counts) {
            let shown = &shared[n];
            size.cell(column + 1, shown)?;
            size.text_bytes += (k - 1) * shown.text.len();
            size.text_width += (k - 1) * shown.width;
        }
    }
    Ok(Some(tallest))
}

/// A shared one-line text ready to be written whole: the column separator, the padding,
/// the text and as many spaces as the widest column needs after it. A cell of it is then
/// one copy of a prefix, not four writes.
struct Padded {
    cell: String,
    /// Where the text ends in `cell`.
    text_end: usize,
    /// The text's display width.
    width: usize,
}

impl Padded {
    /// Columns wider than this leave their shared texts unpadded (a wide column would
    /// make every padded text as long).
    const MAX_COLUMN: usize = 512;
    /// Shared texts padded at most (a matrix has a handful).
    const MAX_TEXTS: usize = 1024;

    /// The shared texts padded for columns up to `widest` wide; none if that is too wide.
    fn all(shared: &[Shown<'_>], widest: usize) -> Vec<Padded> {
        if widest > Self::MAX_COLUMN {
            return Vec::new();
        }
        let padded = shared.iter().take(Self::MAX_TEXTS).map(|s| {
            let mut cell = String::new();
            cell.push_str(frame::BETWEEN);
            push_spaces(&mut cell, PAD);
            cell.push_str(&s.text);
            let text_end = cell.len();
            push_spaces(&mut cell, widest.saturating_sub(s.width) + PAD);
            Padded {
                cell,
                text_end,
                width: s.width,
            }
        });
        padded.collect()
    }

    /// The cell in a column `column` wide, separator first; none if it would not fit.
    fn in_column(&self, column: usize) -> Option<&str> {
        let end = self.text_end + column.checked_sub(self.width)? + PAD;
        self.cell.get(..end)
    }
}

impl<'r, R: Rows, F: for<'x> Fn(&'x str) -> Cow<'x, str>> Table<'r, R, F> {
    /// Measures `header` and `rows`, each text shown by `show` (pass 1). [`TooWide`] if a
    /// column is too wide for comfy-table to lay out without wrapping.
    pub(super) fn measure(header: &[&'r str], rows: &'r R, show: F) -> Result<Self, TooWide> {
        let header: Vec<Shown<'r>> = header.iter().map(|h| Shown::new(show(h))).collect();
        let mut size = Size::default();
        let mut height = 1;
        for (column, shown) in header.iter().enumerate() {
            size.cell(column, shown)?;
            height = height.max(shown.lines);
        }
        let mut tallest = height;
        size.text_lines = height;
        let mut shared = Vec::new();
        if let Some(by) = rows.by_column() {
            if let Some(tallest) =
                measure_by_column(&mut size, &mut shared, tallest, rows, &show, by)?
            {
                return Ok(Table::measured(header, rows, show, shared, size, tallest));
            }
        }
        // A shared text already met in a column widens it no more: it is counted here and
        // its bytes and width added once at the end (a matrix has a million such cells).
        let mut met = SharedMet::default();
        rows.each_row(|texts| {
            let mut height = 1;
            for (column, &text) in texts.iter().enumerate() {
                let own;
                let shown = match text {
                    Text::Own(s) => {
                        own = Shown::own(&show, s);
                        &own
                    }
                    Text::Shared(n) => {
                        let shown = shared_shown(&mut shared, rows, &show, n);
                        if met.again(column, n) {
                            height = height.max(shown.lines);
                            continue;
                        }
                        shown
                    }
                };
                size.cell(column, shown)?;
                height = height.max(shown.lines);
            }
            size.text_lines += height;
            tallest = tallest.max(height);
            Ok(())
        })?;
        for (n, &times) in met.repeats.iter().enumerate() {
            if let Some(shown) = shared.get(n) {
                size.text_bytes += times * shown.text.len();
                size.text_width += times * shown.width;
            }
        }
        Ok(Table::measured(header, rows, show, shared, size, tallest))
    }

    /// A table once pass 1 has measured it: `tallest` is its tallest row's lines.
    fn measured(
        header: Vec<Shown<'r>>,
        rows: &'r R,
        show: F,
        shared: Vec<Shown<'r>>,
        mut size: Size,
        tallest: usize,
    ) -> Self {
        // With no columns at all, no row has a line.
        if size.widths.is_empty() {
            size.text_lines = 0;
        }
        Table {
            header,
            rows,
            show,
            shared,
            padded: Vec::new(),
            size,
            multi_line: tallest > 1,
        }
    }

    /// The bytes [`Table::write`] writes, exactly when no cell has a line break.
    pub(super) fn bytes(&self) -> usize {
        self.size.bytes()
    }

    /// Writes the table (pass 2): no line break after the last line.
    pub(super) fn write(&mut self, out: &mut impl Sink) -> io::Result<()> {
        let widths = &self.size.widths;
        self.padded = Padded::all(&self.shared, widths.iter().copied().max().unwrap_or(0));
        rule(out, widths, frame::TOP);
        text_rows(out, widths, &self.header);
        out.push('\n');
        rule(out, widths, frame::HEADER);
        out.row_done()?;
        let this = &*self;
        this.rows.each_row(|texts| {
            if this.multi_line {
                let mut cells = Vec::with_capacity(texts.len());
                for &text in texts {
                    cells.push(match text {
                        Text::Own(s) => Shown::own(&this.show, s),
                        // Pass 1 showed every shared text the rows name.
                        Text::Shared(n) => (this.shared.get(n).cloned())
                            .unwrap_or_else(|| Shown::new((this.show)(this.rows.shared(n)))),
                    });
                }
                text_rows(out, widths, &cells);
            } else {
                this.line(out, texts);
            }
            out.row_done()
        })?;
        out.push('\n');
        rule(out, widths, frame::BOTTOM);
        Ok(())
    }

    /// A row of one-line cells as its one line, preceded by `'\n'`; shared texts were all
    /// shown in pass 1.
    fn line(&self, out: &mut impl Sink, texts: &[Text<'_>]) {
        let widths = &self.size.widths;
        if widths.is_empty() {
            return;
        }
        out.push('\n');
        out.push_str(frame::LEFT);
        for (i, &w) in widths.iter().enumerate() {
            let text = texts.get(i);
            if i > 0 {
                if let Some(cell) = text.and_then(|&t| self.padded_cell(t, w)) {
                    out.push_str(cell);
                    continue;
                }
                out.push_str(frame::BETWEEN);
            }
            let own;
            let shown = match text {
                Some(Text::Own(s)) => {
                    own = Shown::own(&self.show, s);
                    Some(&own)
                }
                Some(&Text::Shared(n)) => self.shared.get(n),
                None => None,
            };
            match shown {
                Some(c) => one_line_cell(out, &c.text, c.width, w),
                None => push_spaces(out, w + 2 * PAD),
            }
        }
        out.push_str(frame::RIGHT);
    }

    /// A shared text's cell, separator first, in a column `column` wide, if padded.
    fn padded_cell(&self, text: Text<'_>, column: usize) -> Option<&str> {
        match text {
            Text::Shared(n) => self.padded.get(n)?.in_column(column),
            Text::Own(_) => None,
        }
    }
}

/// One line of a cell, `width` wide, padded to `column` with padding either side.
fn one_line_cell(out: &mut impl Sink, text: &str, width: usize, column: usize) {
    push_spaces(out, PAD);
    out.push_str(text);
    push_spaces(out, column - width + PAD);
}

/// A horizontal rule: `[left, line, intersection, right]`, each column its width with
/// padding.
fn rule(out: &mut impl Sink, widths: &[usize], [left, line, between, right]: [char; 4]) {
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
fn text_rows(out: &mut impl Sink, widths: &[usize], cells: &[Shown<'_>]) {
    // A cell may hold a line break (never after `safe_text::terminal`): the row is as high
    // as its tallest cell, shorter cells and missing ones are topped up with blanks.
    let height = cells.iter().map(|c| c.lines).max().unwrap_or(1);
    if widths.is_empty() {
        return;
    }
    for line in 0..height {
        out.push('\n');
        out.push_str(frame::LEFT);
        for (i, &w) in widths.iter().enumerate() {
            if i > 0 {
                out.push_str(frame::BETWEEN);
            }
            match cells.get(i).and_then(|c| c.text.split('\n').nth(line)) {
                Some(text) => one_line_cell(out, text, line_width(text), w),
                None => push_spaces(out, w + 2 * PAD),
            }
        }
        out.push_str(frame::RIGHT);
    }
}

fn push_spaces(out: &mut impl Sink, mut n: usize) {
    const SPACES: &str = "                                                                ";
    while n > SPACES.len() {
        out.push_str(SPACES);
        n -= SPACES.len();
    }
    out.push_str(&SPACES[..n]);
}

#[cfg(test)]
mod tests {
    use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table as Comfy};
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
        let mut t = Comfy::new();
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
        write_grid_with(&mut out, g, |s| Cow::Borrowed(s)).expect("not too wide");
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

        /// Pass 1 by column writes what pass 1 row by row does, and reads no row when no
        /// shared text it meets has a line break.
        #[test]
        fn measuring_by_column_writes_what_measuring_by_row_does(
            (header, names, first, cells) in any_counted()
        ) {
            let header: Vec<&str> = header.iter().map(String::as_str).collect();
            let table = |by_column| {
                let rows = Counted { names: &names, first: &first, cells: &cells, by_column, reads: std::cell::Cell::new(0) };
                let mut out = String::new();
                // The text, and the size pass 1 foresaw for it.
                let written = Table::measure(&header, &rows, |s| Cow::Borrowed(s)).map(|mut t| {
                    t.write(&mut out).expect("a String takes every byte");
                    t.bytes()
                });
                (written.map(|bytes| (out, bytes)), rows.reads.get())
            };
            let (by_row, reads) = table(false);
            prop_assert_eq!(reads, if by_row.is_ok() { 2 } else { 1 });
            let (by_column, reads) = table(true);
            prop_assert_eq!(&by_column, &by_row);
            let multi_line = cells.iter().flatten().any(|&n| names[n].contains('\n'));
            if by_row.is_ok() && !multi_line {
                prop_assert_eq!(reads, 1, "pass 2 alone reads the rows");
            }
        }
    }

    /// Rows of an own first text and numbered shared texts, counted by column on request;
    /// `reads` counts the passes that read them row by row.
    struct Counted<'a> {
        names: &'a [String],
        first: &'a [String],
        cells: &'a [Vec<usize>],
        by_column: bool,
        reads: std::cell::Cell<usize>,
    }

    impl Rows for Counted<'_> {
        fn each_row<E>(
            &self,
            mut visit: impl FnMut(&[Text<'_>]) -> Result<(), E>,
        ) -> Result<(), E> {
            self.reads.set(self.reads.get() + 1);
            for (first, row) in self.first.iter().zip(self.cells) {
                let mut texts = vec![Text::Own(first)];
                texts.extend(row.iter().map(|&n| Text::Shared(n)));
                visit(&texts)?;
            }
            Ok(())
        }

        fn shared(&self, n: usize) -> &str {
            &self.names[n]
        }

        fn by_column(&self) -> Option<ByColumn<'_>> {
            if !self.by_column {
                return None;
            }
            let columns = self.cells.first().map_or(0, Vec::len);
            let mut counts = vec![vec![0; self.names.len()]; columns];
            for row in self.cells {
                for (c, &n) in row.iter().enumerate() {
                    counts[c][n] += 1;
                }
            }
            Some(ByColumn {
                first: self.first.iter().map(String::as_str).collect(),
                counts,
            })
        }
    }

    /// A header, shared texts, and rows of a first text and as many shared ones each.
    #[allow(clippy::type_complexity)]
    fn any_counted(
    ) -> impl Strategy<Value = (Vec<String>, Vec<String>, Vec<String>, Vec<Vec<usize>>)> {
        let names = prop::collection::vec(any_text(), 1..5);
        (
            prop::collection::vec(any_text(), 0..6),
            names,
            0..5usize,
            0..8usize,
        )
            .prop_flat_map(|(header, names, columns, rows)| {
                let cell = 0..names.len();
                let row = (any_text(), prop::collection::vec(cell, columns));
                prop::collection::vec(row, rows).prop_map(move |rows| {
                    let (first, cells) = rows.into_iter().unzip();
                    (header.clone(), names.clone(), first, cells)
                })
            })
    }
}

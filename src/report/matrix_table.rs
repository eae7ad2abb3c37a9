//! `matrix` as a terminal table without colour, streamed: the text of
//! `render(m, matrix_doc, ViewFormat::Table, ..)` without colour, written from the
//! matrix's outline and its [`MatrixStatuses`] straight to a writer. A large matrix then
//! never becomes a [`super::Doc`] of a million cells, nor one string of all its text.

use std::borrow::Cow;
use std::io;

use super::plain_grid::{Chunked, Rows, Sink, Table, Text, TooWide};
use super::safe_text;
use super::views::{head_note_text, matrix_action, matrix_header, matrix_heading};
use crate::plan::view::{Matrix, MatrixStatuses};

/// Writes the matrix of `outline` (its rows' cells left empty, see
/// [`crate::plan::view::matrix_outline`]) with the cells of `statuses`, exactly as
/// `to_table(&matrix_doc(m), false)` shows the whole matrix. Writes nothing and returns
/// [`TooWide`] if a column is too wide to lay out without comfy-table.
pub fn write_matrix_table(
    out: &mut dyn io::Write,
    outline: &Matrix,
    statuses: &MatrixStatuses,
) -> io::Result<Result<(), TooWide>> {
    let rows = MatrixRows {
        actions: outline.rows.iter().map(matrix_action).collect(),
        statuses,
    };
    let header: Vec<&str> = matrix_header(outline).collect();
    let mut table = match Table::measure(&header, &rows, safe_text::terminal) {
        Ok(table) => table,
        Err(TooWide) => return Ok(Err(TooWide)),
    };
    let mut sink = Chunked::new(out);
    // `matrix_doc`'s blocks as `to_table` writes them: the heading, the note and the grid,
    // each ending its line.
    for line in [matrix_heading(outline), head_note_text(outline.head)] {
        sink.push_str(&safe_text::terminal(&line));
        sink.push('\n');
    }
    table.write(&mut sink)?;
    sink.push('\n');
    sink.finish()?;
    Ok(Ok(()))
}

/// The matrix's rows as `matrix_doc` makes them: the action, then a status name (shared:
/// a matrix has few distinct ones) or an empty cell per review.
struct MatrixRows<'m> {
    actions: Vec<Cow<'m, str>>,
    statuses: &'m MatrixStatuses,
}

impl Rows for MatrixRows<'_> {
    fn count(&self) -> usize {
        self.actions.len()
    }

    fn row<'s>(&'s self, i: usize, cells: &mut Vec<Text<'s>>) {
        let Some(action) = self.actions.get(i) else {
            return;
        };
        cells.push(Text::Own(action));
        let numbers = self.statuses.row(i);
        cells.extend(numbers.iter().map(|&n| Text::Shared(n as usize)));
    }

    /// Shared text 0 is the empty cell; `n` is the status numbered `n`.
    fn shared(&self, n: usize) -> &str {
        let name = u32::try_from(n).ok().and_then(|n| self.statuses.name(n));
        name.map_or("", |s| s.as_str())
    }
}

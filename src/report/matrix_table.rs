//! `matrix` as a terminal table without colour, or as CSV, streamed: the text of
//! `render(m, matrix_doc, ..)` in those formats, written from the matrix's outline and
//! its [`MatrixStatuses`] straight to a writer. A large matrix then never becomes a
//! [`super::Doc`] of a million cells, nor one string of all its text.

use std::borrow::Cow;
use std::io;

use super::plain_grid::{ByColumn, Chunked, Rows, Sink, Table, Text, TooWide};
use super::render::csv_field;
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

/// Writes the matrix of `outline` with the cells of `statuses` exactly as
/// `to_csv(&matrix_doc(m), raw)` writes the whole matrix: each distinct status name made
/// a field once.
pub fn write_matrix_csv(
    out: &mut dyn io::Write,
    outline: &Matrix,
    statuses: &MatrixStatuses,
    raw: bool,
) -> io::Result<()> {
    let mut fields: Vec<Cow<'_, str>> = vec![csv_field("", raw)];
    fields.extend(statuses.names().iter().map(|s| csv_field(s.as_str(), raw)));
    let mut sink = Chunked::new(out);
    for (i, name) in matrix_header(outline).enumerate() {
        if i > 0 {
            sink.push(',');
        }
        sink.push_str(&csv_field(name, raw));
    }
    sink.push('\n');
    statuses.each_row(|i, numbers| {
        let Some(row) = outline.rows.get(i) else {
            return Ok(());
        };
        sink.push_str(&csv_field(&matrix_action(row), raw));
        for &n in numbers {
            sink.push(',');
            sink.push_str(fields.get(n as usize).map_or("", |f| f));
        }
        sink.push('\n');
        sink.row_done()
    })?;
    sink.finish()
}

/// The matrix's rows as `matrix_doc` makes them: the action, then a status name (shared:
/// a matrix has few distinct ones) or an empty cell per review.
struct MatrixRows<'m> {
    actions: Vec<Cow<'m, str>>,
    statuses: &'m MatrixStatuses,
}

impl Rows for MatrixRows<'_> {
    fn each_row<E>(&self, mut visit: impl FnMut(&[Text<'_>]) -> Result<(), E>) -> Result<(), E> {
        let mut cells = Vec::new();
        self.statuses.each_row(|i, numbers| {
            let Some(action) = self.actions.get(i) else {
                return Ok(());
            };
            cells.clear();
            cells.push(Text::Own(action));
            cells.extend(numbers.iter().map(|&n| Text::Shared(n as usize)));
            visit(&cells)
        })
    }

    /// Shared text 0 is the empty cell; `n` is the status numbered `n`.
    fn shared(&self, n: usize) -> &str {
        let name = u32::try_from(n).ok().and_then(|n| self.statuses.name(n));
        name.map_or("", |s| s.as_str())
    }

    /// Every row is an action and a status number per review: the statuses are kept by
    /// review, so each column is counted in one run of its cells.
    fn by_column(&self) -> Option<ByColumn<'_>> {
        let rows = self.actions.len().min(self.statuses.actions());
        Some(ByColumn {
            first: self.actions[..rows].iter().map(|a| a.as_ref()).collect(),
            counts: self.statuses.counts_by_review(rows),
        })
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::entry::{EntryHash, Head};
    use crate::plan::view::{MatrixCell, MatrixRow, ReviewRef};
    use crate::report::render::{to_csv, to_table};
    use crate::report::views::matrix_doc;
    use crate::sym::Sym;

    /// The matrix's outline and statuses, as the command builds them.
    fn parts(m: &Matrix) -> (Matrix, MatrixStatuses) {
        let mut outline = m.clone();
        let mut statuses = MatrixStatuses::new(m.rows.len(), m.reviews.len());
        for (i, row) in outline.rows.iter_mut().enumerate() {
            for (j, cell) in row.cells.drain(..).enumerate() {
                if let Some(cell) = cell {
                    statuses.set(i, j, cell.status);
                }
            }
        }
        (outline, statuses)
    }

    /// The fast path's bytes, or none if it declined.
    fn streamed(m: &Matrix) -> Option<Vec<u8>> {
        let (outline, statuses) = parts(m);
        let mut out = Vec::new();
        let written = write_matrix_table(&mut out, &outline, &statuses).expect("a Vec takes all");
        match written {
            Ok(()) => Some(out),
            Err(TooWide) => {
                assert!(out.is_empty(), "nothing written when declined");
                None
            }
        }
    }

    /// The streamed CSV's bytes.
    fn streamed_csv(m: &Matrix, raw: bool) -> Vec<u8> {
        let (outline, statuses) = parts(m);
        let mut out = Vec::new();
        write_matrix_csv(&mut out, &outline, &statuses, raw).expect("a Vec takes all");
        out
    }

    fn matrix(rows: Vec<MatrixRow>, reviews: &[&str]) -> Matrix {
        Matrix {
            title: "Plan \u{1b}[2J".to_string(),
            head: Some(Head {
                seq: 7,
                hash: EntryHash([0xab; 32]),
            }),
            reviews: reviews
                .iter()
                .map(|&label| ReviewRef {
                    label: label.to_string(),
                    date: "2020-05-31".to_string(),
                })
                .collect(),
            rows,
        }
    }

    fn row(action: &str, withdrawn: bool, cells: &[Option<&str>]) -> MatrixRow {
        MatrixRow {
            action: action.to_string(),
            area: "1".to_string(),
            withdrawn,
            cells: cells
                .iter()
                .map(|c| {
                    c.map(|s| MatrixCell {
                        status: Sym::new(s),
                        rag: None,
                    })
                })
                .collect(),
        }
    }

    #[test]
    fn writes_what_the_document_renders() {
        let m = matrix(
            vec![
                row("1.1", false, &[Some("Completed"), None]),
                row("1.2", true, &[None, Some("日本\u{7}")]),
            ],
            &["RAG May 20", "RAG August 20"],
        );
        let expected = to_table(&matrix_doc(&m), false);
        assert_eq!(streamed(&m), Some(expected.into_bytes()));
    }

    #[test]
    fn a_column_too_wide_is_left_to_comfy_table() {
        let wide = "x".repeat(usize::from(u16::MAX));
        let m = matrix(
            vec![row(&wide, false, &[Some("Completed")])],
            &["RAG May 20"],
        );
        assert_eq!(streamed(&m), None);
    }

    /// Characters whose width or escaping is easy to get wrong: ASCII, wide CJK and emoji,
    /// combining marks, joiners, controls, line breaks and bidi controls.
    fn any_text() -> impl Strategy<Value = String> {
        let c = prop_oneof![
            6 => proptest::char::range(' ', '~'),
            2 => proptest::char::range('\u{4e00}', '\u{9fff}'),
            1 => prop::sample::select(vec!['😀', '👩', '\u{200d}', '\u{fe0f}', '\u{301}']),
            1 => proptest::char::range('\0', '\u{1f}'),
            1 => prop::sample::select(vec!['\n', '\r', '\t', '\u{202e}', '\u{9b}', '\u{7f}']),
        ];
        prop::collection::vec(c, 0..12).prop_map(|v| v.into_iter().collect())
    }

    fn any_matrix() -> impl Strategy<Value = Matrix> {
        let names = prop::collection::vec(any_text(), 1..6);
        let labels = prop::collection::vec(any_text(), 0..5);
        let action = prop_oneof![
            4 => any_text(),
            1 => "[0-9.]{40,700}",
        ];
        (names, labels).prop_flat_map(move |(names, labels)| {
            let reviews = labels.len();
            let cell = prop::option::of(prop::sample::select(names));
            let any_row = (
                action.clone(),
                any::<bool>(),
                prop::collection::vec(cell, reviews),
            );
            prop::collection::vec(any_row, 0..8).prop_map(move |rows| {
                let labels: Vec<&str> = labels.iter().map(String::as_str).collect();
                let rows = rows
                    .iter()
                    .map(|(action, withdrawn, cells)| {
                        let cells: Vec<Option<&str>> = cells.iter().map(|c| c.as_deref()).collect();
                        row(action, *withdrawn, &cells)
                    })
                    .collect();
                let mut m = matrix(rows, &labels);
                m.head = None;
                m
            })
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Byte for byte what `render(m, matrix_doc, ViewFormat::Table, ..)` writes
        /// without colour.
        #[test]
        fn matches_the_rendered_document(m in any_matrix()) {
            let expected = to_table(&matrix_doc(&m), false);
            prop_assert_eq!(streamed(&m), Some(expected.into_bytes()));
        }

        /// Byte for byte what `render(m, matrix_doc, ViewFormat::Csv, ..)` writes.
        #[test]
        fn csv_matches_the_rendered_document(m in any_matrix(), raw in any::<bool>()) {
            let expected = to_csv(&matrix_doc(&m), raw);
            prop_assert_eq!(streamed_csv(&m, raw), expected.into_bytes());
        }
    }
}

//! Reads a WSoA table copied from a web page as plain text (no `|` delimiters) into the same
//! [`WsoaTable`] the pipe-separated reader gives; pure (text in, data out).
//!
//! The accepted shape, as a browser copy gives it:
//!
//! - Title, "Area for Improvement N" lines and findings as in the pipe-separated form; a later
//!   area opens at its "Area for Improvement N" line, and its finding runs to its header.
//! - The header: a line "Number", then each column name on its own line or paragraph
//!   ("Outcomes", "Action", ..., "Evidence and impact", "RAG May 20", "RAG Nov 20", ...).
//!   Tabs also separate header cells, and several review labels run together on one line
//!   ("RAG May 20 RAG Aug 20") are split before each "RAG".
//! - Each row: a line holding only its action number ("1.3", "2.1A"), then one paragraph per
//!   text cell (a blank line starts the next cell; the lines of one paragraph are joined with
//!   a space), Lead, Measures or Evidence may be missing as in the pipe form, and last the
//!   status line: the row's statuses one after another. Separated by single spaces, they are
//!   split by the plan's statuses, longest phrase first, and must give exactly one per review
//!   column; separated by tabs (a browser's copy of table cells), each piece is one cell and
//!   an empty piece an empty cell, the only way an empty status can be shown.

use super::error::{ImportError, RunSplit};
use super::status_run::{reading_of, split_run};
use super::wsoa::{
    action_number, build_area, header_from_cells, read_document, AreaHead, Cell, RawRow, Shape,
    WsoaArea, WsoaTable, TEXT_COLUMNS,
};

/// Parses a WSoA table copied from a web page; `source_name` names the file in messages and
/// `words` lists the statuses (and legend words) a cell may hold.
pub fn parse_web_text(
    source_name: &str,
    bytes: &[u8],
    words: &[&str],
) -> Result<WsoaTable, ImportError> {
    read_document(&WebText, source_name, bytes, words)
}

/// Whether the text looks like a web copy: some line holds only "Number" (a header's first cell).
pub fn has_web_header(text: &str) -> bool {
    text.lines().any(is_header_start)
}

/// Colours a status line may hold even when the plan does not accept them, so the cell is
/// refused by name (a colour the legend does not map) instead of stopping the split.
const COLOURS: [&str; 4] = ["Red", "Amber", "Green", "Blue"];

struct WebText;

impl Shape for WebText {
    const FORMAT: &'static str = super::WEB_TEXT_FORMAT;

    fn first_header(&self, lines: &[(usize, &str)]) -> Option<usize> {
        lines.iter().position(|(_, l)| is_header_start(l))
    }

    fn no_header(&self, file: String, line: usize) -> ImportError {
        ImportError::NoWebHeader { file, line }
    }

    fn is_table_line(&self, line: &str) -> bool {
        is_header_start(line) || row_number(line).is_some()
    }

    fn row_start(&self, line: &str) -> Option<(String, Option<char>)> {
        row_number(line)
    }

    fn read_area(
        &self,
        file: &str,
        words: &[&str],
        lines: &[(usize, &str)],
        head: AreaHead,
        header: usize,
        end: usize,
        warn: &mut dyn FnMut(usize, String),
    ) -> Result<WsoaArea, ImportError> {
        let first_row = (header..end)
            .find(|&i| row_number(lines[i].1).is_some())
            .unwrap_or(end);
        let cells: Vec<String> = lines[header..first_row]
            .iter()
            .flat_map(|(_, l)| header_cells(l))
            .collect();
        let cells: Vec<&str> = cells.iter().map(String::as_str).collect();
        let header = header_from_cells(file, lines[header].0, &cells)?;
        let reviews = header.reviews.len();
        let mut accepted: Vec<&str> = words.to_vec();
        accepted.extend(COLOURS.iter().filter(|c| !words.iter().any(|w| w == *c)));
        let reader = RowReader {
            file,
            accepted: &accepted,
            reviews,
            columns: &header.columns[1..],
        };
        let body = &lines[first_row..end];
        let starts: Vec<usize> = (0..body.len())
            .filter(|&i| row_number(body[i].1).is_some())
            .chain(std::iter::once(body.len()))
            .collect();
        let mut rows = Vec::with_capacity(starts.len());
        for pair in starts.windows(2) {
            rows.push(reader.read(&body[pair[0]..pair[1]])?);
        }
        build_area(file, words, head, header, rows, warn)
    }
}

/// A line holding only "Number" (before any tab): where a copied header starts.
fn is_header_start(line: &str) -> bool {
    line.split('\t')
        .map(str::trim)
        .find(|c| !c.is_empty())
        .is_some_and(|c| c.eq_ignore_ascii_case("number"))
}

/// A line holding only an action number opens a row.
fn row_number(line: &str) -> Option<(String, Option<char>)> {
    action_number(line.trim())
}

/// A header line's cells: split at tabs, and before each "RAG" of a line holding several.
fn header_cells(line: &str) -> Vec<String> {
    let mut cells = Vec::new();
    for piece in line.split('\t') {
        let mut cell: Vec<&str> = Vec::new();
        for word in piece.split_whitespace() {
            if word.eq_ignore_ascii_case("rag") && !cell.is_empty() {
                cells.push(cell.join(" "));
                cell.clear();
            }
            cell.push(word);
        }
        if !cell.is_empty() {
            cells.push(cell.join(" "));
        }
    }
    cells
}

/// What an area's rows are read against.
struct RowReader<'a> {
    file: &'a str,
    /// The statuses, legend words and colours a status line is split by.
    accepted: &'a [&'a str],
    reviews: usize,
    /// The header's text columns after "Number", for messages.
    columns: &'a [String],
}

impl RowReader<'_> {
    /// One row's lines, from its number line to the next row: its number, text cells and statuses.
    fn read(&self, lines: &[(usize, &str)]) -> Result<RawRow, ImportError> {
        let (line, number_line) = lines[0];
        let (number, letter) = row_number(number_line).unwrap_or_default();
        let mut paragraphs: Vec<&[(usize, &str)]> = lines[1..]
            .split(|(_, l)| l.trim().is_empty())
            .filter(|p| !p.is_empty())
            .collect();
        let id = format!("{number}{}", letter.map(String::from).unwrap_or_default());
        let texts = TEXT_COLUMNS - 1;
        let Some(run) = paragraphs.pop().filter(|_| paragraphs.len() + 1 >= texts) else {
            return Err(self.cell_count(line, id, paragraphs.len()));
        };
        if paragraphs.len() > texts {
            return Err(self.cell_count(line, id, paragraphs.len()));
        }
        let mut cells = vec![Cell::new(number.clone(), line)];
        for p in paragraphs {
            let words = p.iter().flat_map(|(_, l)| l.split('\t').map(str::trim));
            let text: Vec<&str> = words.filter(|w| !w.is_empty()).collect();
            cells.push(Cell::new(text.join(" "), p[0].0));
        }
        cells.extend(self.statuses(run)?);
        Ok(RawRow {
            line,
            number,
            letter,
            cells,
        })
    }

    fn cell_count(&self, line: usize, id: String, found: usize) -> ImportError {
        ImportError::WebRowCells {
            file: self.file.to_string(),
            line,
            id,
            found,
            expected: TEXT_COLUMNS - 1,
            columns: self.columns.join(", "),
        }
    }

    /// The status line's cells: split at tabs when it has any, otherwise by the accepted words.
    fn statuses(&self, run: &[(usize, &str)]) -> Result<Vec<Cell>, ImportError> {
        let line = run[0].0;
        let error = |run: String, found: Vec<String>, rest, other| ImportError::StatusRun {
            file: self.file.to_string(),
            line,
            expected: self.reviews,
            split: Box::new(RunSplit {
                run,
                found,
                rest,
                other,
            }),
        };
        if run.iter().any(|(_, l)| l.contains('\t')) {
            let pieces: Vec<(usize, &str)> = run
                .iter()
                .flat_map(|&(n, l)| l.split('\t').map(move |c| (n, c.trim())))
                .collect();
            if pieces.len() != self.reviews {
                let text: Vec<&str> = run.iter().map(|(_, l)| l.trim()).collect();
                let found = pieces.iter().map(|(_, c)| c.to_string()).collect();
                return Err(error(text.join(" "), found, None, None));
            }
            return Ok(pieces
                .into_iter()
                .map(|(n, c)| Cell::new(c.to_string(), n))
                .collect());
        }
        let words: Vec<(usize, &str)> = run
            .iter()
            .flat_map(|&(n, l)| l.split_whitespace().map(move |w| (n, w)))
            .collect();
        let plain: Vec<&str> = words.iter().map(|(_, w)| *w).collect();
        let text = |r: std::ops::Range<usize>| plain[r].join(" ");
        let split = split_run(&plain, self.accepted);
        let whole = split.stuck_at == plain.len();
        if whole && split.statuses.len() == self.reviews {
            let cell = |r: std::ops::Range<usize>| Cell::new(text(r.clone()), words[r.start].0);
            return Ok(split.statuses.into_iter().map(cell).collect());
        }
        let found = split.statuses.iter().cloned().map(text).collect();
        let rest = (!whole).then(|| text(split.stuck_at..plain.len()));
        let other = (whole)
            .then(|| reading_of(&plain, self.accepted, self.reviews))
            .flatten()
            .map(|rs| rs.into_iter().map(text).collect());
        Err(error(plain.join(" "), found, rest, other))
    }
}

#[cfg(test)]
#[path = "web_text_tests.rs"]
mod tests;

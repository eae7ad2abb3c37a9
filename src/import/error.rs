//! The errors an import can stop with; each message names the file and line and says what to do,
//! because the reader is the person who has to fix the source table.

use thiserror::Error;

/// Why an import source could not be read into a plan.
///
/// Problems the importer can work around (an unreadable date, a missing Lead cell) are warnings
/// on the parsed table instead; these are the ones where guessing would put wrong data in the
/// ledger.
#[derive(Debug, Error)]
pub enum ImportError {
    /// The file could not be read at all; raised by callers that do the I/O.
    #[error("{path}: could not read the file ({source}); check the path and its permissions")]
    Read {
        path: String,
        #[source]
        source: std::io::Error,
    },

    /// The file has no content, or only blank lines.
    #[error("{file}, line {line}: the file is empty; export the WSoA table as text and try again")]
    Empty { file: String, line: usize },

    /// The bytes are not UTF-8 text (invalid sequences or NUL bytes): probably a binary document.
    #[error("{file}, line {line}: this is not a text file ({detail}); save or export the table as UTF-8 text")]
    NotText {
        file: String,
        line: usize,
        detail: String,
    },

    /// No header row was found; `line` is the last line searched.
    #[error("{file}, line {line}: no header row found in the file; the table needs a header line starting \"Number |\" and ending with \"RAG <month> <year>\" columns")]
    NoHeader { file: String, line: usize },

    /// The header row has no review ("RAG ...") columns, so no statuses can be read.
    #[error("{file}, line {line}: the header row has no review columns; add columns named like \"RAG November 20\" after \"Evidence and impact\"")]
    NoReviewColumns { file: String, line: usize },

    /// A header cell after the first review column is not a readable review label.
    #[error("{file}, line {line}: header column \"{label}\" is not a review column like \"RAG November 20\"; fix its month and year, or move it before the review columns")]
    BadReviewLabel {
        file: String,
        line: usize,
        label: String,
    },

    /// The header has the wrong number of text columns before the review columns.
    #[error("{file}, line {line}: the header has {found} columns before the review columns but {expected} are expected (Number | Outcomes | Action | Start date | End date | Lead | Measures of success | Evidence and impact); fix the header")]
    HeaderColumns {
        file: String,
        line: usize,
        found: usize,
        expected: usize,
    },

    /// A status cell holds a word that is not on the plan's scale.
    #[error("{file}, line {line}: unknown status \"{cell}\"{}; valid statuses are {}. Fix the cell or add the status to the plan's scale", hint(.suggestion), .scale.join(", "))]
    UnknownStatus {
        file: String,
        line: usize,
        cell: String,
        suggestion: Option<String>,
        scale: Vec<String>,
    },

    /// A row's cells cannot be lined up with the header's columns by any rule the importer knows.
    #[error("{file}, line {line}: row {id} has {found} cells for the header's {expected} columns, and {detail}; check the row's \"|\" separators against the header")]
    CellCount {
        file: String,
        line: usize,
        id: String,
        found: usize,
        expected: usize,
        detail: String,
    },

    /// An action number is used twice without distinct "(A)"/"(B)" markers in the Action cells.
    #[error("{file}, line {line}: action number {number} is also used on line {first_line}, and the two Action cells do not carry distinct \"(A)\"/\"(B)\" markers; add the markers or renumber one of the rows")]
    DuplicateNumber {
        file: String,
        number: String,
        first_line: usize,
        line: usize,
    },

    /// An "Area for Improvement N" line below the first area with no header row of its own
    /// before its rows (`first_row`) or before the next area or the end of the file (`None`).
    #[error("{file}, line {line}: \"{heading}\" starts a new area here, but {}; each area needs its own header row (\"Number | Outcomes | … | RAG <month> <year> |\") between its finding and its rows", after_area(.first_row))]
    NoAreaHeader {
        file: String,
        line: usize,
        heading: String,
        first_row: Option<usize>,
    },

    /// An area whose header row has no action rows below it.
    #[error("{file}, line {line}: {heading} has no action rows below its header row (line {header_line}); add the area's rows, or remove the area")]
    EmptyArea {
        file: String,
        line: usize,
        heading: String,
        header_line: usize,
    },

    /// Two areas with the same number.
    #[error("{file}, line {line}: area {number} is also given on line {first_line}; renumber one of the areas")]
    DuplicateArea {
        file: String,
        line: usize,
        number: String,
        first_line: usize,
    },

    /// A header row inside an area's rows, with no "Area for Improvement N" line above it.
    #[error("{file}, line {line}: a second header row below the header on line {header_line}, with no \"Area for Improvement N\" line above it; add that line to start a new area, or remove the repeated header")]
    StrayHeader {
        file: String,
        line: usize,
        header_line: usize,
    },

    /// A table copied from a web page with no header: no line holds only "Number".
    #[error("{file}, line {line}: no header found; a table copied from a web page needs its header cells one per line, starting with a line \"Number\" and ending with review columns like \"RAG November 20\" (a \"|\"-separated table needs a header line starting \"Number |\"); copy the table with its header row")]
    NoWebHeader { file: String, line: usize },

    /// A row copied from a web page whose paragraphs do not line up with the header's text columns.
    #[error("{file}, line {line}: row {id} has {found} paragraphs between its number and its status line, for the header's {expected} text columns ({columns}); keep each cell in one paragraph (a blank line starts the next cell, so join a cell's paragraphs), at most one of Lead, Measures or Evidence may be missing, and the row's statuses go on its last line")]
    WebRowCells {
        file: String,
        line: usize,
        id: String,
        found: usize,
        expected: usize,
        columns: String,
    },

    /// A copied row's status line does not give exactly one status per review column.
    #[error("{file}, line {line}: the status line \"{}\" splits into {} ({}){} but the header has {expected} review columns{}; write one status per review column, in order, as the plan spells them (an empty status cannot be shown between single spaces: separate that row's statuses with tabs and leave the empty one's place empty)", .split.run, .split.found.len(), quoted(&.split.found), stuck(&.split.rest), other_reading(&.split.other))]
    StatusRun {
        file: String,
        line: usize,
        expected: usize,
        split: Box<RunSplit>,
    },

    /// A status cell holding a colour word no legend line gives a meaning to.
    #[error("{file}, line {line}: the status cell \"{cell}\" is a colour, and colours mean different statuses in different councils; say which status it means with a legend line like \"{cell} = Completed\" and import with --legend FILE")]
    UnmappedColour {
        file: String,
        line: usize,
        cell: String,
    },

    /// A legend line that cannot be read, or that contradicts the scale or another line.
    #[error("{file}, line {line}: {detail}")]
    LegendLine {
        file: String,
        line: usize,
        detail: String,
    },

    /// A legend line naming a status that is not on the plan's scale.
    #[error("{file}, line {line}: \"{status}\" is not a status of the plan's scale ({scale}); name one of them, spelt as the scale spells it")]
    LegendStatus {
        file: String,
        line: usize,
        status: String,
        scale: String,
    },

    /// A spreadsheet (.xlsx or .csv) that could not be read; the error names the cell or row.
    #[error("{file}, {error}")]
    Sheet {
        file: String,
        error: Box<super::sheet_error::SheetError>,
    },

    /// Table content with no action number in its first cell.
    #[error("{file}, line {line}: a table row starts here without an action number (like \"1.4\") in its first cell; add the number, or join the text to the row above")]
    EmptyNumber { file: String, line: usize },
}

impl ImportError {
    /// A spreadsheet's error, for the file named `file`.
    pub fn sheet(file: &str, error: super::sheet_error::SheetError) -> ImportError {
        ImportError::Sheet {
            file: file.to_string(),
            error: Box::new(error),
        }
    }

    /// The 1-based line the error is about, for callers that point at the source; `None` for
    /// `Read`, and for a spreadsheet, whose error names its cell.
    pub fn line(&self) -> Option<usize> {
        match self {
            ImportError::Read { .. } | ImportError::Sheet { .. } => None,
            ImportError::Empty { line, .. }
            | ImportError::NotText { line, .. }
            | ImportError::NoHeader { line, .. }
            | ImportError::NoReviewColumns { line, .. }
            | ImportError::BadReviewLabel { line, .. }
            | ImportError::HeaderColumns { line, .. }
            | ImportError::UnknownStatus { line, .. }
            | ImportError::CellCount { line, .. }
            | ImportError::DuplicateNumber { line, .. }
            | ImportError::EmptyNumber { line, .. }
            | ImportError::NoAreaHeader { line, .. }
            | ImportError::EmptyArea { line, .. }
            | ImportError::DuplicateArea { line, .. }
            | ImportError::StrayHeader { line, .. }
            | ImportError::NoWebHeader { line, .. }
            | ImportError::WebRowCells { line, .. }
            | ImportError::StatusRun { line, .. }
            | ImportError::UnmappedColour { line, .. }
            | ImportError::LegendLine { line, .. }
            | ImportError::LegendStatus { line, .. } => Some(*line),
        }
    }
}

/// The "did you mean" part of an unknown-status message, empty when there is nothing to suggest.
fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean \"{s}\"?)"),
        None => String::new(),
    }
}

/// How a status line split, for [`ImportError::StatusRun`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RunSplit {
    /// The line's statuses as written.
    pub run: String,
    /// The statuses read, longest phrase first, in order.
    pub found: Vec<String>,
    /// The words no accepted status starts at, and everything after them.
    pub rest: Option<String>,
    /// Another reading of the whole line with the header's count, when one exists.
    pub other: Option<Vec<String>>,
}

/// Statuses as a quoted list: "Completed", "Embedded".
fn quoted(found: &[String]) -> String {
    let quoted: Vec<String> = found.iter().map(|s| format!("{s:?}")).collect();
    quoted.join(", ")
}

/// Where a status line stopped splitting, if it did.
fn stuck(rest: &Option<String>) -> String {
    match rest {
        Some(rest) => format!(", then \"{rest}\" starts with no status the plan accepts"),
        None => String::new(),
    }
}

/// The reading that would fit the header, offered but not taken: longest phrase first decides.
fn other_reading(other: &Option<Vec<String>>) -> String {
    match other {
        Some(other) => format!(
            " (read with shorter phrases it would give {}: {}; fix the source so it reads one way)",
            other.len(),
            quoted(other)
        ),
        None => String::new(),
    }
}

/// What follows an area line that has no header row of its own.
fn after_area(first_row: &Option<usize>) -> String {
    match first_row {
        Some(row) => {
            format!("the table line after it (line {row}) is an action row, not a header row")
        }
        None => "no header row follows it".to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_status_message_names_file_line_cell_and_suggestion() {
        let e = ImportError::UnknownStatus {
            file: "york.txt".into(),
            line: 12,
            cell: "Completd".into(),
            suggestion: Some("Completed".into()),
            scale: vec!["Not started".into(), "Completed".into()],
        };
        let msg = e.to_string();
        assert!(
            msg.starts_with("york.txt, line 12: unknown status \"Completd\""),
            "{msg}"
        );
        assert!(msg.contains("did you mean \"Completed\"?"), "{msg}");
        assert!(msg.contains("Not started, Completed"), "{msg}");
        assert_eq!(e.line(), Some(12));
    }

    #[test]
    fn read_error_keeps_its_source() {
        let e = ImportError::Read {
            path: "missing.txt".into(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "not found"),
        };
        assert!(e
            .to_string()
            .starts_with("missing.txt: could not read the file"));
        assert!(std::error::Error::source(&e).is_some());
        assert_eq!(e.line(), None);
    }
}

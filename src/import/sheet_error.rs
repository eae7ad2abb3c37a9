//! Why a spreadsheet tracker (.xlsx or .csv) could not be read into a plan; each message names
//! the cell or row ("Sheet1!F7", "Sheet1 row 4") and says what to change in the sheet.

use thiserror::Error;

/// A spreadsheet the importer cannot read without guessing.
#[derive(Debug, Error)]
pub enum SheetError {
    /// The bytes are not a workbook the reader understands (a damaged zip, a password).
    #[error("not a readable {format} file ({detail}); open it in a spreadsheet program and save it again as .xlsx, or export the sheet as .csv")]
    Unreadable {
        format: &'static str,
        detail: String,
    },

    /// A format the importer does not read.
    #[error("{format} files are not read; save the workbook as .xlsx (or the sheet as .csv) and import that")]
    Unsupported { format: String },

    /// The workbook or file holds no cell with text in it.
    #[error("{place} has no cells with text; check that this is the tracker, with its table on the first sheet")]
    Empty { place: String },

    /// No row near the top names the Number and Action columns.
    #[error("{place}: no header row in its first {rows} rows; the table needs a row naming its columns: Number (or No., Ref, ID), Action, and one status column per review (\"RAG Nov 20\", \"Nov 2020\" or a date)")]
    NoHeader { place: String, rows: usize },

    /// The header row lacks a column the importer needs.
    #[error("{row}: the header row has no {} (columns found: {}); name the column in the header row", missing_list(.missing), found_list(.found))]
    MissingColumns {
        row: String,
        missing: Vec<&'static str>,
        found: Vec<String>,
    },

    /// A header that starts with "RAG" but names no month and year.
    #[error("{cell}: header \"{text}\" starts with RAG but has no month and year to read; write it like \"RAG Nov 20\" or \"RAG November 2020\"")]
    BadReviewHeader { cell: String, text: String },

    /// Two status columns of one header name the same review.
    #[error("{cell}: the column \"{text}\" is the review {label}, as is {other}; remove or rename one of the two columns")]
    DuplicateReview {
        cell: String,
        text: String,
        label: String,
        other: String,
    },

    /// A row with text but nothing in the Number column.
    #[error("{cell}: this row has text but no action number; add the number (like 1.4), or move its text into the row above")]
    NoNumber { cell: String },

    /// A Number cell that is not an action number.
    #[error("{cell}: \"{text}\" is not an action number like \"1.4\" or \"1.3A\"; fix the number, or move this row (a key or a note?) out of the table")]
    NotANumber { cell: String, text: String },

    /// A status cell whose text is not on the plan's scale.
    #[error("{cell}: unknown status \"{text}\"{}; valid statuses are {}. Fix the cell or add the status to the plan's scale", hint(.suggestion), .scale.join(", "))]
    UnknownStatus {
        cell: String,
        text: String,
        suggestion: Option<String>,
        scale: Vec<String>,
    },

    /// A status cell with no text, only a fill colour that the plan does not give a meaning to.
    #[error("{cell} has only a {colour} fill ({rgb}); the plan's scale has no colour words; give a legend that says what {colour} means, or type the status into the cell")]
    FillOnly {
        cell: String,
        colour: &'static str,
        rgb: String,
    },

    /// An action number used twice without distinct "(A)"/"(B)" markers.
    #[error("{cell}: action number {number} is also used at {other}, and the two Action cells do not carry distinct \"(A)\"/\"(B)\" markers; add the markers or renumber one of the rows")]
    DuplicateNumber {
        cell: String,
        number: String,
        other: String,
    },

    /// An area with no action rows.
    #[error(
        "{row}: {heading} has no action rows below it; add the area's rows, or remove the area"
    )]
    EmptyArea { row: String, heading: String },

    /// Two areas with the same number.
    #[error("{row}: area {number} is also given at {other}; renumber one of the areas")]
    DuplicateArea {
        row: String,
        number: String,
        other: String,
    },

    /// A second header row among an area's rows.
    #[error("{row}: a second header row below the header at {header}, with no \"Area for Improvement N\" row above it; add that row to start a new area, or remove the repeated header")]
    StrayHeader { row: String, header: String },

    /// The sheet is larger than any tracker: reading it would only use up memory.
    #[error("{place} spans {rows} rows and {columns} columns, more than a tracker needs ({limit} cells at most); delete the empty rows and columns at its end, or copy the table to a new sheet")]
    TooLarge {
        place: String,
        rows: usize,
        columns: usize,
        limit: usize,
    },
}

fn missing_list(missing: &[&str]) -> String {
    let named: Vec<String> = missing.iter().map(|m| format!("{m} column")).collect();
    named.join(", no ")
}

fn found_list(found: &[String]) -> String {
    if found.is_empty() {
        "none".to_string()
    } else {
        found.join(", ")
    }
}

fn hint(suggestion: &Option<String>) -> String {
    match suggestion {
        Some(s) => format!(" (did you mean \"{s}\"?)"),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn missing_columns_names_the_row_what_is_missing_and_what_was_found() {
        let e = SheetError::MissingColumns {
            row: "Sheet1 row 3".into(),
            missing: vec!["Number", "status"],
            found: vec!["Action (B3)".into(), "Lead (C3)".into()],
        };
        assert_eq!(
            e.to_string(),
            "Sheet1 row 3: the header row has no Number column, no status column (columns found: Action (B3), Lead (C3)); name the column in the header row"
        );
    }

    #[test]
    fn fill_only_names_the_cell_and_the_colour() {
        let e = SheetError::FillOnly {
            cell: "Sheet1!F7".into(),
            colour: "red",
            rgb: "#FF0000".into(),
        };
        assert!(e
            .to_string()
            .starts_with("Sheet1!F7 has only a red fill (#FF0000); the plan's scale has no colour words; give a legend that says what red means"));
    }
}

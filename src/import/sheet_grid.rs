//! One worksheet as a grid of cells (text and fill), the form both the .xlsx and the .csv
//! reader hand to the sheet reader, with the cell addresses messages use ("Sheet1!F7").

use super::sheet_error::SheetError;
use super::sheet_fill::Rgb;
use super::sheet_header::{is_header_row, HEADER_SCAN};

/// One worksheet's cells, as a spreadsheet reader hands them over.
#[derive(Debug, Clone, Default)]
pub struct Grid {
    /// The sheet's name, for cell addresses ("Sheet1!F7"); empty for a CSV file ("F7").
    pub sheet: String,
    /// Row by row from A1; rows may be of different lengths.
    pub rows: Vec<Vec<GridCell>>,
    /// Merged regions: only their top-left cell holds the text.
    pub merges: Vec<Merge>,
}

/// A cell's text as the spreadsheet shows it, and its solid fill colour if it has one.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GridCell {
    pub text: String,
    pub fill: Option<Rgb>,
}

impl GridCell {
    pub fn text(text: impl Into<String>) -> GridCell {
        GridCell {
            text: text.into(),
            fill: None,
        }
    }
}

/// A merged region, rows and columns counted from 0, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub top: usize,
    pub left: usize,
    pub bottom: usize,
    pub right: usize,
}

/// The most cells a sheet may span: far more than any tracker, few enough to hold in memory.
pub const MAX_CELLS: usize = 2_000_000;

/// Refuses a sheet of `rows` by `columns` cells larger than [`MAX_CELLS`].
pub fn check_size(grid: &Grid, rows: usize, columns: usize) -> Result<(), SheetError> {
    if rows.saturating_mul(columns) <= MAX_CELLS {
        return Ok(());
    }
    Err(SheetError::TooLarge {
        place: grid.place(),
        rows,
        columns,
        limit: MAX_CELLS,
    })
}

/// The column letters of a 0-based column index: 0 is "A", 26 is "AA".
pub fn column_letters(mut col: usize) -> String {
    let mut letters = Vec::new();
    loop {
        letters.push(char::from(b'A' + (col % 26) as u8));
        if col < 26 {
            break;
        }
        col = col / 26 - 1;
    }
    letters.iter().rev().collect()
}

impl Grid {
    /// The cell's address for messages: "Sheet1!F7", "'RAG tracker'!F7", or "F7" for a CSV file.
    pub fn cell_ref(&self, row: usize, col: usize) -> String {
        format!("{}{}{}", self.sheet_prefix(), column_letters(col), row + 1)
    }

    /// A row for messages: "Sheet1 row 7", or "row 7" for a CSV file.
    pub fn row_ref(&self, row: usize) -> String {
        match self.sheet.as_str() {
            "" => format!("row {}", row + 1),
            s => format!("{s} row {}", row + 1),
        }
    }

    fn sheet_prefix(&self) -> String {
        let plain = self.sheet.chars().all(|c| c.is_alphanumeric() || c == '_');
        match self.sheet.as_str() {
            "" => String::new(),
            s if plain => format!("{s}!"),
            s => format!("'{}'!", s.replace('\'', "''")),
        }
    }

    /// What the whole grid is called in messages.
    pub(super) fn place(&self) -> String {
        match self.sheet.as_str() {
            "" => "the file".to_string(),
            s => format!("sheet {s:?}"),
        }
    }

    /// True when a header row naming Number and Action is near the top.
    pub fn has_header(&self) -> bool {
        let texts = merged_texts(self);
        (0..texts.len().min(HEADER_SCAN)).any(|r| is_header_row(&texts[r]))
    }
}

/// Each cell's text with its line breaks joined by spaces (as the text reader joins a cell's
/// lines), a merged region's text repeated down its left column.
pub(super) fn merged_texts(grid: &Grid) -> Vec<Vec<String>> {
    let mut texts: Vec<Vec<String>> = grid
        .rows
        .iter()
        .map(|row| row.iter().map(|c| one_line(&c.text)).collect())
        .collect();
    for m in &grid.merges {
        let value = texts
            .get(m.top)
            .and_then(|row| row.get(m.left))
            .cloned()
            .unwrap_or_default();
        for row in texts.iter_mut().take(m.bottom + 1).skip(m.top + 1) {
            if row.len() <= m.left {
                row.resize(m.left + 1, String::new());
            }
            if row[m.left].is_empty() {
                row[m.left].clone_from(&value);
            }
        }
    }
    texts
}

pub(super) fn one_line(text: &str) -> String {
    let parts: Vec<&str> = text
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    parts.join(" ")
}

//! Finds a tracker's header row near the top and reads which column holds each field and
//! each review, by the names in it (sheet_columns.rs names each cell).

use std::collections::HashMap;

use super::sheet_columns::{classify, Column, Field};
use super::sheet_error::SheetError;
use super::sheet_grid::Grid;
use super::wsoa::{ImportWarning, ReviewColumn};

/// How many rows from the top may hold the header row (title rows come first).
pub(super) const HEADER_SCAN: usize = 30;

/// One area's header row: which column holds each text field, and its review columns.
#[derive(Debug, Clone)]
pub(super) struct Header {
    pub(super) row: usize,
    pub(super) fields: HashMap<Field, usize>,
    /// Each review column with its grid column, in sheet order.
    pub(super) reviews: Vec<(usize, ReviewColumn)>,
}

impl Header {
    pub(super) fn number(&self) -> usize {
        self.fields.get(&Field::Number).copied().unwrap_or_default()
    }
}

/// The header row's columns: each cell read as a field or a review, errors ignored.
fn recognised(row: &[String]) -> Vec<Column> {
    row.iter()
        .filter_map(|t| classify(t).ok().flatten())
        .collect()
}

/// A row naming both the Number and the Action column.
pub(super) fn is_header_row(row: &[String]) -> bool {
    let found = recognised(row);
    let has = |f: Field| found.contains(&Column::Field(f));
    has(Field::Number) && has(Field::Action)
}

/// The first header row near the top; failing that, the error for the row that looks most
/// like one (what it names, what it lacks).
pub(super) fn find_header(grid: &Grid, texts: &[Vec<String>]) -> Result<usize, SheetError> {
    let scan = texts.len().min(HEADER_SCAN);
    if let Some(r) = (0..scan).find(|&r| is_header_row(&texts[r])) {
        return Ok(r);
    }
    let best = (0..scan)
        .map(|r| (recognised(&texts[r]).len(), r))
        .filter(|(n, _)| *n >= 2)
        .max_by_key(|&(n, r)| (n, std::cmp::Reverse(r)));
    let Some((_, r)) = best else {
        let place = grid.place();
        return Err(SheetError::NoHeader { place, rows: scan });
    };
    let mut ignored = Vec::new();
    read_header(grid, texts, r, &mut ignored).map(|_| r)
}

/// Reads a header row: which column holds each field, and each review column's label and date.
pub(super) fn read_header(
    grid: &Grid,
    texts: &[Vec<String>],
    r: usize,
    warnings: &mut Vec<ImportWarning>,
) -> Result<Header, SheetError> {
    let mut header = Header {
        row: r,
        fields: HashMap::new(),
        reviews: Vec::new(),
    };
    let mut found = Vec::new();
    let mut warn = |message: String| {
        warnings.push(ImportWarning {
            line: r + 1,
            message,
        })
    };
    for (c, text) in texts[r].iter().enumerate() {
        if text.is_empty() {
            continue;
        }
        let cell = grid.cell_ref(r, c);
        let column = classify(text).map_err(|_| SheetError::BadReviewHeader {
            cell: cell.clone(),
            text: text.clone(),
        })?;
        match column {
            None => warn(format!(
                "{cell}: column \"{text}\" is not one the importer reads; its cells are left out"
            )),
            Some(Column::Field(f)) => {
                if let Some(&first) = header.fields.get(&f) {
                    let first = grid.cell_ref(r, first);
                    warn(format!(
                        "{cell}: \"{text}\" is a second {} column (the first is {first}); its cells are left out",
                        f.name()
                    ));
                } else {
                    header.fields.insert(f, c);
                    found.push(format!("{} ({cell})", f.name()));
                }
            }
            Some(Column::Review(review)) => {
                let key = review.label.to_lowercase();
                let same = |(_, other): &&(usize, ReviewColumn)| other.label.to_lowercase() == key;
                if let Some((at, _)) = header.reviews.iter().find(same) {
                    return Err(SheetError::DuplicateReview {
                        cell,
                        text: text.clone(),
                        label: review.label,
                        other: grid.cell_ref(r, *at),
                    });
                }
                found.push(format!("{} ({cell})", review.label));
                header.reviews.push((c, review));
            }
        }
    }
    let mut missing = Vec::new();
    for f in [Field::Number, Field::Action] {
        if !header.fields.contains_key(&f) {
            missing.push(f.name());
        }
    }
    if header.reviews.is_empty() {
        missing.push("status");
    }
    if !missing.is_empty() {
        let row = grid.row_ref(r);
        return Err(SheetError::MissingColumns {
            row,
            missing,
            found,
        });
    }
    Ok(header)
}

//! Reads a tracker spreadsheet, as a grid of cells (from .xlsx or .csv), into the same
//! [`WsoaTable`] the text reader gives, so updates and events work unchanged; pure (cells in,
//! table out).
//!
//! Columns are found by their header names, not their places: trackers add, drop and reorder
//! columns. Title rows above the header give the title and the first area's finding; an
//! "Area for Improvement N" row further down opens another area, optionally with its own
//! header row. What the reader repairs (a merged cell, a status shown only as a fill colour
//! the plan names) is a warning naming the cell; what it would have to guess is an error.

use std::collections::HashMap;

use super::error::ImportError;
use super::sheet_columns::Field;
use super::sheet_error::SheetError;
use super::sheet_fill::colour_of;
use super::sheet_grid::{column_letters, merged_texts, one_line, Grid};
use super::sheet_header::{find_header, is_header_row, read_header, Header};
use super::wsoa::{
    area_line, assign_ids, closest, match_status, read_date, read_preamble, AreaHead,
    ImportWarning, Numbered, WsoaArea, WsoaRow, WsoaTable,
};

/// An area as the rows are walked: its heading, header, and action rows.
struct Building {
    head: AreaHead,
    header: Header,
    /// Opened by an "Area for Improvement N" row and given no action row yet.
    open: bool,
    /// The area's header row is its own, not carried over from the area above.
    own_header: bool,
    /// Each action row: its grid row, number and letter ("1.3A").
    rows: Vec<(usize, String, Option<char>)>,
}

/// Reads a grid into a WSoA table; `words` lists the status names cells may hold, and
/// `format` is what `source_imported` records.
pub fn read_grid(
    file: &str,
    grid: &Grid,
    words: &[&str],
    format: &'static str,
) -> Result<WsoaTable, ImportError> {
    let mut table = read(grid, words, format).map_err(|error| ImportError::sheet(file, error))?;
    if table.title.is_empty() {
        // A plan needs a title: the file's name stands in for a missing title row.
        let path = std::path::Path::new(file);
        let stem = path.file_stem().map(|s| s.to_string_lossy());
        table.title = stem.map_or_else(|| file.to_string(), |s| s.into_owned());
        let line = table.areas.first().map_or(1, |a| a.header_line);
        let message = format!(
            "no title row above the header; the plan is titled {:?} (give --title to name it)",
            table.title
        );
        table.warnings.push(ImportWarning { line, message });
    }
    Ok(table)
}

fn read(grid: &Grid, words: &[&str], format: &'static str) -> Result<WsoaTable, SheetError> {
    let texts = merged_texts(grid);
    if texts.iter().flatten().all(|t| t.is_empty()) {
        let place = grid.place();
        return Err(SheetError::Empty { place });
    }
    let mut warnings = Vec::new();
    let header_at = find_header(grid, &texts)?;
    let header = read_header(grid, &texts, header_at, &mut warnings)?;
    let (title, first) = first_area(&texts, header_at, &mut warnings);
    let mut areas = vec![Building {
        head: first,
        header,
        open: false,
        own_header: true,
        rows: Vec::new(),
    }];
    for (r, row) in texts.iter().enumerate().skip(header_at + 1) {
        if row.iter().all(|t| t.is_empty()) {
            continue;
        }
        let Some(area) = areas.last_mut() else {
            break;
        };
        let number_col = area.header.number();
        let number = row.get(number_col).map_or("", String::as_str);
        if action_number(number).is_none() {
            if let Some(head) = area_row(row, r) {
                let header = area.header.clone();
                areas.push(Building {
                    head,
                    header,
                    open: true,
                    own_header: false,
                    rows: Vec::new(),
                });
                continue;
            }
        }
        // Finding rows and the area's own header come after its area row, before its actions.
        let heading_part = area.open && !area.own_header && area.rows.is_empty();
        if is_header_row(row) {
            if !heading_part {
                return Err(SheetError::StrayHeader {
                    row: grid.row_ref(r),
                    header: grid.row_ref(area.header.row),
                });
            }
            area.header = read_header(grid, &texts, r, &mut warnings)?;
            area.own_header = true;
            continue;
        }
        let numbered = action_number(number);
        if heading_part && numbered.is_none() {
            let more = row_text(row);
            let finding = &mut area.head.finding;
            if !finding.is_empty() {
                finding.push(' ');
            }
            finding.push_str(&more);
            continue;
        }
        if number.is_empty() {
            let cell = grid.cell_ref(r, number_col);
            return Err(SheetError::NoNumber { cell });
        }
        let Some((n, letter)) = numbered else {
            let (cell, text) = (grid.cell_ref(r, number_col), number.to_string());
            return Err(SheetError::NotANumber { cell, text });
        };
        area.open = false;
        area.rows.push((r, n, letter));
    }
    let mut built: Vec<WsoaArea> = Vec::with_capacity(areas.len());
    // Every action id so far, with its Number cell: ids are unique across the whole sheet.
    let mut ids: HashMap<String, String> = HashMap::new();
    for b in areas {
        let number_col = b.header.number();
        let area = build_area(grid, &texts, words, b, &mut warnings)?;
        if let Some(other) = built.iter().find(|a| a.number == area.number) {
            return Err(SheetError::DuplicateArea {
                row: grid.row_ref(area.line - 1),
                number: area.number,
                other: grid.row_ref(other.line - 1),
            });
        }
        for row in &area.rows {
            let cell = grid.cell_ref(row.line - 1, number_col);
            if let Some(other) = ids.get(&row.id) {
                let (number, other) = (row.id.clone(), other.clone());
                return Err(SheetError::DuplicateNumber {
                    cell,
                    number,
                    other,
                });
            }
            ids.insert(row.id.clone(), cell);
        }
        built.push(area);
    }
    merge_warnings(grid, &built, &mut warnings);
    Ok(WsoaTable {
        title,
        areas: built,
        warnings,
        format,
        legend: None,
    })
}

/// A title or finding row's text: its non-empty cells, joined.
fn row_text(row: &[String]) -> String {
    let parts: Vec<&str> = row
        .iter()
        .map(String::as_str)
        .filter(|t| !t.is_empty())
        .collect();
    parts.join(" ")
}

/// The title (the first non-empty row) and the first area, from the rows above the header.
fn first_area(
    texts: &[Vec<String>],
    header_at: usize,
    warnings: &mut Vec<ImportWarning>,
) -> (String, AreaHead) {
    let preamble: Vec<(usize, String)> = (0..header_at)
        .map(|r| (r + 1, row_text(&texts[r])))
        .filter(|(_, t)| !t.is_empty())
        .collect();
    let lines: Vec<(usize, &str)> = preamble.iter().map(|(n, t)| (*n, t.as_str())).collect();
    let (title, first) = read_preamble(&lines);
    if let Some(head) = first.filter(|h| !h.number.is_empty()) {
        return (title, head);
    }
    let message =
        "no \"Area for Improvement N\" row above the header; its rows are read as area 1".into();
    warnings.push(ImportWarning {
        line: header_at + 1,
        message,
    });
    let finding: Vec<&str> = lines.iter().skip(1).map(|(_, t)| *t).collect();
    let head = AreaHead {
        line: header_at + 1,
        heading: "Area for Improvement 1".to_string(),
        number: "1".to_string(),
        finding: finding.join(" "),
    };
    (title, head)
}

/// A row whose first text is "Area for Improvement N" (N a number): the area it opens, its
/// finding starting with the rest of that cell and the row's other cells.
fn area_row(row: &[String], r: usize) -> Option<AreaHead> {
    let mut cells = row.iter().filter(|t| !t.is_empty());
    let first = cells.next()?;
    let (heading, number, leftover) = area_line(first).filter(|(_, n, _)| !n.is_empty())?;
    let rest = cells.map(String::as_str);
    Some(AreaHead::new(r + 1, heading, number, leftover, rest))
}

/// An action number: digits, then ".digits" any number of times, then perhaps a letter
/// ("1.4", "2.10", "1.3A"); gives the number and the letter.
fn action_number(text: &str) -> Option<(String, Option<char>)> {
    let text = text.trim();
    let (number, letter) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c.to_ascii_uppercase())),
        _ => (text, None),
    };
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    number
        .split('.')
        .all(digits)
        .then(|| (number.to_string(), letter))
}

/// Builds an area's rows: ids (with "(A)"/"(B)" letters), fields, dates and statuses.
fn build_area(
    grid: &Grid,
    texts: &[Vec<String>],
    words: &[&str],
    b: Building,
    warnings: &mut Vec<ImportWarning>,
) -> Result<WsoaArea, SheetError> {
    let header = &b.header;
    let number_col = header.number();
    if b.rows.is_empty() {
        return Err(SheetError::EmptyArea {
            row: grid.row_ref(b.head.line - 1),
            heading: b.head.heading,
        });
    }
    let get = |r: usize, f: Field| -> &str {
        let col = header.fields.get(&f);
        col.and_then(|&c| texts[r].get(c))
            .map_or("", String::as_str)
    };
    let numbered: Vec<Numbered> = b
        .rows
        .iter()
        .map(|(r, number, letter)| Numbered {
            line: r + 1,
            number,
            letter: *letter,
            action: get(*r, Field::Action),
        })
        .collect();
    let ids = assign_ids("", &numbered).map_err(|e| match e {
        ImportError::DuplicateNumber {
            number,
            first_line,
            line,
            ..
        } => SheetError::DuplicateNumber {
            cell: grid.cell_ref(line - 1, number_col),
            number,
            other: grid.cell_ref(first_line - 1, number_col),
        },
        other => SheetError::Unreadable {
            format: "sheet",
            detail: other.to_string(),
        },
    })?;
    let mut rows = Vec::with_capacity(b.rows.len());
    for ((r, number, _), id) in b.rows.iter().zip(ids) {
        let r = *r;
        let at = format!("action {id}");
        let major = number.split('.').next().unwrap_or_default();
        if major != b.head.number {
            let message = format!("{at}: not numbered as {}", b.head.heading);
            warnings.push(ImportWarning {
                line: r + 1,
                message,
            });
        }
        let mut date = |f: Field| {
            let column = header
                .fields
                .get(&f)
                .map_or("", |&c| texts[header.row][c].as_str());
            let (parsed, note) = read_date(get(r, f), &at, column);
            if let Some(message) = note {
                warnings.push(ImportWarning {
                    line: r + 1,
                    message,
                });
            }
            parsed
        };
        let (start, end) = (date(Field::Start), date(Field::End));
        let mut statuses = Vec::with_capacity(header.reviews.len());
        for (c, _) in &header.reviews {
            let text = texts[r].get(*c).map_or("", String::as_str);
            statuses.push(status_of(grid, r, *c, text, words, warnings)?);
        }
        rows.push(WsoaRow {
            line: r + 1,
            id,
            number: number.clone(),
            outcome: get(r, Field::Outcome).to_string(),
            action: get(r, Field::Action).to_string(),
            start,
            end,
            lead: get(r, Field::Lead).to_string(),
            measures: get(r, Field::Measures).to_string(),
            evidence_impact: get(r, Field::Evidence).to_string(),
            statuses,
        });
    }
    Ok(WsoaArea {
        line: b.head.line,
        number: b.head.number,
        heading: b.head.heading,
        finding: b.head.finding,
        header_line: header.row + 1,
        reviews: header.reviews.iter().map(|(_, r)| r.clone()).collect(),
        rows,
    })
}

/// A status cell's status: its text on the scale; with no text, the colour word of its fill
/// when `words` has one (with a warning), never a status guessed from the colour.
fn status_of(
    grid: &Grid,
    r: usize,
    c: usize,
    text: &str,
    words: &[&str],
    warnings: &mut Vec<ImportWarning>,
) -> Result<Option<String>, SheetError> {
    let cell = grid.cell_ref(r, c);
    if !text.is_empty() {
        if let Some(status) = match_status(text, words) {
            return Ok(Some(status.to_string()));
        }
        return Err(SheetError::UnknownStatus {
            cell,
            text: text.to_string(),
            suggestion: closest(text, words).map(|(s, _)| s.to_string()),
            scale: words.iter().map(|w| w.to_string()).collect(),
        });
    }
    let fill = grid
        .rows
        .get(r)
        .and_then(|row| row.get(c))
        .and_then(|x| x.fill);
    let Some(rgb) = fill else {
        return Ok(None);
    };
    let Some(colour) = colour_of(rgb) else {
        return Ok(None);
    };
    let Some(word) = match_status(colour.word(), words) else {
        return Err(SheetError::FillOnly {
            cell,
            colour: colour.name(),
            rgb: rgb.to_string(),
        });
    };
    let message = format!(
        "{cell} has no text, only a {} fill ({rgb}); read as \"{word}\"",
        colour.name()
    );
    warnings.push(ImportWarning {
        line: r + 1,
        message,
    });
    Ok(Some(word.to_string()))
}

/// Says which merged regions the action rows were read through: a region over several rows
/// gives its text to each; one across several columns gives it to its first column only.
fn merge_warnings(grid: &Grid, areas: &[WsoaArea], warnings: &mut Vec<ImportWarning>) {
    let action_rows: std::collections::HashSet<usize> = areas
        .iter()
        .flat_map(|a| &a.rows)
        .map(|r| r.line - 1)
        .collect();
    for m in &grid.merges {
        if !(m.top..=m.bottom).any(|r| action_rows.contains(&r)) {
            continue;
        }
        let range = format!(
            "{}:{}{}",
            grid.cell_ref(m.top, m.left),
            column_letters(m.right),
            m.bottom + 1
        );
        let text = grid
            .rows
            .get(m.top)
            .and_then(|row| row.get(m.left))
            .map_or(String::new(), |c| one_line(&c.text));
        let mut said = Vec::new();
        if m.bottom > m.top {
            said.push(format!(
                "its text \"{text}\" is read in each of its {} rows",
                m.bottom - m.top + 1
            ));
        }
        if m.right > m.left {
            said.push(format!(
                "across {} columns, it is read in column {} only",
                m.right - m.left + 1,
                column_letters(m.left)
            ));
        }
        let message = format!("{range} is a merged cell: {}", said.join("; "));
        warnings.push(ImportWarning {
            line: m.top + 1,
            message,
        });
    }
}

#[cfg(test)]
#[path = "sheet_tests.rs"]
mod tests;

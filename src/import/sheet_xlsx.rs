//! Reads an .xlsx tracker into a [`Grid`]: each cell's text as shown, merged regions, and the
//! solid fill of each cell (a status given only as a colour); pure (bytes in, table out).

use std::io::Cursor;

use calamine::{Data, FillPattern, Reader, Xlsx, XlsxError};

use super::error::ImportError;
use super::sheet::read_grid;
use super::sheet_error::SheetError;
use super::sheet_fill::Rgb;
use super::sheet_grid::{check_size, Grid, GridCell, Merge};
use super::wsoa::{ImportWarning, WsoaTable};

/// The format name recorded in `source_imported` for .xlsx workbooks.
pub const XLSX_FORMAT: &str = "xlsx";

/// Reads the workbook's first sheet with a header row (or its first sheet, to say what is
/// wrong with it) into a WSoA table; `words` lists the status names cells may hold.
pub fn read_xlsx(file: &str, bytes: &[u8], words: &[&str]) -> Result<WsoaTable, ImportError> {
    let sheet_error = |error| ImportError::sheet(file, error);
    let (grid, others) = choose_sheet(bytes).map_err(sheet_error)?;
    let mut table = read_grid(file, &grid, words, XLSX_FORMAT)?;
    if !others.is_empty() {
        let others: Vec<String> = others.iter().map(|s| format!("{s:?}")).collect();
        let message = format!(
            "the workbook has {} sheets: read {:?}, not {}",
            others.len() + 1,
            grid.sheet,
            others.join(", ")
        );
        table.warnings.insert(0, ImportWarning { line: 1, message });
    }
    Ok(table)
}

fn unreadable(e: XlsxError) -> SheetError {
    SheetError::Unreadable {
        format: "xlsx",
        detail: e.to_string(),
    }
}

/// The sheet to read, and the names of the others.
fn choose_sheet(bytes: &[u8]) -> Result<(Grid, Vec<String>), SheetError> {
    let mut book: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let names = book.sheet_names();
    let Some(first) = names.first() else {
        return Err(SheetError::Empty {
            place: "the workbook".to_string(),
        });
    };
    let mut chosen = None;
    for name in &names {
        let grid = sheet_grid(&mut book, name)?;
        if grid.has_header() {
            chosen = Some(grid);
            break;
        }
    }
    let grid = match chosen {
        Some(g) => g,
        None => sheet_grid(&mut book, first)?,
    };
    let others = names.into_iter().filter(|n| *n != grid.sheet).collect();
    Ok((grid, others))
}

/// One sheet's cells from A1 to its last cell with a value; fills and merges with them.
fn sheet_grid(book: &mut Xlsx<Cursor<&[u8]>>, name: &str) -> Result<Grid, SheetError> {
    let range = book.worksheet_range(name).map_err(unreadable)?;
    let mut grid = Grid {
        sheet: name.to_string(),
        ..Grid::default()
    };
    let (Some((top, left)), Some((bottom, right))) = (range.start(), range.end()) else {
        return Ok(grid);
    };
    let (rows, cols) = (bottom as usize + 1, right as usize + 1);
    check_size(&grid, rows, cols)?;
    grid.rows = vec![vec![GridCell::default(); cols]; rows];
    for (r, c, value) in range.used_cells() {
        grid.rows[r + top as usize][c + left as usize].text = cell_text(value);
    }
    let styles = book.worksheet_style(name).map_err(unreadable)?;
    for (r, row) in grid.rows.iter_mut().enumerate() {
        for (c, cell) in row.iter_mut().enumerate() {
            let style = styles.get((r as u32, c as u32));
            let fill = style.and_then(|s| s.fill.as_ref());
            let solid = fill.filter(|f| f.pattern == FillPattern::Solid);
            if let Some(color) = solid.and_then(|f| f.get_color()) {
                cell.fill = Some(Rgb(color.red, color.green, color.blue));
            }
        }
    }
    let merges = book.merge_cells_by_sheet_name(name).map_err(unreadable)?;
    grid.merges = merges
        .iter()
        .map(|d| Merge {
            top: d.start.0 as usize,
            left: d.start.1 as usize,
            bottom: d.end.0 as usize,
            right: d.end.1 as usize,
        })
        .collect();
    Ok(grid)
}

/// A cell's value as text: numbers as written ("1.1", "3"), dates as "2020-11-30".
fn cell_text(value: &Data) -> String {
    match value {
        Data::Empty => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::DateTime(d) if d.is_duration() => d.to_string(),
        Data::DateTime(d) => {
            let (y, m, day, ..) = d.to_ymd_hms_milli();
            format!("{y:04}-{m:02}-{day:02}")
        }
        Data::Error(e) => e.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_and_dates_read_as_a_person_would_type_them() {
        assert_eq!(cell_text(&Data::Float(1.1)), "1.1");
        assert_eq!(cell_text(&Data::Float(3.0)), "3");
        assert_eq!(cell_text(&Data::Int(12)), "12");
        let nov30 =
            calamine::ExcelDateTime::new(44165.0, calamine::ExcelDateTimeType::DateTime, false);
        assert_eq!(cell_text(&Data::DateTime(nov30)), "2020-11-30");
    }

    #[test]
    fn bytes_that_are_not_a_workbook_are_refused() {
        let e = read_xlsx("t.xlsx", b"PK\x03\x04 not really a zip", &["Completed"]).unwrap_err();
        let msg = e.to_string();
        assert!(msg.starts_with("t.xlsx, not a readable xlsx"), "{msg}");
    }
}

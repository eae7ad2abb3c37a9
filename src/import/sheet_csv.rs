//! Reads a .csv tracker (RFC 4180 quoting; UTF-8, with or without a byte order mark) into a
//! [`Grid`]; pure (bytes in, table out).

use super::error::ImportError;
use super::sheet::read_grid;
use super::sheet_error::SheetError;
use super::sheet_grid::{check_size, Grid, GridCell};
use super::wsoa::{decode, WsoaTable};

/// The format name recorded in `source_imported` for CSV files.
pub const CSV_FORMAT: &str = "csv";

/// Reads a CSV file into a WSoA table; `words` lists the status names cells may hold.
pub fn read_csv(file: &str, bytes: &[u8], words: &[&str]) -> Result<WsoaTable, ImportError> {
    let text = decode(file, bytes)?;
    let sheet_error = |error| ImportError::sheet(file, error);
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut grid = Grid::default();
    let mut widest = 0;
    for record in reader.records() {
        let record = record.map_err(|e| {
            sheet_error(SheetError::Unreadable {
                format: "CSV",
                detail: e.to_string(),
            })
        })?;
        widest = widest.max(record.len());
        check_size(&grid, grid.rows.len() + 1, widest).map_err(sheet_error)?;
        grid.rows.push(record.iter().map(GridCell::text).collect());
    }
    read_grid(file, &grid, words, CSV_FORMAT)
}

#[cfg(test)]
mod tests {
    use super::*;

    const WORDS: [&str; 2] = ["Completed", "Progressing but delayed"];

    #[test]
    fn quoted_cells_keep_commas_quotes_and_line_breaks() {
        let text = "Number,Action,RAG Nov 20\n1.1,\"Plan, \"\"agree\"\"\nand publish\",Completed\n";
        let t = read_csv("t.csv", text.as_bytes(), &WORDS).unwrap();
        let row = t.rows().next().unwrap();
        assert_eq!(row.action, "Plan, \"agree\" and publish");
        assert_eq!(row.statuses, vec![Some("Completed".to_string())]);
        assert_eq!(t.format, "csv");
    }

    #[test]
    fn a_byte_order_mark_is_skipped_and_bad_utf8_is_named_by_offset() {
        let with_bom = "\u{feff}Number,Action,RAG Nov 20\n1.1,Plan,Completed\n";
        assert_eq!(
            read_csv("t.csv", with_bom.as_bytes(), &WORDS)
                .unwrap()
                .rows()
                .count(),
            1
        );
        let mut bytes = b"Number,Action,RAG Nov 20\n1.1,Pl".to_vec();
        bytes.push(0xE9);
        bytes.extend_from_slice(b"n,Completed\n");
        let msg = read_csv("t.csv", &bytes, &WORDS).unwrap_err().to_string();
        assert!(msg.contains("invalid UTF-8 at byte 31"), "{msg}");
    }
}

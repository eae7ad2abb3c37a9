//! Parses a published WSoA table, in its pipe-separated text form, into its Areas for
//! Improvement (each with its own header row) and their action rows with one status per
//! review; pure (text in, data out).
//!
//! Published tables are messy: cells run over several lines, a cell can be missing, action
//! numbers repeat. What can be repaired safely is repaired and reported as a warning; what
//! cannot becomes an [`ImportError`] that says where and what to fix.

use super::error::ImportError;
use super::WSOA_FORMAT;
use crate::dates::{last_day_of_month, parse_date_text, parse_review_label, DateText};

/// A WSoA document as read from its source table: one or more Areas for Improvement.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsoaTable {
    pub title: String,
    /// Which reader read it (e.g. [`super::WSOA_FORMAT`]), recorded in `source_imported`.
    pub format: &'static str,
    /// In the order the document gives them; never empty.
    pub areas: Vec<WsoaArea>,
    pub warnings: Vec<ImportWarning>,
    /// The legend its status words were read with, once applied ([`super::Vocabulary::apply`]).
    pub legend: Option<super::legend::LegendUsed>,
}

/// One Area for Improvement: its heading and finding, its own header's review columns, its rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsoaArea {
    /// The "Area for Improvement N" line; for a first area without one, its header row.
    pub line: usize,
    pub number: String,
    pub heading: String,
    pub finding: String,
    /// The area's header row ("Number | Outcomes | ... | RAG ...").
    pub header_line: usize,
    /// This area's review columns; a row's `statuses` line up with them.
    pub reviews: Vec<ReviewColumn>,
    pub rows: Vec<WsoaRow>,
}

impl WsoaArea {
    /// Which of this area's columns holds the review labelled `lowered` (lower case).
    pub fn column_of(&self, lowered: &str) -> Option<usize> {
        self.reviews
            .iter()
            .position(|r| r.label.to_lowercase() == lowered)
    }
}

impl WsoaTable {
    /// Every area's review columns, each label once (compared ignoring case, the way the plan
    /// compares them), in the order the document first gives them.
    pub fn reviews(&self) -> Vec<&ReviewColumn> {
        let mut seen = std::collections::HashSet::new();
        self.areas
            .iter()
            .flat_map(|a| &a.reviews)
            .filter(|r| seen.insert(r.label.to_lowercase()))
            .collect()
    }

    /// Every action row of every area, in document order.
    pub fn rows(&self) -> impl Iterator<Item = &WsoaRow> {
        self.areas.iter().flat_map(|a| &a.rows)
    }

    /// Where `line` is in the source, for messages: a text line, or a spreadsheet row.
    pub fn place(&self, line: usize) -> String {
        if self.format == WSOA_FORMAT {
            format!("line {line}")
        } else {
            format!("row {line}")
        }
    }
}

/// A review ("RAG ...") column; its date is the last day of the labelled month.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReviewColumn {
    pub label: String,
    pub date: chrono::NaiveDate,
}

/// One action of the plan with its cells, trimmed and joined, and its status at each review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsoaRow {
    pub line: usize,
    pub id: String,
    pub number: String,
    pub outcome: String,
    pub action: String,
    pub start: DateText,
    pub end: DateText,
    pub lead: String,
    pub measures: String,
    pub evidence_impact: String,
    pub statuses: Vec<Option<String>>,
}

/// Something the importer repaired, or could not read and worked around; a human should check it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ImportWarning {
    pub line: usize,
    pub message: String,
}

/// Columns before the review columns: Number, Outcomes, Action, Start, End, Lead, Measures, Evidence.
pub(super) const TEXT_COLUMNS: usize = 8;
/// Number, Outcomes, Action, Start date and End date: always read from the left.
const LEADING: usize = 5;
/// A cell of this many words or more reads as a sentence (Measures, Evidence), not a Lead's names.
const PROSE_WORDS: usize = 8;

/// A cell's text with the line its text starts on, so errors can point at the cell itself.
pub(super) struct Cell {
    text: String,
    line: usize,
    /// What the text looks like ([`kind`]), worked out once: every candidate layout of a
    /// row asks again.
    kind: std::cell::OnceCell<Kind>,
}

impl Cell {
    pub(super) fn new(text: String, line: usize) -> Cell {
        Cell {
            text,
            line,
            kind: std::cell::OnceCell::new(),
        }
    }

    fn kind(&self, scale: &[&str]) -> Kind {
        *self.kind.get_or_init(|| kind(&self.text, scale))
    }
}

/// A row's cells before they are matched to columns; `cells[0]` is the number's own cell.
pub(super) struct RawRow {
    pub(super) line: usize,
    pub(super) number: String,
    pub(super) letter: Option<char>,
    pub(super) cells: Vec<Cell>,
}

impl RawRow {
    fn numbered(&self) -> Numbered<'_> {
        Numbered {
            line: self.line,
            number: &self.number,
            letter: self.letter,
            action: self.cells.get(2).map_or("", |c| c.text.as_str()),
        }
    }
}

/// What gives an action row its id: its number, a letter written with it ("1.3A"), and the
/// Action text that may carry an "(A)" marker.
pub(super) struct Numbered<'a> {
    pub(super) line: usize,
    pub(super) number: &'a str,
    pub(super) letter: Option<char>,
    pub(super) action: &'a str,
}

/// What every row is read against: the file name for messages, the header and the scale.
struct Ctx<'a> {
    file: &'a str,
    scale: &'a [&'a str],
    columns: Vec<String>,
    reviews: usize,
}

/// Parses a WSoA table; `source_name` names the file in messages and `scale` lists valid statuses.
///
/// A document holds one or more areas. The first runs from the top: title, "Area for
/// Improvement N" line, finding, header row, rows. Every later area opens at a line (with no
/// '|') reading "Area for Improvement N" with N a number, below the first header: the text
/// after N and the lines down to the area's own header row are its finding, and its rows are
/// read against that header, whose review columns may differ from the other areas'.
pub fn parse_wsoa(
    source_name: &str,
    bytes: &[u8],
    scale: &[&str],
) -> Result<WsoaTable, ImportError> {
    read_document(&Pipes, source_name, bytes, scale)
}

/// How one text form of the table lays out its header and rows. The document around them
/// (title, areas, findings) is the same in every form and read once, by [`read_document`].
pub(super) trait Shape {
    /// The format name recorded in `source_imported`.
    const FORMAT: &'static str;
    /// The index of the first header line, if the text has one.
    fn first_header(&self, lines: &[(usize, &str)]) -> Option<usize>;
    /// The error for a document with no header; `line` is the last line searched.
    fn no_header(&self, file: String, line: usize) -> ImportError;
    /// A line that belongs to the table itself (a header or a row line).
    fn is_table_line(&self, line: &str) -> bool;
    /// The action number (and letter) a line opens a row with.
    fn row_start(&self, line: &str) -> Option<(String, Option<char>)>;
    /// Reads one area: its header at `lines[header]`, its rows down to `lines[end]`.
    #[allow(clippy::too_many_arguments)]
    fn read_area(
        &self,
        file: &str,
        scale: &[&str],
        lines: &[(usize, &str)],
        head: AreaHead,
        header: usize,
        end: usize,
        warn: &mut dyn FnMut(usize, String),
    ) -> Result<WsoaArea, ImportError>;
}

/// The pipe-separated form: "Number | Outcomes | ... | RAG May 20 |", then rows "1.1 | ... |".
struct Pipes;

impl Shape for Pipes {
    const FORMAT: &'static str = super::WSOA_FORMAT;

    fn first_header(&self, lines: &[(usize, &str)]) -> Option<usize> {
        find_header(lines)
    }

    fn no_header(&self, file: String, line: usize) -> ImportError {
        ImportError::NoHeader { file, line }
    }

    fn is_table_line(&self, line: &str) -> bool {
        line.contains('|')
    }

    fn row_start(&self, line: &str) -> Option<(String, Option<char>)> {
        row_start(line)
    }

    fn read_area(
        &self,
        file: &str,
        scale: &[&str],
        lines: &[(usize, &str)],
        head: AreaHead,
        header: usize,
        end: usize,
        warn: &mut dyn FnMut(usize, String),
    ) -> Result<WsoaArea, ImportError> {
        read_area(file, scale, lines, head, header, end, warn)
    }
}

/// Reads a whole document in one text form: title, areas with their findings, each area's
/// header and rows (read by `shape`), every area and action id once.
pub(super) fn read_document<S: Shape>(
    shape: &S,
    source_name: &str,
    bytes: &[u8],
    scale: &[&str],
) -> Result<WsoaTable, ImportError> {
    let file = source_name.to_string();
    let text = decode(&file, bytes)?;
    let lines: Vec<(usize, &str)> = text.lines().enumerate().map(|(i, l)| (i + 1, l)).collect();
    if lines.iter().all(|(_, l)| l.trim().is_empty()) {
        return Err(ImportError::Empty { file, line: 1 });
    }
    let Some(at) = shape.first_header(&lines) else {
        let line = lines.len();
        return Err(shape.no_header(file, line));
    };
    let mut warnings = Vec::new();
    let mut warn = |line, message: String| warnings.push(ImportWarning { line, message });
    // Where each later area opens: its "Area for Improvement N" line.
    let starts: Vec<(usize, (String, String, &str))> = (at + 1..lines.len())
        .filter_map(|i| area_boundary(lines[i].1).map(|b| (i, b)))
        .collect();
    let ends: Vec<usize> = (starts.iter().map(|s| s.0))
        .chain(std::iter::once(lines.len()))
        .collect();
    let (title, first) = read_preamble(&lines[..at]);
    if let Some(head) = &first {
        // The first header found may belong to a later area: the first area then has none.
        let after = lines[..at].iter().skip_while(|(n, _)| *n <= head.line);
        let row = after.clone().find(|(_, l)| shape.row_start(l).is_some());
        let area = after.clone().find(|(_, l)| area_boundary(l).is_some());
        if row.is_some() || area.is_some() {
            return Err(ImportError::NoAreaHeader {
                file,
                line: head.line,
                heading: head.heading.clone(),
                first_row: row.map(|(n, _)| *n),
            });
        }
    }
    let first = first.unwrap_or_else(|| {
        warn(
            lines[at].0,
            "no \"Area for Improvement N\" line above the header".into(),
        );
        let finding = lines[..at]
            .iter()
            .map(|(_, l)| l.trim())
            .filter(|l| !l.is_empty())
            .skip(1)
            .collect::<Vec<_>>()
            .join(" ");
        AreaHead {
            line: lines[at].0,
            heading: String::new(),
            number: String::new(),
            finding,
        }
    });
    let mut heads = vec![(first, at)];
    for ((s, (heading, number, leftover)), &next) in starts.into_iter().zip(&ends[1..]) {
        let line = lines[s].0;
        let header = (s + 1..next).find(|&i| shape.is_table_line(lines[i].1));
        let Some(header) = header.filter(|&h| shape.row_start(lines[h].1).is_none()) else {
            let first_row = header.map(|h| lines[h].0);
            return Err(ImportError::NoAreaHeader {
                file,
                line,
                heading,
                first_row,
            });
        };
        let rest = lines[s + 1..header].iter().map(|(_, l)| l.trim());
        heads.push((AreaHead::new(line, heading, number, leftover, rest), header));
    }
    let mut areas: Vec<WsoaArea> = Vec::with_capacity(heads.len());
    // Every action id so far, with its line: ids are unique across the whole document.
    let mut ids: std::collections::HashMap<String, usize> = std::collections::HashMap::new();
    for ((head, header), end) in heads.into_iter().zip(ends) {
        let area = shape.read_area(&file, scale, &lines, head, header, end, &mut warn)?;
        if let Some(other) = areas
            .iter()
            .find(|a| !area.number.is_empty() && a.number == area.number)
        {
            return Err(ImportError::DuplicateArea {
                file,
                line: area.line,
                number: area.number,
                first_line: other.line,
            });
        }
        for row in &area.rows {
            if let Some(&first_line) = ids.get(&row.id) {
                return Err(ImportError::DuplicateNumber {
                    file,
                    number: row.id.clone(),
                    first_line,
                    line: row.line,
                });
            }
            ids.insert(row.id.clone(), row.line);
        }
        areas.push(area);
    }
    Ok(WsoaTable {
        title,
        format: S::FORMAT,
        areas,
        warnings,
        legend: None,
    })
}

/// An area's heading, number and finding, and the line it opens at.
pub(super) struct AreaHead {
    pub(super) line: usize,
    pub(super) heading: String,
    pub(super) number: String,
    pub(super) finding: String,
}

impl AreaHead {
    /// The finding is what follows the number on the area line, joined with the non-blank
    /// lines after it (down to the header row).
    pub(super) fn new<'a>(
        line: usize,
        heading: String,
        number: String,
        leftover: &'a str,
        rest: impl Iterator<Item = &'a str>,
    ) -> AreaHead {
        let finding: Vec<&str> = std::iter::once(leftover)
            .chain(rest)
            .filter(|t| !t.is_empty())
            .collect();
        AreaHead {
            line,
            heading,
            number,
            finding: finding.join(" "),
        }
    }
}

/// Reads one pipe-separated area: its header row at `lines[header]`, its rows down to `lines[end]`.
fn read_area(
    file: &str,
    scale: &[&str],
    lines: &[(usize, &str)],
    head: AreaHead,
    header: usize,
    end: usize,
    warn: &mut dyn FnMut(usize, String),
) -> Result<WsoaArea, ImportError> {
    let (header_line, header_text) = lines[header];
    let mut body = &lines[header + 1..end];
    let header = read_header(file, header_line, header_text)?;
    while let Some(((_, l), rest)) = body.split_first() {
        if !l.chars().all(|c| "-|:+= \t".contains(c)) {
            break; // past the "---|---" separator and blank lines
        }
        body = rest;
    }
    // A second header row with no "Area for Improvement N" line above it cannot be placed.
    if let Some(&(line, _)) = body.iter().find(|(_, l)| is_header_row(l)) {
        return Err(ImportError::StrayHeader {
            file: file.to_string(),
            line,
            header_line,
        });
    }
    let raw_rows = split_rows(file, body, TEXT_COLUMNS + header.reviews.len())?;
    build_area(file, scale, head, header, raw_rows, warn)
}

/// An area's header as read: the line it is on, its text column names, its review columns.
pub(super) struct Header {
    pub(super) line: usize,
    pub(super) columns: Vec<String>,
    pub(super) reviews: Vec<ReviewColumn>,
}

/// Gives an area's rows their ids, lines their cells up with the header's columns, and
/// checks the area has rows; any text form's rows end here.
pub(super) fn build_area(
    file: &str,
    scale: &[&str],
    head: AreaHead,
    header: Header,
    raw_rows: Vec<RawRow>,
    warn: &mut dyn FnMut(usize, String),
) -> Result<WsoaArea, ImportError> {
    let numbered: Vec<Numbered> = raw_rows.iter().map(RawRow::numbered).collect();
    let ids = assign_ids(file, &numbered)?;
    let ctx = Ctx {
        file,
        scale,
        columns: header.columns,
        reviews: header.reviews.len(),
    };
    let mut rows = Vec::with_capacity(raw_rows.len());
    for (raw, id) in raw_rows.into_iter().zip(ids) {
        let major = raw.number.split('.').next().unwrap_or_default();
        if !head.number.is_empty() && major != head.number {
            let message = format!(
                "row {id} (line {}): not numbered as {}",
                raw.line, head.heading
            );
            warn(raw.line, message);
        }
        rows.push(build_row(&ctx, raw, id, warn)?);
    }
    if rows.is_empty() {
        let heading = match head.heading.as_str() {
            "" => "The area".to_string(),
            h => h.to_string(),
        };
        return Err(ImportError::EmptyArea {
            file: file.to_string(),
            line: head.line,
            heading,
            header_line: header.line,
        });
    }
    Ok(WsoaArea {
        line: head.line,
        number: head.number,
        heading: head.heading,
        finding: head.finding,
        header_line: header.line,
        reviews: header.reviews,
        rows,
    })
}

/// Checks the bytes are text: NUL bytes or invalid UTF-8 mean a binary file was given.
pub(super) fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, ImportError> {
    let not_text = |offset: usize, detail: String| {
        let before = bytes.get(..offset).unwrap_or(bytes);
        let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
        ImportError::NotText {
            file: file.to_string(),
            line,
            detail,
        }
    };
    if let Some(pos) = bytes.iter().position(|&b| b == 0) {
        return Err(not_text(pos, format!("NUL byte at byte {pos}")));
    }
    let text = std::str::from_utf8(bytes).map_err(|e| {
        let at = e.valid_up_to();
        not_text(at, format!("invalid UTF-8 at byte {at}"))
    })?;
    Ok(text.strip_prefix('\u{feff}').unwrap_or(text))
}

/// The header is the line whose first cell is "Number"; failing that, the first with a RAG cell.
fn find_header(lines: &[(usize, &str)]) -> Option<usize> {
    (lines.iter().position(|(_, l)| is_header_row(l))).or_else(|| {
        lines
            .iter()
            .position(|(_, l)| l.contains('|') && l.split('|').any(is_rag))
    })
}

/// Whether the text has a header this reader finds (a "Number |" row, or a row with a RAG cell).
pub(super) fn has_pipe_header(lines: &[(usize, &str)]) -> bool {
    find_header(lines).is_some()
}

/// A table line whose first cell is "Number".
fn is_header_row(line: &str) -> bool {
    line.contains('|')
        && line
            .split('|')
            .next()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("number"))
}

fn is_rag(cell: &str) -> bool {
    cell.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("rag"))
}

/// Splits a pipe-separated header row into its cells and reads them ([`header_from_cells`]).
fn read_header(file: &str, line: usize, text: &str) -> Result<Header, ImportError> {
    let mut cells: Vec<&str> = text.split('|').map(str::trim).collect();
    while cells.last() == Some(&"") {
        cells.pop();
    }
    header_from_cells(file, line, &cells)
}

/// Splits a header's cells into the text column names and the review columns with their dates.
///
/// Columns are read by position, so the count before the first review column must be exact.
pub(super) fn header_from_cells(
    file: &str,
    line: usize,
    cells: &[&str],
) -> Result<Header, ImportError> {
    let file = file.to_string();
    let Some(first) = cells.iter().position(|c| is_rag(c)) else {
        return Err(ImportError::NoReviewColumns { file, line });
    };
    if first != TEXT_COLUMNS {
        let expected = TEXT_COLUMNS;
        return Err(ImportError::HeaderColumns {
            file,
            line,
            found: first,
            expected,
        });
    }
    let mut reviews = Vec::new();
    for label in cells[first..].iter().map(|l| l.to_string()) {
        let Some(month) = parse_review_label(&label) else {
            return Err(ImportError::BadReviewLabel { file, line, label });
        };
        reviews.push(ReviewColumn {
            label,
            date: last_day_of_month(month),
        });
    }
    Ok(Header {
        line,
        columns: cells[..first].iter().map(|c| c.to_string()).collect(),
        reviews,
    })
}

const AREA_PREFIX: &str = "area for improvement";

/// Reads the title and the first area's heading, number and finding from the lines above the
/// first header; no area when no line starts "Area for Improvement".
pub(super) fn read_preamble(lines: &[(usize, &str)]) -> (String, Option<AreaHead>) {
    let texts: Vec<(usize, &str)> = lines
        .iter()
        .map(|&(n, l)| (n, l.trim()))
        .filter(|(_, l)| !l.is_empty())
        .collect();
    let title = texts.first().map(|t| t.1.to_string()).unwrap_or_default();
    let Some(at) = texts.iter().position(|(_, t)| area_line(t).is_some()) else {
        return (title, None);
    };
    let (line, text) = texts[at];
    let Some((heading, number, leftover)) = area_line(text) else {
        return (title, None);
    };
    let rest = texts[at + 1..].iter().map(|t| t.1);
    (
        title,
        Some(AreaHead::new(line, heading, number, leftover, rest)),
    )
}

/// A line starting "Area for Improvement" (any case): its heading ("Area for Improvement 2"),
/// its number ("2"; empty when no number follows) and the text after the number, which starts
/// the finding ("Area for Improvement 2: Joint Commissioning ...").
pub(super) fn area_line(text: &str) -> Option<(String, String, &str)> {
    let text = text.trim();
    let prefix = text
        .get(..AREA_PREFIX.len())
        .filter(|p| p.eq_ignore_ascii_case(AREA_PREFIX))?;
    let rest = text[AREA_PREFIX.len()..].trim_start();
    let number = rest
        .split(|c: char| !c.is_alphanumeric() && c != '.')
        .next()
        .unwrap_or_default();
    // Area numbers are digits; "Area for Improvement plan" has none.
    let number = number.trim_end_matches('.');
    let number = if number.starts_with(|c: char| c.is_ascii_digit()) {
        number
    } else {
        ""
    };
    let leftover = rest[number.len()..].trim_start_matches([':', '.', '-', '–', '—', ' ']);
    let heading = format!("{prefix} {number}").trim().to_string();
    Some((heading, number.to_string(), leftover))
}

/// A line that opens a later area: "Area for Improvement N" with a number, outside any cell
/// (no '|' on the line).
fn area_boundary(line: &str) -> Option<(String, String, &str)> {
    if line.contains('|') {
        return None;
    }
    area_line(line).filter(|(_, number, _)| !number.is_empty())
}

/// "1.4 |" or "1.3A |" at the start of a line opens a row: gives ("1.4", None) / ("1.3", Some('A')).
fn row_start(line: &str) -> Option<(String, Option<char>)> {
    action_number(line.split_once('|')?.0.trim())
}

/// An action number alone: "1.4" gives ("1.4", None), "1.3A" gives ("1.3", Some('A')).
///
/// Only "digits.digits" counts, so text, dates or "90%" never do.
pub(super) fn action_number(text: &str) -> Option<(String, Option<char>)> {
    let (number, letter) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&text[..i], Some(c.to_ascii_uppercase())),
        _ => (text, None),
    };
    let (major, minor) = number.split_once('.')?;
    let digits = |s: &str| !s.is_empty() && s.chars().all(|c| c.is_ascii_digit());
    (digits(major) && digits(minor)).then(|| (number.to_string(), letter))
}

/// Groups body lines into rows (a row runs until the next numbered line) and splits their cells.
///
/// A line holding nearly a whole row of cells, below a row that already has nearly all its
/// cells, is a row without a number: appending it to the row above would only hide the mistake.
fn split_rows(
    file: &str,
    body: &[(usize, &str)],
    width: usize,
) -> Result<Vec<RawRow>, ImportError> {
    let mut rows: Vec<(RawRow, Vec<(usize, &str)>)> = Vec::new();
    let bars = |l: &str| l.matches('|').count();
    for &(n, l) in body {
        if let Some((number, letter)) = row_start(l) {
            rows.push((
                RawRow {
                    line: n,
                    number,
                    letter,
                    cells: Vec::new(),
                },
                vec![(n, l)],
            ));
            continue;
        }
        let full = |lines: &[(usize, &str)]| {
            lines.iter().map(|(_, l)| bars(l)).sum::<usize>() + 1 >= width
        };
        match rows.last_mut() {
            Some((_, lines)) if !(full(lines) && bars(l) + 1 >= width) => lines.push((n, l)),
            _ if l.trim().is_empty() => {}
            _ => {
                return Err(ImportError::EmptyNumber {
                    file: file.to_string(),
                    line: n,
                })
            }
        }
    }
    let split = |(raw, lines): (RawRow, Vec<_>)| RawRow {
        cells: split_cells(&lines),
        ..raw
    };
    Ok(rows.into_iter().map(split).collect())
}

/// Splits a row's lines on '|'; a cell's pieces on several lines are joined with one space.
///
/// Text after the row's last '|' is a cell only if it is not blank (the usual closing '|').
fn split_cells(lines: &[(usize, &str)]) -> Vec<Cell> {
    let mut cells = Vec::new();
    let mut parts: Vec<&str> = Vec::new();
    let mut text_line: Option<usize> = None;
    let mut open_line = lines.first().map_or(0, |(n, _)| *n);
    for &(n, l) in lines {
        for (k, piece) in l.split('|').enumerate() {
            if k > 0 {
                let line = text_line.take().unwrap_or(open_line);
                cells.push(Cell::new(parts.join(" "), line));
                parts.clear();
                open_line = n;
            }
            let piece = piece.trim();
            if !piece.is_empty() {
                parts.push(piece);
                text_line.get_or_insert(n);
            }
        }
    }
    if !parts.is_empty() {
        cells.push(Cell::new(parts.join(" "), text_line.unwrap_or(open_line)));
    }
    cells
}

/// The "(A)"-style marker that tells rows with the same number apart: a lone letter in brackets.
fn action_marker(action: &str) -> Option<char> {
    let chars: Vec<char> = action.chars().collect();
    chars.windows(3).enumerate().find_map(|(i, w)| {
        let before = i == 0 || !chars[i - 1].is_alphanumeric();
        let after = chars.get(i + 3).is_none_or(|c| !c.is_alphanumeric());
        let marker = w[0] == '(' && w[2] == ')' && w[1].is_ascii_alphabetic();
        (marker && before && after).then(|| w[1].to_ascii_uppercase())
    })
}

/// Gives each row its id: the number, plus the row's letter when the number is used more than once.
pub(super) fn assign_ids(file: &str, rows: &[Numbered]) -> Result<Vec<String>, ImportError> {
    let letter = |r: &Numbered| r.letter.or_else(|| action_marker(r.action));
    // Rows by number, in order: a row's twins are found without walking every row (which
    // made an import of 10,000 actions in one area compare 100 million numbers).
    let mut by_number: std::collections::HashMap<&str, Vec<usize>> =
        std::collections::HashMap::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        by_number.entry(row.number).or_default().push(i);
    }
    let mut ids = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let same = by_number.get(row.number).map_or(&[][..], Vec::as_slice);
        let mut twins = same.iter().filter(|j| **j != i).map(|j| (*j, &rows[*j]));
        let Some((_, other)) = twins.next() else {
            // A unique number keeps a letter only if it was written as part of it ("2.1A |").
            ids.push(format!(
                "{}{}",
                row.number,
                row.letter.map(String::from).unwrap_or_default()
            ));
            continue;
        };
        let Some(mine) = letter(row) else {
            return Err(duplicate(file, row, other));
        };
        let mut others = std::iter::once((i, other)).chain(twins);
        if let Some((_, clash)) = others.find(|(_, r)| letter(r) == Some(mine)) {
            return Err(duplicate(file, row, clash));
        }
        ids.push(format!("{}{mine}", row.number));
    }
    Ok(ids)
}

fn duplicate(file: &str, a: &Numbered, b: &Numbered) -> ImportError {
    ImportError::DuplicateNumber {
        file: file.to_string(),
        number: a.number.to_string(),
        first_line: a.line.min(b.line),
        line: a.line.max(b.line),
    }
}

/// Which middle column (0 Lead, 1 Measures, 2 Evidence) a row's reading leaves empty, if any.
type Missing = Option<usize>;

/// What a cell looks like, which decides the columns it can plausibly sit in.
#[derive(Clone, Copy)]
enum Kind {
    Empty,
    Status,
    NearStatus,
    Short,
    Prose,
}

fn kind(text: &str, scale: &[&str]) -> Kind {
    let allowed = |s: &str| (s.chars().count() / 4).max(1);
    let near = |(s, d): (&str, usize)| d <= allowed(s);
    // An edit distance is at least the difference in length: most prose cannot be near any
    // status, and is told so without computing a distance.
    let could_be_near = || {
        let len = normalized_len(text);
        scale
            .iter()
            .any(|s| len.abs_diff(normalized_len(s)) <= allowed(s))
    };
    if text.is_empty() {
        Kind::Empty
    } else if match_status(text, scale).is_some() {
        Kind::Status
    } else if could_be_near() && closest(text, scale).is_some_and(near) {
        Kind::NearStatus
    } else if text.split_whitespace().count() >= PROSE_WORDS {
        Kind::Prose
    } else {
        Kind::Short
    }
}

/// How badly a cell of `kind` fits a middle column (0 Lead, 1 Measures, 2 Evidence) or, for
/// `None`, a review column; `None` means it cannot sit there at all.
///
/// A status word in a text column is only tolerated in a complete reading: a reading that
/// already guesses a missing cell must not also guess that a status is text.
fn misfit(kind: Kind, column: Option<usize>, guessing: bool) -> Option<u32> {
    match (column, kind) {
        (_, Kind::Empty) | (None, Kind::Status) => Some(0),
        (None, Kind::NearStatus) => Some(1), // a misspelt status: an error once chosen
        (None, Kind::Short) => Some(2),      // an unknown status word: an error once chosen
        (None, Kind::Prose) => None,
        (Some(_), Kind::Status | Kind::NearStatus) => (!guessing).then_some(4),
        (Some(0), Kind::Short) | (Some(1 | 2), Kind::Prose) => Some(0),
        (Some(_), Kind::Short | Kind::Prose) => Some(1),
    }
}

/// The cells under Lead, Measures and Evidence when the middle column `missing` is absent.
fn middle(cells: &[Cell], missing: Missing) -> [Option<&Cell>; 3] {
    let mut present = cells.iter().skip(LEADING);
    [0, 1, 2].map(|c| {
        if missing == Some(c) {
            None
        } else {
            present.next()
        }
    })
}

/// The cells under the review columns: the last `reviews` of the cells the layout uses.
fn status_cells(cells: &[Cell], missing: Missing, reviews: usize) -> &[Cell] {
    let used = TEXT_COLUMNS + reviews - usize::from(missing.is_some());
    cells.get(used - reviews..used).unwrap_or_default()
}

/// Total misfit of a layout, plus one for a missing cell; `None` if some cell cannot fit.
fn layout_cost(ctx: &Ctx, cells: &[Cell], missing: Missing) -> Option<u32> {
    let mut total = u32::from(missing.is_some());
    for (column, cell) in middle(cells, missing).iter().enumerate() {
        if let Some(cell) = cell {
            total += misfit(cell.kind(ctx.scale), Some(column), missing.is_some())?;
        }
    }
    for cell in status_cells(cells, missing, ctx.reviews) {
        total += misfit(cell.kind(ctx.scale), None, missing.is_some())?;
    }
    Some(total)
}

/// Chooses which middle cell, if any, a row is missing; on failure gives the reason.
///
/// Leading cells are read from the left and statuses from the right; empty cells past the last
/// status are dropped. A row one cell short is missing one of Lead / Measures / Evidence, and so
/// may be a row whose last cell is empty (row 1.3B's "| |"). Each reading is scored by how badly
/// its cells fit their columns (a Lead is a few names, Measures and Evidence are sentences,
/// statuses sit only under review columns); the best wins. Ties go to the complete reading, then
/// to missing Evidence, then Measures (Evidence is written last in a plan's life); the rivals
/// are returned so the warning can name them.
fn choose_layout(
    ctx: &Ctx,
    cells: &[Cell],
) -> Result<(Missing, Vec<usize>), (usize, &'static str)> {
    let width = TEXT_COLUMNS + ctx.reviews;
    let mut len = cells.len();
    while len > width && cells[len - 1].text.is_empty() {
        len -= 1;
    }
    if len > width {
        return Err((len, "the cells after the last review column are not empty"));
    }
    if len + 1 < width {
        return Err((
            len,
            "only one missing Lead, Measures or Evidence cell can be worked out",
        ));
    }
    let mut candidates = Vec::new();
    if len == width {
        candidates.push(None);
    }
    if len + 1 == width || cells[len - 1].text.is_empty() {
        candidates.extend([Some(2), Some(1), Some(0)]);
    }
    let scored: Vec<(u32, Option<usize>)> = candidates
        .into_iter()
        .filter_map(|m| layout_cost(ctx, cells, m).map(|c| (c, m)))
        .collect();
    let Some(&(best, missing)) = scored.iter().min_by_key(|(c, _)| *c) else {
        return Err((
            len,
            "no reading of its cells puts only statuses under the review columns",
        ));
    };
    let rivals = scored.iter().filter(|&&(c, m)| c == best && m != missing);
    Ok((missing, rivals.filter_map(|(_, m)| *m).collect()))
}

fn normalize(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The characters of `normalize(s)`, each word preceded by a space, without allocating:
/// two strings normalise alike exactly when these sequences are equal.
fn folded(s: &str) -> impl Iterator<Item = char> + '_ {
    s.split_whitespace()
        .flat_map(|w| std::iter::once(' ').chain(w.chars().flat_map(char::to_lowercase)))
}

/// The length in characters of `normalize(s)`.
fn normalized_len(s: &str) -> usize {
    folded(s).count().saturating_sub(1)
}

/// The scale's spelling of a status cell, matched ignoring case and repeated whitespace.
/// Every cell of a table meets this, several times: it allocates nothing.
pub(super) fn match_status<'s>(text: &str, scale: &[&'s str]) -> Option<&'s str> {
    // Most cells are spelt exactly as the scale spells them.
    if let Some(exact) = scale.iter().copied().find(|s| *s == text) {
        return Some(exact);
    }
    scale.iter().copied().find(|s| folded(s).eq(folded(text)))
}

/// The scale name closest to `text` by edit distance, with that distance.
pub(super) fn closest<'s>(text: &str, scale: &[&'s str]) -> Option<(&'s str, usize)> {
    let text = normalize(text);
    scale
        .iter()
        .map(|s| (*s, edit_distance(&text, &normalize(s))))
        .min_by_key(|(_, d)| *d)
}

/// Levenshtein distance over characters, for "did you mean" suggestions.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            cur.push(
                (prev[j] + usize::from(ca != *cb))
                    .min(prev[j + 1] + 1)
                    .min(cur[j] + 1),
            );
        }
        prev = cur;
    }
    prev[b.len()]
}

/// Lines a row's cells up with the columns, checks its statuses and reads its dates.
fn build_row(
    ctx: &Ctx,
    raw: RawRow,
    id: String,
    warn: &mut dyn FnMut(usize, String),
) -> Result<WsoaRow, ImportError> {
    let (file, width) = (ctx.file.to_string(), TEXT_COLUMNS + ctx.reviews);
    let (missing, rivals) = choose_layout(ctx, &raw.cells).map_err(|(found, detail)| {
        let (line, id, detail) = (raw.line, id.clone(), detail.to_string());
        ImportError::CellCount {
            file: file.clone(),
            line,
            id,
            found,
            expected: width,
            detail,
        }
    })?;
    let at = format!("row {id} (line {})", raw.line);
    let name = |c: usize| ctx.columns.get(LEADING + c).map_or("?", String::as_str);
    if let Some(m) = missing {
        let mut message = format!(
            "{at}: {} cells for {width} columns; left \"{}\" empty",
            width - 1,
            name(m)
        );
        if !rivals.is_empty() {
            let rivals: Vec<String> = rivals.iter().map(|&r| format!("\"{}\"", name(r))).collect();
            let rivals = rivals.join(" or ");
            message.push_str(&format!(
                " (or it may be {rivals} that is missing; check the source)"
            ));
        }
        warn(raw.line, message);
    }
    let mut statuses = Vec::with_capacity(ctx.reviews);
    for cell in status_cells(&raw.cells, missing, ctx.reviews) {
        if cell.text.is_empty() {
            statuses.push(None);
        } else if let Some(status) = match_status(&cell.text, ctx.scale) {
            statuses.push(Some(status.to_string()));
        } else if crate::scale::Rag::from_word(&cell.text).is_some() {
            return Err(ImportError::UnmappedColour {
                file,
                line: cell.line,
                cell: cell.text.clone(),
            });
        } else {
            let (line, cell, scale) = (cell.line, cell.text.clone(), ctx.scale);
            let suggestion = closest(&cell, scale).map(|(s, _)| s.to_string());
            let scale = scale.iter().map(|s| s.to_string()).collect();
            return Err(ImportError::UnknownStatus {
                file,
                line,
                cell,
                suggestion,
                scale,
            });
        }
    }
    let text = |i: usize| raw.cells.get(i).map(|c| c.text.clone()).unwrap_or_default();
    let [lead, measures, evidence_impact] =
        middle(&raw.cells, missing).map(|c| c.map(|c| c.text.clone()).unwrap_or_default());
    let mut date = |i: usize| {
        let column = ctx.columns.get(i).map_or("date", String::as_str);
        let (parsed, note) = read_date(&text(i), &at, column);
        if let Some(note) = note {
            warn(raw.line, note);
        }
        parsed
    };
    let (start, end) = (date(3), date(4));
    let (outcome, action) = (text(1), text(2));
    let (line, number) = (raw.line, raw.number);
    Ok(WsoaRow {
        line,
        id,
        number,
        outcome,
        action,
        start,
        end,
        lead,
        measures,
        evidence_impact,
        statuses,
    })
}

/// Reads a Start or End cell's month; with a warning when the reading is doubtful or there is
/// none (`at` names the row, `column` the header).
pub(super) fn read_date(text: &str, at: &str, column: &str) -> (DateText, Option<String>) {
    let parsed = parse_date_text(text);
    let given = &parsed.text;
    let note = if let Some(note) = &parsed.note {
        Some(format!("{at}: {column} \"{given}\": {note}"))
    } else if parsed.month.is_none() && !given.is_empty() {
        Some(format!(
            "{at}: {column} \"{given}\" has no month and year to read; kept as text only"
        ))
    } else {
        None
    };
    (parsed, note)
}

#[cfg(test)]
#[path = "wsoa_tests.rs"]
mod tests;

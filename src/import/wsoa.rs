//! Parses one Area for Improvement of a published WSoA table, in its pipe-separated text form,
//! into action rows with one status per review; pure (text in, data out).
//!
//! Published tables are messy: cells run over several lines, a cell can be missing, action
//! numbers repeat. What can be repaired safely is repaired and reported as a warning; what
//! cannot becomes an [`ImportError`] that says where and what to fix.

use crate::dates::{last_day_of_month, parse_date_text, parse_review_label, DateText};
use super::error::ImportError;

/// One Area for Improvement as read from the source table.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WsoaTable {
    pub title: String,
    pub area_number: String,
    pub area_heading: String,
    pub finding: String,
    pub reviews: Vec<ReviewColumn>,
    pub rows: Vec<WsoaRow>,
    pub warnings: Vec<ImportWarning>,
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
const TEXT_COLUMNS: usize = 8;
/// Number, Outcomes, Action, Start date and End date: always read from the left.
const LEADING: usize = 5;
/// A cell of this many words or more reads as a sentence (Measures, Evidence), not a Lead's names.
const PROSE_WORDS: usize = 8;

/// A cell's text with the line its text starts on, so errors can point at the cell itself.
struct Cell {
    text: String,
    line: usize,
}

/// A row's cells before they are matched to columns.
struct RawRow {
    line: usize,
    number: String,
    letter: Option<char>,
    cells: Vec<Cell>,
}

/// What every row is read against: the file name for messages, the header and the scale.
struct Ctx<'a> {
    file: &'a str,
    scale: &'a [&'a str],
    columns: Vec<String>,
    reviews: usize,
}

/// Parses a WSoA table; `source_name` names the file in messages and `scale` lists valid statuses.
pub fn parse_wsoa(
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
    let Some(at) = find_header(&lines) else {
        let line = lines.len();
        return Err(ImportError::NoHeader { file, line });
    };
    let (header_line, header) = lines[at];
    let (columns, reviews) = read_header(&file, header_line, header)?;
    let (title, area_heading, area_number, finding) = read_preamble(&lines[..at]);
    let mut warnings = Vec::new();
    let mut warn = |line, message: String| warnings.push(ImportWarning { line, message });
    if area_heading.is_empty() {
        warn(
            header_line,
            "no \"Area for Improvement N\" line above the header".into(),
        );
    }
    let mut body = &lines[at + 1..];
    while let Some(((_, l), rest)) = body.split_first() {
        if !l.chars().all(|c| "-|:+= \t".contains(c)) {
            break; // past the "---|---" separator and blank lines
        }
        body = rest;
    }
    let raw_rows = split_rows(&file, body, TEXT_COLUMNS + reviews.len())?;
    let ids = assign_ids(&file, &raw_rows)?;
    let ctx = Ctx {
        file: &file,
        scale,
        columns,
        reviews: reviews.len(),
    };
    let mut rows = Vec::with_capacity(raw_rows.len());
    for (raw, id) in raw_rows.into_iter().zip(ids) {
        let major = raw.number.split('.').next().unwrap_or_default();
        if !area_number.is_empty() && major != area_number {
            let message = format!(
                "row {id} (line {}): not numbered as {area_heading}",
                raw.line
            );
            warn(raw.line, message);
        }
        rows.push(build_row(&ctx, raw, id, &mut warn)?);
    }
    if rows.is_empty() {
        warn(header_line, "no action rows below the header".into());
    }
    Ok(WsoaTable {
        title,
        area_number,
        area_heading,
        finding,
        reviews,
        rows,
        warnings,
    })
}

/// Checks the bytes are text: NUL bytes or invalid UTF-8 mean a binary file was given.
fn decode<'a>(file: &str, bytes: &'a [u8]) -> Result<&'a str, ImportError> {
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
    let first_is_number = |l: &str| {
        l.split('|')
            .next()
            .is_some_and(|c| c.trim().eq_ignore_ascii_case("number"))
    };
    let table_line = |l: &&str| l.contains('|');
    (lines
        .iter()
        .position(|(_, l)| table_line(l) && first_is_number(l)))
    .or_else(|| {
        lines
            .iter()
            .position(|(_, l)| table_line(l) && l.split('|').any(is_rag))
    })
}

fn is_rag(cell: &str) -> bool {
    cell.split_whitespace()
        .next()
        .is_some_and(|w| w.eq_ignore_ascii_case("rag"))
}

/// Splits the header into the text column names and the review columns with their dates.
///
/// Columns are read by position, so the count before the first review column must be exact.
fn read_header(
    file: &str,
    line: usize,
    text: &str,
) -> Result<(Vec<String>, Vec<ReviewColumn>), ImportError> {
    let mut cells: Vec<&str> = text.split('|').map(str::trim).collect();
    while cells.last() == Some(&"") {
        cells.pop();
    }
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
    Ok((
        cells[..first].iter().map(|c| c.to_string()).collect(),
        reviews,
    ))
}

/// Reads title, area heading, area number and finding from the lines above the header.
fn read_preamble(lines: &[(usize, &str)]) -> (String, String, String, String) {
    const PREFIX: &str = "area for improvement";
    let texts: Vec<&str> = lines
        .iter()
        .map(|(_, l)| l.trim())
        .filter(|l| !l.is_empty())
        .collect();
    let title = texts.first().map(|t| t.to_string()).unwrap_or_default();
    let is_area = |t: &&str| {
        t.get(..PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
    };
    let Some(at) = texts.iter().position(is_area) else {
        let finding = texts.get(1..).unwrap_or_default().join(" ");
        return (title, String::new(), String::new(), finding);
    };
    let (prefix, rest) = texts[at].split_at(PREFIX.len());
    let rest = rest.trim_start();
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
    // "Area for Improvement 1: Leadership ..." carries the start of the finding on the same line.
    let leftover = rest[number.len()..].trim_start_matches([':', '.', '-', '–', '—', ' ']);
    let finding: Vec<&str> = std::iter::once(leftover)
        .chain(texts[at + 1..].iter().copied())
        .filter(|t| !t.is_empty())
        .collect();
    let heading = format!("{prefix} {number}").trim().to_string();
    (title, heading, number.to_string(), finding.join(" "))
}

/// "1.4 |" or "1.3A |" at the start of a line opens a row: gives ("1.4", None) / ("1.3", Some('A')).
///
/// Only "digits.digits" counts, so continuation lines starting with text, dates or "90%" never do.
fn row_start(line: &str) -> Option<(String, Option<char>)> {
    let first = line.split_once('|')?.0.trim();
    let (number, letter) = match first.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (&first[..i], Some(c.to_ascii_uppercase())),
        _ => (first, None),
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
                cells.push(Cell {
                    text: parts.join(" "),
                    line,
                });
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
        cells.push(Cell {
            text: parts.join(" "),
            line: text_line.unwrap_or(open_line),
        });
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
fn assign_ids(file: &str, rows: &[RawRow]) -> Result<Vec<String>, ImportError> {
    let letter = |r: &RawRow| {
        r.letter
            .or_else(|| r.cells.get(2).and_then(|c| action_marker(&c.text)))
    };
    let mut ids = Vec::with_capacity(rows.len());
    for (i, row) in rows.iter().enumerate() {
        let mut twins = rows
            .iter()
            .enumerate()
            .filter(|(j, r)| *j != i && r.number == row.number);
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

fn duplicate(file: &str, a: &RawRow, b: &RawRow) -> ImportError {
    ImportError::DuplicateNumber {
        file: file.to_string(),
        number: a.number.clone(),
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
    let near = |(s, d): (&str, usize)| d <= (s.chars().count() / 4).max(1);
    if text.is_empty() {
        Kind::Empty
    } else if match_status(text, scale).is_some() {
        Kind::Status
    } else if closest(text, scale).is_some_and(near) {
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
            total += misfit(kind(&cell.text, ctx.scale), Some(column), missing.is_some())?;
        }
    }
    for cell in status_cells(cells, missing, ctx.reviews) {
        total += misfit(kind(&cell.text, ctx.scale), None, missing.is_some())?;
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

/// The scale's spelling of a status cell, matched ignoring case and repeated whitespace.
fn match_status<'s>(text: &str, scale: &[&'s str]) -> Option<&'s str> {
    let text = normalize(text);
    scale.iter().copied().find(|s| normalize(s) == text)
}

/// The scale name closest to `text` by edit distance, with that distance.
fn closest<'s>(text: &str, scale: &[&'s str]) -> Option<(&'s str, usize)> {
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
    warn: &mut impl FnMut(usize, String),
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
        let parsed = parse_date_text(&text(i));
        let (column, given) = (
            ctx.columns.get(i).map_or("date", String::as_str),
            &parsed.text,
        );
        if let Some(note) = &parsed.note {
            warn(raw.line, format!("{at}: {column} \"{given}\": {note}"));
        } else if parsed.month.is_none() && !given.is_empty() {
            warn(
                raw.line,
                format!(
                    "{at}: {column} \"{given}\" has no month and year to read; kept as text only"
                ),
            );
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

#[cfg(test)]
mod tests {
    use super::super::dates::YearMonth;
    use super::*;

    const YORK: &str = include_str!("../../tests/data/york-wsoa-area1.txt");
    const SCALE: [&str; 6] = [
        "Not started",
        "Started but delayed",
        "Progressing but delayed",
        "Progressing and on track",
        "Completed",
        "Embedded",
    ];

    fn parse(text: &str) -> Result<WsoaTable, ImportError> {
        parse_wsoa("york.txt", text.as_bytes(), &SCALE)
    }

    fn ok(text: &str) -> WsoaTable {
        parse(text).unwrap_or_else(|e| panic!("should parse: {e}"))
    }

    fn err(text: &str) -> ImportError {
        match parse(text) {
            Ok(t) => panic!("expected an error, got {} rows", t.rows.len()),
            Err(e) => e,
        }
    }

    /// "first two … last two (N words)": pins a long cell's ends and length in a short line.
    fn brief(s: &str) -> String {
        let w: Vec<&str> = s.split_whitespace().collect();
        match w.len() {
            0..=4 => s.to_string(),
            n => format!("{} {} … {} {} ({n})", w[0], w[1], w[n - 2], w[n - 1]),
        }
    }

    /// A row in one line: id, number, line, each cell (long ones briefly), statuses by initials.
    fn summary(r: &WsoaRow) -> String {
        let date = |d: &DateText| {
            format!(
                "{} = {}",
                d.text,
                d.month.map(|m| m.to_string()).unwrap_or_default()
            )
        };
        let initials = |s: &Option<String>| {
            s.as_deref()
                .unwrap_or("-")
                .split(' ')
                .filter_map(|w| w.chars().next())
                .collect::<String>()
        };
        let statuses: Vec<String> = r.statuses.iter().map(initials).collect();
        let cells = [
            brief(&r.outcome),
            brief(&r.action),
            date(&r.start),
            date(&r.end),
            brief(&r.lead),
            brief(&r.measures),
            brief(&r.evidence_impact),
            statuses.join(" "),
        ];
        format!("{} {} {} | {}", r.id, r.number, r.line, cells.join(" | "))
    }

    #[test]
    fn york_preamble_and_reviews() {
        let t = ok(YORK);
        assert_eq!(t.title, "Special Educational Needs and Disabilities Local Area Inspection Written Statement of Action");
        assert_eq!(
            (t.area_number.as_str(), t.area_heading.as_str()),
            ("1", "Area for Improvement 1")
        );
        assert_eq!(brief(&t.finding), "Leadership and … health partners (27)");
        let reviews: Vec<String> = t
            .reviews
            .iter()
            .map(|r| format!("{} = {}", r.label, r.date))
            .collect();
        assert_eq!(reviews.join(", "), "RAG May 20 = 2020-05-31, RAG August 20 = 2020-08-31, RAG November 20 = 2020-11-30, RAG February 21 = 2021-02-28, RAG May 21 = 2021-05-31, RAG July 21 = 2021-07-31, RAG September 21 = 2021-09-30, RAG December 21 = 2021-12-31, RAG August 22 = 2022-08-31");
    }

    #[test]
    fn preamble_variants() {
        let body = &YORK[YORK.find("Number |").unwrap_or_default()..];
        let t = ok(&format!(
            "\u{feff}Title\n\nArea for improvement 2: Leadership.\nMore.\n{body}"
        ));
        assert_eq!(
            (
                t.title.as_str(),
                t.area_number.as_str(),
                t.area_heading.as_str(),
                t.finding.as_str()
            ),
            ("Title", "2", "Area for improvement 2", "Leadership. More.")
        );
        assert_eq!(
            t.warnings[0].message,
            "row 1.1 (line 7): not numbered as Area for improvement 2"
        );
        let t = ok(&format!("Title\nArea for improvement plan\n{body}"));
        assert_eq!(
            (t.area_number.as_str(), t.finding.as_str(), t.warnings.len()),
            ("", "plan", 1)
        );
    }

    #[test]
    fn york_rows_cell_by_cell() {
        let t = ok(YORK);
        let rows: Vec<String> = t.rows.iter().map(summary).collect();
        assert_eq!(rows, [
            "1.1 1.1 6 | Leaders in … in York. (38) | WSoA is … 18 months. (29) | February 2020 = 2020-02 | July 2020 = 2020-07 | (M.S) CYC (K.McN) CCG | All key … of improvement. (25) | The local … of weakness. (9) | Pbd C C C C E E E E",
            "1.2 1.2 7 | An outcomes … in York. (28) | Co-produce and … data dashboard. (21) | April 2020 = 2020-04 | September 2020 = 2020-09 | (M.S) CCG | Introduction of … accountability framework. (34) | A standardised … performance indicators. (31) | Sbd Pbd C C C C C C C",
            "1.3A 1.3 13 | A JSNA … and commissioning. (34) | Publish the … of 18. (23) | March 2020 = 2020-03 | Phase 1: October 2020 = 2020-10 | CYC (J.S) | Completion of … in York. (41) | Utilisation of … information sharing. (26) | Sbd Paot C C C E E E E",
            "1.3B 1.3 19 | A JSNA … and commissioning. (31) | (B) Phase … to 25. (13) | September 2020 = 2020-09 | Phase 2: January 2021 = 2021-01 |  | Completion of … in York. (41) | Utilisation of … information sharing. (26) | Sbd Paot Paot Pbd Pbd Pbd Paot Paot Pbd",
            "1.4 1.4 23 | The SEND … young people. (23) | Co-produce and … with SEND. (57) | June 2020 = 2020-06 | January 2021 = 2021-01 | CYC (M.S) | The strategy … in York. (19) | The strategy … local area. (27) | Sbd Paot Paot C C C C C C",
            "1.5 1.5 26 | Children and … 2014 reforms. (28) | Co-production of … improvement journey. (18) | May 2020 = 2020-05 | August 2020 = 2020-08 | CYC (L.B) | 50% improvement … feedback mechanisms. (18) | The communication … local area. (30) | Sbd C C C C C C C E",
        ]);
        let b: Vec<&str> = t.rows[3]
            .statuses
            .iter()
            .flatten()
            .map(String::as_str)
            .collect();
        assert_eq!(b.join(", "), "Started but delayed, Progressing and on track, Progressing and on track, Progressing but delayed, Progressing but delayed, Progressing but delayed, Progressing and on track, Progressing and on track, Progressing but delayed");
        assert_eq!(
            t.rows
                .iter()
                .flat_map(|r| r.statuses.iter().flatten())
                .count(),
            54
        );
        assert_eq!(t.rows[2].action, "Publish the SEND 0 – 25 JSNA. (A) Phase 1 of the JSNA encompasses all children with SEND under the age of 18.");
        assert_eq!(t.rows[5].action, "Co-production of a Joint communication and engagement strategy across all services and providers to track the improvement journey.");
        assert_eq!(t.rows[5].measures, "50% improvement rate of parental confidence and awareness of strategic intent and priorities – evidenced by feedback mechanisms.");
    }

    #[test]
    fn york_has_exactly_the_missing_lead_warning() {
        let t = ok(YORK);
        assert_eq!(
            t.warnings,
            [ImportWarning {
                line: 19,
                message: "row 1.3B (line 19): 16 cells for 17 columns; left \"Lead\" empty".into()
            }]
        );
    }

    #[test]
    fn typo_and_unreadable_dates_are_warnings() {
        let t = ok(&YORK
            .replace("| January 2021 | CYC", "| March 2-21 | CYC")
            .replace("| February 2020 |", "| TBC |"));
        assert_eq!(
            (t.rows[4].end.month, t.rows[0].start.month),
            (YearMonth::new(2021, 3), None)
        );
        assert_eq!(t.rows[0].start.text, "TBC");
        let messages: Vec<&str> = t.warnings.iter().map(|w| w.message.as_str()).collect();
        assert!(messages.contains(&"row 1.1 (line 6): Start date \"TBC\" has no month and year to read; kept as text only"), "{messages:?}");
        assert!(messages.contains(&"row 1.4 (line 23): End date \"March 2-21\": read the year \"2-21\" as 2021 (a '-' typed for a '0')"), "{messages:?}");
    }

    #[test]
    fn statuses_match_ignoring_case_and_spacing_and_crlf_parses_the_same() {
        let t = ok(&YORK.replace(
            "| Progressing but delayed | Completed |",
            "| progressing  BUT delayed | Completed |",
        ));
        assert_eq!(
            t.rows[0].statuses[0].as_deref(),
            Some("Progressing but delayed")
        );
        assert_eq!(ok(&YORK.replace('\n', "\r\n")), ok(YORK));
    }

    #[test]
    fn misspelt_status_names_line_cell_and_suggestion() {
        let e = err(&YORK.replacen(
            "| Completed | Completed | Embedded",
            "| Completed | Completd | Embedded",
            1,
        ));
        assert!(
            matches!(&e, ImportError::UnknownStatus { line: 6, cell, suggestion: Some(s), .. } if cell == "Completd" && s == "Completed"),
            "{e:?}"
        );
        assert!(
            e.to_string().starts_with(
                "york.txt, line 6: unknown status \"Completd\" (did you mean \"Completed\"?)"
            ),
            "{e}"
        );
        // In the short row 1.3B a misspelt first status must not be taken for the Evidence cell.
        let e = err(&YORK.replace("Started but delayed | Progressing and on track | Progressing and on track | Progressing but", "Started but delyed | Progressing and on track | Progressing and on track | Progressing but"));
        assert!(
            matches!(&e, ImportError::UnknownStatus { line: 22, suggestion: Some(s), .. } if s == "Started but delayed"),
            "{e:?}"
        );
        let e = err(&YORK.replace("| Embedded |\n1.2", "| Amber |\n1.2"));
        assert!(
            matches!(&e, ImportError::UnknownStatus { line: 6, cell, .. } if cell == "Amber"),
            "{e:?}"
        );
    }

    #[test]
    fn a_row_missing_two_cells_is_an_error() {
        let e = err(&YORK.replace("CYC (M.S) | The strategy facilitates a move to a strength based approach to supporting children, young people and families in York. |", ""));
        assert!(
            matches!(
                e,
                ImportError::CellCount {
                    line: 23,
                    found: 15,
                    expected: 17,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("york.txt, line 23: row 1.4 has 15 cells for the header's 17 columns, and only one missing"),
            "{e}"
        );
        let e = err(&YORK.replace("| Embedded |\n1.2", "| Embedded | Embedded |\n1.2"));
        assert!(
            matches!(
                e,
                ImportError::CellCount {
                    line: 6,
                    found: 18,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn an_empty_last_status_is_not_mistaken_for_a_missing_cell() {
        let t = ok(&YORK.replace("| Completed | Completed |\n1.5", "| Completed | |\n1.5"));
        assert_eq!(
            (t.rows[4].statuses[8].as_deref(), t.rows[4].lead.as_str()),
            (None, "CYC (M.S)")
        );
        assert_eq!(t.warnings.len(), 1);
    }

    #[test]
    fn a_complete_row_may_hold_status_words_as_text() {
        let t = ok(&YORK.replace(
            "The local area has addressed the areas of weakness.",
            "Completed",
        ));
        assert_eq!(
            (t.rows[0].evidence_impact.as_str(), t.warnings.len()),
            ("Completed", 1)
        );
    }

    #[test]
    fn a_short_row_ending_in_an_empty_cell_still_needs_all_but_one_cell() {
        // 1.3B without its Measures line: two cells short, though it still ends in "| |".
        let lines: Vec<&str> = YORK
            .lines()
            .enumerate()
            .filter(|(i, _)| *i != 19)
            .map(|(_, l)| l)
            .collect();
        let e = err(&lines.join("\n"));
        assert!(
            matches!(e, ImportError::CellCount { line: 19, .. }),
            "{e:?}"
        );
    }

    #[test]
    fn a_short_row_with_a_short_lead_is_missing_evidence() {
        let t = ok(&YORK.replace(" The strategy supports a city wide approach to continuous improvement, and secures leadership, management and oversight for the delivery of the SEND reforms across the local area. |", ""));
        let r = &t.rows[4];
        assert_eq!(
            (
                r.lead.as_str(),
                brief(&r.measures),
                r.evidence_impact.as_str()
            ),
            ("CYC (M.S)", "The strategy … in York. (19)".into(), "")
        );
        assert!(t.warnings.iter().any(|w| w.message.starts_with("row 1.4 (line 23): 16 cells for 17 columns; left \"Evidence and impact\" empty (or it may be \"Measures of success\"")));
    }

    #[test]
    fn header_problems_and_empty_or_binary_files() {
        let e = err(&YORK
            .replace("Number | Outcomes", "No. | Outcomes")
            .replace("RAG", "Review"));
        assert!(
            matches!(e, ImportError::NoHeader { line: 31, .. })
                && e.to_string().contains("line 31"),
            "{e:?}"
        );
        let e = err(&YORK.replace("| RAG", "| Review"));
        assert!(
            matches!(e, ImportError::NoReviewColumns { line: 4, .. })
                && e.to_string().contains("line 4"),
            "{e:?}"
        );
        let e = err(&YORK.replace("| Lead |", "|"));
        assert!(
            matches!(
                e,
                ImportError::HeaderColumns {
                    line: 4,
                    found: 7,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = err(&YORK.replace("RAG July 21", "RAG Summer"));
        assert!(
            matches!(&e, ImportError::BadReviewLabel { line: 4, label, .. } if label == "RAG Summer"),
            "{e:?}"
        );
        assert!(matches!(err(""), ImportError::Empty { line: 1, .. }));
        assert!(err(" \n\n  \n")
            .to_string()
            .starts_with("york.txt, line 1: the file is empty"));
        let garbage = [
            0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n', 0xff, 0xfe, 0x00,
        ];
        let e = parse_wsoa("york.txt", &garbage, &SCALE).map(|t| t.rows.len());
        assert!(
            matches!(e, Err(ImportError::NotText { line: 3, .. })),
            "{e:?}"
        );
        let e = parse_wsoa("york.txt", b"Title\nNumber |\xc3\x28 RAG May 20 |", &SCALE)
            .map(|t| t.rows.len());
        assert!(
            matches!(&e, Err(ImportError::NotText { line: 2, .. })),
            "{e:?}"
        );
    }

    #[test]
    fn a_repeated_number_needs_distinct_letters() {
        let t = ok(&YORK.replace("1.4 | The SEND", "1.4a | The SEND"));
        assert_eq!(
            (t.rows[4].id.as_str(), t.rows[4].number.as_str()),
            ("1.4A", "1.4")
        );
        let e = err(&YORK.replace("(B) Phase 2", "Phase 2"));
        assert!(
            matches!(
                e,
                ImportError::DuplicateNumber {
                    first_line: 13,
                    line: 19,
                    ..
                }
            ),
            "{e:?}"
        );
        assert!(
            e.to_string()
                .starts_with("york.txt, line 19: action number 1.3 is also used on line 13"),
            "{e}"
        );
        let e = err(&YORK.replace("(B) Phase 2", "(A) Phase 2"));
        assert!(
            matches!(
                e,
                ImportError::DuplicateNumber {
                    first_line: 13,
                    line: 19,
                    ..
                }
            ),
            "{e:?}"
        );
        let e = err(&YORK.replace("1.4 | The SEND", "1.1 | The SEND"));
        assert!(
            matches!(
                e,
                ImportError::DuplicateNumber {
                    first_line: 6,
                    line: 23,
                    ..
                }
            ),
            "{e:?}"
        );
    }

    #[test]
    fn a_row_without_a_number_is_an_error() {
        let numberless = YORK
            .lines()
            .nth(5)
            .unwrap_or_default()
            .replacen("1.1 |", "|", 1);
        let e = err(&YORK.replace(
            "1.2 | An outcomes",
            &format!("{numberless}\n1.2 | An outcomes"),
        ));
        assert!(
            matches!(e, ImportError::EmptyNumber { line: 7, .. })
                && e.to_string().contains("line 7"),
            "{e:?}"
        );
        let e = err(&YORK.replace("---|\n1.1 |", "---|\n |"));
        assert!(
            matches!(e, ImportError::EmptyNumber { line: 6, .. }),
            "{e:?}"
        );
        // A row split after its number, or mid-cell, is still one row with the same cells.
        let t = ok(&YORK.replace("1.1 | Leaders in the", "1.1 |\n  Leaders in  \n  the"));
        assert_eq!(t.rows[0], ok(YORK).rows[0]);
    }
}

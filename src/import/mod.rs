//! Readers for existing plans: turn a published table into the events of one import batch.

pub mod error;
pub mod legend;
pub mod sheet;
mod sheet_columns;
pub mod sheet_csv;
pub mod sheet_error;
pub mod sheet_fill;
pub mod sheet_grid;
mod sheet_header;
pub mod sheet_xlsx;
pub mod status_run;
pub mod stream;
pub mod update;
pub mod web_text;
pub mod wsoa;

use serde::Serialize;

use crate::event::{ActionAdded, Event, PlanCreated, SourceImported};
use crate::plan::Plan;

pub use error::ImportError;
pub use legend::{Legend, LegendUsed, Vocabulary};
pub use stream::{wsoa_stream, ImportStream};
pub use update::{wsoa_update_events, UpdateBatch, UpdateSummary};
pub use web_text::parse_web_text;
pub use wsoa::{parse_wsoa, WsoaArea, WsoaTable};

/// The format name recorded in `source_imported` for WSoA tables.
pub const WSOA_FORMAT: &str = "wsoa_table";
/// The format name recorded in `source_imported` for WSoA tables copied from a web page.
pub const WEB_TEXT_FORMAT: &str = "wsoa_web_text";

/// The layouts a WSoA table can arrive in, each with its own reader.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SourceKind {
    /// "|"-separated text, as published ([`parse_wsoa`]).
    PipeText,
    /// Plain text copied from a web page ([`parse_web_text`]).
    WebText,
}

impl SourceKind {
    /// Which layout `bytes` are in: a "|"-separated header means pipe text; otherwise a line
    /// holding only "Number" means a web copy; failing both, a file with any "|" is read as
    /// pipe text, so its reader says what its header lacks.
    pub fn of(bytes: &[u8]) -> SourceKind {
        let text = String::from_utf8_lossy(bytes);
        let lines: Vec<(usize, &str)> = text.lines().enumerate().collect();
        if wsoa::has_pipe_header(&lines) {
            SourceKind::PipeText
        } else if web_text::has_web_header(&text) || !text.contains('|') {
            SourceKind::WebText
        } else {
            SourceKind::PipeText
        }
    }
}

/// Reads a plan's source table, choosing the reader by the file name's extension (.xlsx and
/// .csv trackers) or, for text, by its layout ([`SourceKind`]); `words` lists the statuses
/// (and legend words) a status cell may hold.
pub fn read_table(
    source_name: &str,
    bytes: &[u8],
    words: &[&str],
) -> Result<WsoaTable, ImportError> {
    let extension = std::path::Path::new(source_name)
        .extension()
        .map(|e| e.to_string_lossy().to_lowercase())
        .unwrap_or_default();
    match extension.as_str() {
        "xlsx" | "xlsm" => sheet_xlsx::read_xlsx(source_name, bytes, words),
        "csv" => sheet_csv::read_csv(source_name, bytes, words),
        "xls" | "xlsb" | "ods" | "numbers" => Err(ImportError::sheet(
            source_name,
            sheet_error::SheetError::Unsupported {
                format: format!(".{extension}"),
            },
        )),
        _ => match SourceKind::of(bytes) {
            SourceKind::PipeText => parse_wsoa(source_name, bytes, words),
            SourceKind::WebText => parse_web_text(source_name, bytes, words),
        },
    }
}

/// What an import would append, and what it had to say about the file.
#[derive(Debug, Clone, Serialize)]
pub struct ImportBatch {
    #[serde(skip)]
    pub events: Vec<Event>,
    pub warnings: Vec<String>,
    pub summary: ImportSummary,
}

/// Counts of what the import adds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct ImportSummary {
    pub file_name: String,
    pub sha256: String,
    pub plan_created: bool,
    pub areas: usize,
    pub actions: usize,
    pub reviews_added: usize,
    pub reviews_reused: usize,
    pub statuses: usize,
    /// The legend the table's status words were read with, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legend: Option<LegendUsed>,
}

/// The note recorded with an import read through a legend, so the history shows how its
/// status cells were read.
fn legend_note(file_name: &str, legend: &LegendUsed) -> String {
    format!(
        "{file_name}: status cells read with the legend {} (SHA-256 {})",
        legend.file_name, legend.sha256
    )
}

fn non_empty(s: &str) -> Option<String> {
    let t = s.trim();
    (!t.is_empty()).then(|| t.to_string())
}

/// The area's short title: the finding's lead-in before a colon ("Leadership and Governance").
fn area_title(area: &WsoaArea) -> String {
    match area.finding.split_once(':') {
        Some((head, _)) if !head.trim().is_empty() && head.len() <= 80 => head.trim().to_string(),
        _ => area.heading.clone(),
    }
}

/// The `action_added` for a table row of area `area`.
fn action_added(area: &str, row: &wsoa::WsoaRow) -> Event {
    Event::ActionAdded(ActionAdded {
        id: row.id.clone(),
        area: area.to_string(),
        action: row.action.clone(),
        outcome: non_empty(&row.outcome),
        start: non_empty(&row.start.text),
        end: non_empty(&row.end.text),
        lead: non_empty(&row.lead),
        measures: non_empty(&row.measures),
        evidence_impact: non_empty(&row.evidence_impact),
    })
}

/// `body` led by the `source_imported` entry that names the file and counts it.
fn with_source(
    file_name: &str,
    sha256: &str,
    format: &str,
    warnings: &[String],
    lead: Option<Event>,
    body: Vec<Event>,
) -> Vec<Event> {
    let mut events = Vec::with_capacity(body.len() + 2);
    events.extend(lead);
    events.push(Event::SourceImported(SourceImported {
        file_name: file_name.to_string(),
        sha256: sha256.to_string(),
        format: format.to_string(),
        entries: body.len() as u64,
        warnings: warnings.to_vec(),
    }));
    events.extend(body);
    events
}

/// Builds the events for one parsed WSoA document (every area in it) against the plan as it
/// stands, all at once: [`wsoa_stream`] collected.
pub fn wsoa_events(
    plan: &Plan,
    table: &WsoaTable,
    file_name: &str,
    sha256: &str,
    new_plan: Option<PlanCreated>,
) -> ImportBatch {
    let stream = wsoa_stream(plan, table.clone(), file_name, sha256, new_plan);
    let mut batch = stream.batch;
    batch.events = stream.events.collect();
    batch
}

/// An import warning as people read it: "FILE, line N: row X (line N): …" names its line
/// once. The `source_imported` entry keeps the warning as the importer wrote it: ledgers
/// already hold that wording, and importing the same file must give the same entries.
pub fn warning_for_people(warning: &str) -> String {
    let Some(at) = warning.find(", line ") else {
        return warning.to_string();
    };
    let rest = &warning[at + ", line ".len()..];
    let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
    if digits == 0 || !rest[digits..].starts_with(':') {
        return warning.to_string();
    }
    warning.replacen(&format!(" (line {})", &rest[..digits]), "", 1)
}

#[cfg(test)]
mod warning_tests {
    use super::warning_for_people;

    #[test]
    fn a_warning_names_its_line_once() {
        assert_eq!(
            warning_for_people("a.txt, line 19: row 1.3B (line 19): 16 cells"),
            "a.txt, line 19: row 1.3B: 16 cells"
        );
        assert_eq!(
            warning_for_people("a.xlsx, cell B5: row 1 (line 5): x"),
            "a.xlsx, cell B5: row 1 (line 5): x"
        );
    }
}

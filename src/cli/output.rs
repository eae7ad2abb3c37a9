//! Shared output helpers: formats, tables for people, JSON for programs.

use std::io::Write;

use clap::ValueEnum;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;

use crate::store::dir::Appended;

use super::CliError;

/// How a command prints what it found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, ValueEnum)]
pub enum Format {
    /// For people: aligned text.
    #[default]
    Table,
    /// For programs: one JSON document.
    Json,
}

/// Writes `value` as pretty JSON and a newline.
pub fn write_json(out: &mut dyn Write, value: &impl Serialize) -> Result<(), CliError> {
    let text = serde_json::to_string_pretty(value)
        .map_err(|e| CliError::Output(std::io::Error::other(e)))?;
    writeln!(out, "{text}").map_err(CliError::Output)
}

/// Writes a line of text.
pub fn line(out: &mut dyn Write, text: impl std::fmt::Display) -> Result<(), CliError> {
    writeln!(out, "{text}").map_err(CliError::Output)
}

/// A table with the project's look, for terminal output.
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

#[derive(Serialize)]
struct AppendedJson<'a> {
    appended: Vec<AppendedEntry<'a>>,
    head: crate::verify::Head,
}

#[derive(Serialize)]
struct AppendedEntry<'a> {
    seq: u64,
    hash: String,
    #[serde(rename = "type")]
    event_type: &'a str,
    summary: String,
}

/// Reports a durable append: each entry written and the new head.
///
/// The append has happened whatever this prints: if the acknowledgement cannot be written
/// (a closed pipe, a full disk), that is said on stderr and the command still succeeds, so
/// a script never retries an append that is already in the ledger.
pub fn report_appended(
    out: &mut dyn Write,
    err: &mut dyn Write,
    appended: &Appended,
    format: Format,
) -> Result<(), CliError> {
    for w in &appended.warnings {
        let _ = writeln!(err, "warning: {w}");
    }
    let Some(last) = appended.entries.last() else {
        return Ok(());
    };
    if let Err(e) = acknowledge(out, appended, format) {
        let _ = writeln!(
            err,
            "warning: the append is saved (head {} {}), but its acknowledgement could not be written: {e}",
            last.seq, last.hash
        );
    }
    Ok(())
}

fn acknowledge(out: &mut dyn Write, appended: &Appended, format: Format) -> Result<(), CliError> {
    let Some(last) = appended.entries.last() else {
        return Ok(());
    };
    let head = crate::verify::Head {
        seq: last.seq.0,
        hash: last.hash,
    };
    match format {
        Format::Json => {
            let appended = appended
                .entries
                .iter()
                .map(|e| AppendedEntry {
                    seq: e.seq.0,
                    hash: e.hash.to_hex(),
                    event_type: e.event.type_name(),
                    summary: crate::plan::activity::summarise(&e.event),
                })
                .collect();
            write_json(out, &AppendedJson { appended, head })?;
        }
        Format::Table => {
            for e in &appended.entries {
                line(
                    out,
                    format!(
                        "appended {}: {}",
                        e.seq,
                        crate::plan::activity::summarise(&e.event)
                    ),
                )?;
            }
            line(out, format!("head {} {}", head.seq, head.hash))?;
        }
    }
    out.flush().map_err(CliError::Output)
}

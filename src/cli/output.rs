//! Shared output helpers: formats, tables for people, JSON for programs.

use std::io::Write;

use clap::ValueEnum;
use comfy_table::{presets::UTF8_FULL_CONDENSED, ContentArrangement, Table};
use serde::Serialize;

use crate::report::safe_text;
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

/// Saves `bytes` to a new file (never over an existing one) and syncs it: what a command's
/// `--out FILE` writes, so a failed command leaves no empty or half file behind.
pub fn save_new(path: &std::path::Path, bytes: &[u8]) -> Result<(), CliError> {
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(path)
        .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", path.display())))?;
    f.write_all(bytes)
        .and_then(|_| f.sync_all())
        .map_err(|source| {
            CliError::Store(crate::store::StoreError::Io {
                path: path.to_path_buf(),
                source,
            })
        })
}

/// Writes a line of text for people. Control and bidirectional characters in it show as
/// escapes ([`safe_text::terminal_lines`]); its line breaks stay. A value from the ledger
/// that must stay on one line goes through [`safe_text::terminal`] first.
pub fn line(out: &mut dyn Write, text: impl std::fmt::Display) -> Result<(), CliError> {
    let text = text.to_string();
    writeln!(out, "{}", safe_text::terminal_lines(&text)).map_err(CliError::Output)
}

/// Writes a warning line (`warning: ...`) to `err`, made safe like [`line`].
pub fn warning(err: &mut dyn Write, text: impl std::fmt::Display) -> std::io::Result<()> {
    let text = text.to_string();
    writeln!(err, "warning: {}", safe_text::terminal_lines(&text))
}

/// A table with the project's look, for terminal output. Add rows with [`row`].
pub fn table(header: &[&str]) -> Table {
    let mut t = Table::new();
    t.load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(header.to_vec());
    t
}

/// Adds a row to a [`table`], each cell shown through [`safe_text::terminal`] (one line,
/// no control or bidirectional character raw).
pub fn row<S: AsRef<str>>(t: &mut Table, cells: impl IntoIterator<Item = S>) {
    t.add_row(
        cells
            .into_iter()
            .map(|c| safe_text::terminal(c.as_ref()).into_owned())
            .collect::<Vec<_>>(),
    );
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
        let _ = warning(err, w);
    }
    let Some(last) = appended.entries.last() else {
        return Ok(());
    };
    if let Err(e) = acknowledge(out, appended, format) {
        let _ = warning(
            err,
            format_args!(
                "the append is saved (head {} {}), but its acknowledgement could not be written: {e}",
                last.seq, last.hash
            ),
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
                let summary = crate::plan::activity::summarise(&e.event);
                line(
                    out,
                    format!("appended {}: {}", e.seq, safe_text::terminal(&summary)),
                )?;
            }
            line(out, format!("head {} {}", head.seq, head.hash))?;
        }
    }
    out.flush().map_err(CliError::Output)
}

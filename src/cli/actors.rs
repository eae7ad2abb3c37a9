//! `readiness actors`: who has written to the ledger, when, and what kinds of entry.

use crate::plan::actors::Actors;
use crate::report::doc::{Block, Cell, Doc, Grid};
use crate::report::{render, ViewFormat};

use super::view::{emit, CsvArgs};
use super::{CliError, Context, Exit};

/// Show who wrote to the ledger: each actor's first and last entry, and counts by type.
///
/// For each actor: their first and last entry (seq and when it was recorded), how many
/// entries they wrote, and how many of each event type. Actors are listed in the order they first wrote. The table has a column for each
/// event type that occurs; JSON gives each actor's counts as an object of type -> count.
/// With --known-at, only the entries the ledger had recorded by then are counted.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness actors
  readiness actors --ledger events/york-wsoa.jsonl --known-at 2026-11-24 --format csv")]
pub struct Args {
    /// Count only what the ledger knew at this moment (a date, whole day included, or an
    /// RFC 3339 time).
    #[arg(long = "known-at", value_name = "DATETIME")]
    pub known_at: Option<String>,
    /// table (for people), markdown, csv or json.
    #[arg(long, value_enum, default_value_t)]
    pub format: ViewFormat,
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// The actors view as a document: one row per actor, a column per event type that occurs.
pub fn actors_doc(view: &Actors) -> Doc {
    let mut doc = Doc::default();
    doc.heading("Actors");
    match view.head {
        Some(h) => doc.note(format!("Ledger head: {} {}", h.seq, h.hash)),
        None => doc.note("Ledger head: empty"),
    }
    if let Some(t) = &view.known_at {
        doc.note(format!("As known at {t}"));
    }
    let types = view.event_types();
    let mut header = vec![
        "actor",
        "entries",
        "first seq",
        "first recorded at",
        "last seq",
        "last recorded at",
    ];
    header.extend(&types);
    let mut g = Grid::new(&header);
    for a in &view.actors {
        let mut row = vec![
            Cell::text(&a.actor),
            Cell::text(a.entries.to_string()),
            Cell::text(a.first.seq.to_string()),
            Cell::text(&a.first.recorded_at),
            Cell::text(a.last.seq.to_string()),
            Cell::text(&a.last.recorded_at),
        ];
        row.extend(
            types
                .iter()
                .map(|t| Cell::text(a.by_type.get(t).copied().unwrap_or_default().to_string())),
        );
        g.rows.push(row);
    }
    if view.actors.is_empty() {
        doc.note("No entries recorded");
    }
    doc.grid(g);
    doc
}

/// Prints the actors view.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let known_at = args
        .known_at
        .as_deref()
        .map(|s| crate::bounds::time_bound("--known-at", s, true))
        .transpose()?;
    let ledger = ctx.open_for_read()?;
    let view = crate::query::actors(&ledger, known_at)?;
    let text = match args.format {
        // Say "no entries" without an empty table; CSV keeps its header row.
        ViewFormat::Table | ViewFormat::Markdown if view.actors.is_empty() => {
            let without_grid = |v: &Actors| {
                let mut doc = actors_doc(v);
                doc.blocks.retain(|b| !matches!(b, Block::Grid(_)));
                doc
            };
            render(&view, without_grid, args.format, args.csv.options())
        }
        format => render(&view, actors_doc, format, args.csv.options()),
    };
    emit(ctx, &text)?;
    Ok(Exit::Success)
}

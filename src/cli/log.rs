//! `readiness log`: who did what, when.

use clap::builder::PossibleValuesParser;

use crate::event::Event;
use crate::plan::activity::{ActivityFilter, ActivityRow};
use crate::report::doc::{Cell, Doc, Grid};
use crate::report::{render, ViewFormat};

use super::view::{emit, CsvArgs};
use super::{CliError, Context, Exit};

/// Show the entries: who did what, when, oldest first.
///
/// Dates filter on when the ledger recorded the entry (not the review a status is for).
/// --since and --until take a date (2021-01-15, 15/01/2021 or 15 January 2021, whole day
/// included) or an RFC 3339 time.
/// Filters combine: an entry is shown when it passes all of them. The "marks" column says
/// when an entry was imported from a source file, or recorded late for its review.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness log --action 1.3B --event status_recorded --event correction
  readiness log --by plan.officer@york.example --since 2022-01-01 --format csv")]
pub struct Args {
    /// Only entries that touch this action (its id in any case).
    #[arg(long)]
    pub action: Option<String>,
    /// Only entries about this area: its area_added entry and every entry touching one of
    /// its actions.
    #[arg(long)]
    pub area: Option<String>,
    /// Only entries of this event type. Repeat the flag (or separate with commas) for
    /// several.
    #[arg(
        long = "event",
        value_name = "TYPE",
        value_delimiter = ',',
        value_parser = PossibleValuesParser::new(Event::TYPES.iter().copied())
    )]
    pub events: Vec<String>,
    /// Only entries by this actor. (`--by` names who writes; here it filters.)
    #[arg(long = "by")]
    pub by: Option<String>,
    /// Only entries recorded on or after this date or time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only entries recorded on or before this date or time.
    #[arg(long)]
    pub until: Option<String>,
    /// table (for people), markdown, csv, or json (an array of rows).
    #[arg(long, value_enum, default_value_t)]
    pub format: ViewFormat,
    #[command(flatten)]
    pub csv: CsvArgs,
}

/// The log as a document: one row per entry, the same rows JSON writes.
pub fn log_doc(rows: &[ActivityRow]) -> Doc {
    let mut g = Grid::new(&["seq", "recorded at", "actor", "event", "what", "marks"]);
    for r in rows {
        g.rows.push(vec![
            Cell::text(r.seq.to_string()),
            Cell::text(&r.recorded_at),
            Cell::text(&r.actor),
            Cell::text(r.event_type),
            Cell::text(&r.summary),
            Cell::text(r.marks.join(", ")),
        ]);
    }
    let mut doc = Doc::default();
    doc.grid(g);
    doc
}

/// Prints the filtered activity log.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let filter = ActivityFilter {
        action: None,
        actor: args.by,
        since: args
            .since
            .as_deref()
            .map(|s| crate::bounds::time_bound("--since", s, false))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| crate::bounds::time_bound("--until", s, true))
            .transpose()?,
        event_types: args.events,
        area: args.area,
    };
    let ledger = ctx.open_for_read()?;
    let query = crate::query::LogQuery {
        filter,
        action: args.action,
    };
    let rows = crate::query::log_rows(&ledger, &query).map_err(|e| match e {
        crate::query::LogError::Replay(r) => CliError::Replay(r),
        crate::query::LogError::Area { .. } => CliError::Usage(format!("--{e}")),
        other => CliError::Usage(format!("--{other}")),
    })?;
    let text = match args.format {
        ViewFormat::Table | ViewFormat::Markdown if rows.is_empty() => {
            "no entries match\n".to_string()
        }
        format => render(
            &rows,
            |r: &Vec<ActivityRow>| log_doc(r),
            format,
            args.csv.options(),
        ),
    };
    emit(ctx, &text)?;
    Ok(Exit::Success)
}

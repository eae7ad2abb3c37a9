//! `readiness log`: who did what, when.

use std::ops::ControlFlow;

use chrono::{DateTime, NaiveDate, Utc};

use crate::entry::format_timestamp;
use crate::plan::activity::{ActivityFilter, ActivityRow};
use crate::verify::replay_with;

use super::output::{line, table, write_json, Format};
use super::{CliError, Context, Exit};

/// Show the entries: who did what, when, oldest first.
///
/// Dates filter on when the ledger recorded the entry (not the review a status is for).
/// --since and --until take a date (YYYY-MM-DD, whole day included) or an RFC 3339 time.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// Only entries that touch this action.
    #[arg(long)]
    pub action: Option<String>,
    /// Only entries by this actor. (`--by` names who writes; here it filters.)
    #[arg(long = "by")]
    pub by: Option<String>,
    /// Only entries recorded on or after this date or time.
    #[arg(long)]
    pub since: Option<String>,
    /// Only entries recorded on or before this date or time.
    #[arg(long)]
    pub until: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Parses a `--since`/`--until` bound into entry timestamp form.
pub fn parse_bound(flag: &str, s: &str, end_of_day: bool) -> Result<String, CliError> {
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        let t = if end_of_day {
            d.and_hms_micro_opt(23, 59, 59, 999_999)
        } else {
            d.and_hms_opt(0, 0, 0)
        };
        if let Some(t) = t {
            return Ok(format_timestamp(t.and_utc()));
        }
    }
    DateTime::parse_from_rfc3339(s)
        .map(|t| format_timestamp(t.with_timezone(&Utc)))
        .map_err(|_| {
            CliError::Usage(format!(
                "{flag} {s:?}: give a date (2021-01-15) or an RFC 3339 time (2021-01-15T09:30:00Z)"
            ))
        })
}

/// Prints the filtered activity log.
pub fn run(args: Args, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let filter = ActivityFilter {
        action: args.action,
        actor: args.by,
        since: args
            .since
            .as_deref()
            .map(|s| parse_bound("--since", s, false))
            .transpose()?,
        until: args
            .until
            .as_deref()
            .map(|s| parse_bound("--until", s, true))
            .transpose()?,
    };
    let ledger = ctx.open_for_read()?;
    let mut rows = Vec::new();
    replay_with(&ledger, None, |entry, plan| {
        if filter.matches(entry) {
            rows.push(ActivityRow::with_plan(entry, plan));
        }
        ControlFlow::Continue(())
    })?;
    match args.format {
        Format::Json => write_json(ctx.out, &rows)?,
        Format::Table => {
            let mut t = table(&["seq", "recorded at", "actor", "event", "what"]);
            for r in &rows {
                t.add_row(vec![
                    r.seq.to_string(),
                    r.recorded_at.clone(),
                    r.actor.clone(),
                    r.event_type.to_string(),
                    r.summary.clone(),
                ]);
            }
            if rows.is_empty() {
                line(ctx.out, "no entries match")?;
            } else {
                line(ctx.out, t)?;
            }
        }
    }
    Ok(Exit::Success)
}

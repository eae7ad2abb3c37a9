//! `readiness review ...`: the plan's review points.

use chrono::NaiveDate;

use crate::event::{Event, ReviewScheduled};

use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Manage review points ("RAG November 20").
#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    Add(AddArgs),
}

/// Schedule a review point: a label and the date the statuses are for.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// The review's label, e.g. "RAG November 20".
    pub label: String,
    /// The review date, YYYY-MM-DD.
    #[arg(long, value_parser = parse_date)]
    pub date: NaiveDate,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Parses a calendar date given on the command line.
pub fn parse_date(s: &str) -> Result<NaiveDate, String> {
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map_err(|_| format!("{s:?} is not a date of the form YYYY-MM-DD (e.g. 2020-11-30)"))
}

/// Runs a review subcommand.
pub fn run(cmd: ReviewCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    match cmd {
        ReviewCommand::Add(args) => {
            let actor = args.who.require()?;
            let mut ledger = ctx.open_for_write()?;
            let event = Event::ReviewScheduled(ReviewScheduled {
                label: args.label,
                date: args.date.format("%Y-%m-%d").to_string(),
            });
            let appended = ledger.append(&actor, ctx.clock, vec![event])?;
            report_appended(ctx.out, ctx.err, &appended, args.format)?;
            Ok(Exit::Success)
        }
    }
}

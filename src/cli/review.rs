//! `readiness review ...`: the plan's review points.

use chrono::NaiveDate;

use crate::plan::decide::Command;
use crate::store::execute::ExecuteCommands;

use super::names::parse_date;
use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Manage review points ("RAG November 20").
#[derive(Debug, clap::Subcommand)]
pub enum ReviewCommand {
    Add(AddArgs),
    #[command(alias = "rename")]
    Reschedule(RescheduleArgs),
}

/// Move a review to another date, rename it, or both, saying why.
///
/// Statuses already recorded for the review follow it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness review reschedule \"RAG November 22\" --date 2022-12-07 --reason \"board moved\"
  readiness review rename \"RAG November 22\" --label \"RAG December 22\" --reason \"board moved\"")]
pub struct RescheduleArgs {
    /// The review: its current label in any case, or a month or day one review falls in.
    pub label: String,
    /// The new date: 2021-08-15, 15/08/2021 or 15 August 2021.
    #[arg(long, value_parser = parse_date)]
    pub date: Option<NaiveDate>,
    /// The new label.
    #[arg(long = "label", value_name = "NEW_LABEL")]
    pub new_label: Option<String>,
    /// Why it changed (required).
    #[arg(long)]
    pub reason: String,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Schedule a review point: a label and the date the statuses are for.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness review add \"RAG November 22\" --date 2022-11-30")]
pub struct AddArgs {
    /// The review's label, e.g. "RAG November 20".
    pub label: String,
    /// The review date: 2020-11-30, 30/11/2020 or 30 November 2020.
    #[arg(long, value_parser = parse_date)]
    pub date: NaiveDate,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs a review subcommand.
pub fn run(cmd: ReviewCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    match cmd {
        ReviewCommand::Add(args) => {
            let actor = args.who.require()?;
            let mut ledger = ctx.open_for_write(&args.who)?;
            let command = Command::AddReview {
                label: args.label,
                date: args.date.format("%Y-%m-%d").to_string(),
            };
            let appended = ledger.execute(&actor, ctx.clock, &command)?;
            report_appended(ctx.out, ctx.err, &appended, args.format)?;
            Ok(Exit::Success)
        }
        ReviewCommand::Reschedule(args) => {
            let actor = args.who.require()?;
            let mut ledger = ctx.open_for_write(&args.who)?;
            let command = super::names::resolve(
                &ledger.header()?,
                Command::RescheduleReview {
                    label: args.label,
                    new_label: args.new_label,
                    date: args.date.map(|d| d.format("%Y-%m-%d").to_string()),
                    reason: args.reason,
                },
            )?;
            let appended = ledger.execute(&actor, ctx.clock, &command)?;
            report_appended(ctx.out, ctx.err, &appended, args.format)?;
            Ok(Exit::Success)
        }
    }
}

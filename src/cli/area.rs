//! `readiness area ...`: areas for improvement.

use crate::plan::decide::Command;
use crate::store::execute::ExecuteCommands;

use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Manage the plan's areas for improvement.
#[derive(Debug, clap::Subcommand)]
pub enum AreaCommand {
    Add(AddArgs),
}

/// Add an area for improvement, as the inspection letter names it.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness area add 2 --title \"Joint Commissioning\" --finding \"Weak joint commissioning\"")]
pub struct AddArgs {
    /// The area's id, e.g. "1".
    pub id: String,
    /// The area's title, e.g. "Leadership and Governance".
    #[arg(long)]
    pub title: String,
    /// The inspection's finding for this area.
    #[arg(long)]
    pub finding: Option<String>,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs an area subcommand.
pub fn run(cmd: AreaCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    match cmd {
        AreaCommand::Add(args) => {
            let actor = args.who.require()?;
            let mut ledger = ctx.open_for_write(&args.who)?;
            let command = Command::AddArea {
                id: args.id,
                title: args.title,
                finding: args.finding,
            };
            let appended = ledger.execute(&actor, ctx.clock, &command)?;
            report_appended(ctx.out, ctx.err, &appended, args.format)?;
            Ok(Exit::Success)
        }
    }
}

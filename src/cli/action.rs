//! `readiness action ...`: add and amend numbered actions.

use std::collections::BTreeMap;

use crate::event::{ActionAdded, Event};
use crate::plan::decide::Command;
use crate::plan::effective::describe_from;
use crate::store::execute::ExecuteCommands;

use super::names::action_for_write;

use super::output::{report_appended, Format};
use super::{CliError, Context, Exit, Who};

/// Manage the plan's actions.
#[derive(Debug, clap::Subcommand)]
pub enum ActionCommand {
    Add(AddArgs),
    Amend(AmendArgs),
    Withdraw(WithdrawArgs),
}

/// Withdraw an action from the plan from a review on, saying why.
///
/// Views of earlier reviews show the action as it was; from that review on it shows as
/// withdrawn and takes no statuses. Without --from it holds from the first review after
/// today, or, when none is scheduled yet, from the first review dated after today.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness action withdraw 2.1 --reason \"merged into 1.2\" --from \"RAG December 22\"")]
pub struct WithdrawArgs {
    /// The action to withdraw.
    pub id: String,
    /// Why it is withdrawn (required).
    #[arg(long)]
    pub reason: String,
    /// The first review it is withdrawn at (a label in any case, or its month: "May 2021").
    #[arg(long, value_name = "REVIEW")]
    pub from: Option<String>,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// The descriptive fields of an action, shared by add and amend.
#[derive(Debug, Clone, Default, clap::Args)]
pub struct ActionFields {
    /// The outcome the action works towards.
    #[arg(long)]
    pub outcome: Option<String>,
    /// Start date, as the plan writes it (free text, e.g. "February 2020").
    #[arg(long)]
    pub start: Option<String>,
    /// End date, as the plan writes it (free text, e.g. "Phase 1: October 2020").
    #[arg(long)]
    pub end: Option<String>,
    /// Who leads the action, e.g. "CYC (J.S)".
    #[arg(long)]
    pub lead: Option<String>,
    /// Measures of success.
    #[arg(long)]
    pub measures: Option<String>,
    /// Evidence and impact.
    #[arg(long = "evidence-impact")]
    pub evidence_impact: Option<String>,
}

impl ActionFields {
    /// The fields given, with the action text if given, keyed by their event names.
    pub fn changes(self, action: Option<String>) -> BTreeMap<String, String> {
        [
            ("action", action),
            ("outcome", self.outcome),
            ("start", self.start),
            ("end", self.end),
            ("lead", self.lead),
            ("measures", self.measures),
            ("evidence_impact", self.evidence_impact),
        ]
        .into_iter()
        .filter_map(|(name, value)| value.map(|v| (name.to_string(), v)))
        .collect()
    }
}

/// Add a numbered action to an area.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness action add 2.1 --area 2 --action \"Agree a joint strategy\" --end \"March 2023\"")]
pub struct AddArgs {
    /// The action's id, e.g. "1.3A".
    pub id: String,
    /// The area it belongs to.
    #[arg(long)]
    pub area: String,
    /// What will be done.
    #[arg(long)]
    pub action: String,
    #[command(flatten)]
    pub fields: ActionFields,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Change some fields of an action from a review on, saying why. The old values stay in
/// the history, and views of earlier reviews keep showing them.
///
/// Give each field to change with its flag; an empty value ("") clears an optional field.
/// Without --from the change holds from the first review after today (or, when none is
/// scheduled yet, from the first review dated after today). A value that was wrong from the
/// start is not an amendment: correct it with `readiness correct`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Examples:
  readiness action amend 1.3B --end \"March 2023\" --reason \"new plan\" --from \"RAG December 22\"")]
pub struct AmendArgs {
    /// The action to amend.
    pub id: String,
    /// New action text.
    #[arg(long)]
    pub action: Option<String>,
    #[command(flatten)]
    pub fields: ActionFields,
    /// Why the action changed (required).
    #[arg(long)]
    pub reason: String,
    /// The first review the new values hold at (a label in any case, or its month).
    #[arg(long, value_name = "REVIEW")]
    pub from: Option<String>,
    #[command(flatten)]
    pub who: Who,
    #[arg(long, value_enum, default_value_t)]
    pub format: Format,
}

/// Runs an action subcommand.
pub fn run(cmd: ActionCommand, ctx: &mut Context<'_>) -> Result<Exit, CliError> {
    let today = ctx.clock.now().format("%Y-%m-%d").to_string();
    // Each subcommand is a command of the plan's decide step; amend and withdraw name an
    // existing action, resolved (any case) once the ledger is open.
    let (command, format, who) = match cmd {
        ActionCommand::Add(a) => {
            let f = a.fields;
            let command = Command::AddAction(ActionAdded {
                id: a.id,
                area: a.area,
                action: a.action,
                outcome: f.outcome,
                start: f.start,
                end: f.end,
                lead: f.lead,
                measures: f.measures,
                evidence_impact: f.evidence_impact,
            });
            (command, a.format, a.who)
        }
        ActionCommand::Amend(a) => {
            let changes = a.fields.changes(a.action);
            if changes.is_empty() {
                return Err(CliError::Usage(
                    "nothing to amend: give at least one of --action, --outcome, --start, --end, --lead, --measures, --evidence-impact".into(),
                ));
            }
            let command = Command::Amend {
                id: a.id,
                changes,
                reason: a.reason,
                from: a.from,
                today: today.clone(),
            };
            (command, a.format, a.who)
        }
        ActionCommand::Withdraw(w) => {
            let command = Command::Withdraw {
                id: w.id,
                reason: w.reason,
                from: w.from,
                today: today.clone(),
            };
            (command, w.format, w.who)
        }
    };
    let actor = who.require()?;
    let mut ledger = ctx.open_for_write(&who)?;
    let mut command = command;
    if let Some(id) = command.existing_action_mut() {
        *id = action_for_write(&mut ledger, id)?;
    }
    let appended = ledger.execute(&actor, ctx.clock, &command)?;
    report_appended(ctx.out, ctx.err, &appended, format)?;
    let from = appended.entries.iter().find_map(|e| match &e.event {
        Event::ActionAmended(e) => Some(&e.from),
        Event::ActionWithdrawn(e) => Some(&e.from),
        _ => None,
    });
    if let (Some(from), Format::Table) = (from, format) {
        let when = describe_from(from.as_deref(), &today);
        let earlier = match from {
            Some(_) => "views of earlier reviews are unchanged",
            None => "no review scheduled so far shows it; give --from REVIEW to name one",
        };
        writeln!(ctx.err, "note: it holds {when}; {earlier}").map_err(CliError::Output)?;
    }
    Ok(Exit::Success)
}

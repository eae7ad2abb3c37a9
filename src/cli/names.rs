//! Names typed on the command line, resolved the same way by every command: action ids
//! (any case), reviews (see [`crate::asof`]) and days (see [`crate::dates::read_day`]).

use crate::names::action_id;
use crate::plan::Plan;
use crate::store::DirLedger;

use super::CliError;

/// The stored id of the action `typed` names, for a command that writes: one key lookup
/// when typed exactly, else a scan of the ids (never of the actions).
pub fn action_for_write(ledger: &mut DirLedger, typed: &str) -> Result<String, CliError> {
    let exact = typed.trim();
    if ledger.has_action(exact)? {
        return Ok(exact.to_string());
    }
    let ids = ledger.action_ids()?;
    action_id(typed, ids.iter().map(String::as_str)).map_err(|e| CliError::Usage(e.to_string()))
}

/// The stored id of the action `typed` names in a replayed plan.
pub fn action_in(plan: &Plan, typed: &str) -> Result<String, CliError> {
    action_id(typed, plan.actions.iter().map(|a| a.fields.id.as_str()))
        .map_err(|e| CliError::Usage(e.to_string()))
}

/// The label of the review `typed` names, for a command that writes (`--review`).
pub fn review_for_write(plan: &Plan, typed: &str) -> Result<String, CliError> {
    crate::asof::review_label(typed, &plan.reviews).map_err(|e| CliError::Usage(e.to_string()))
}

/// `command` with the names it holds resolved against `plan` (the header will do for
/// reviews, keys and evidence), refused as usage errors.
pub fn resolve(
    plan: &Plan,
    command: crate::plan::decide::Command,
) -> Result<crate::plan::decide::Command, CliError> {
    plan.resolve_names(command)
        .map_err(|e| CliError::Usage(e.to_string()))
}

/// A calendar day given as a command-line value (`--date`), in any form
/// [`crate::dates::read_day`] reads.
pub fn parse_date(s: &str) -> Result<chrono::NaiveDate, String> {
    crate::dates::parse_day(s).map_err(|e| e.to_string())
}

//! Queries a front end asks of a ledger: the replays behind the board views (diff, gaps,
//! report) and an action's history. The command line and the server both call these and
//! only render what they return.

use std::ops::ControlFlow;

use crate::names::fold;
use crate::plan::activity::ActivityRow;
use crate::plan::diff::Touches;
use crate::plan::gaps::RecentEntries;
use crate::plan::Plan;
use crate::store::EntrySource;
use crate::verify::{replay_with, ReplayError};

/// A replayed plan with the entries the board views need.
pub struct BoardReplay {
    pub plan: Plan,
    pub touches: Touches,
    pub recent: RecentEntries,
}

/// Replays `ledger` (up to `known_at`), collecting status touches, late entries and
/// corrections.
pub fn replay_board(
    ledger: &dyn EntrySource,
    known_at: Option<&str>,
) -> Result<BoardReplay, ReplayError> {
    let mut touches = Touches::default();
    let mut recent = RecentEntries::default();
    let plan = replay_with(ledger, known_at, |entry, plan| {
        touches.observe(entry, plan);
        recent.observe(entry, plan);
        ControlFlow::Continue(())
    })?;
    Ok(BoardReplay {
        plan,
        touches,
        recent,
    })
}

/// The plan (up to `known_at`) and every entry about an action whose id is `typed` ignoring
/// case; the caller resolves `typed` against the plan and keeps that action's rows.
pub fn history_rows(
    ledger: &dyn EntrySource,
    typed: &str,
    known_at: Option<&str>,
) -> Result<(Plan, Vec<ActivityRow>), ReplayError> {
    let mut rows = Vec::new();
    let wanted = fold(typed);
    let plan = replay_with(ledger, known_at, |entry, plan| {
        if entry.event.action_id().is_some_and(|id| fold(id) == wanted) {
            rows.push(ActivityRow::with_plan(entry, plan));
        }
        ControlFlow::Continue(())
    })?;
    Ok((plan, rows))
}

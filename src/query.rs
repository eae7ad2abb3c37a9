//! Queries a front end asks of a ledger: the replays behind the board views (diff, gaps,
//! report) and an action's history. The command line and the server both call these and
//! only render what they return.

use std::ops::ControlFlow;

use crate::asof::ResolvedPoint;
use crate::names::fold;
use crate::plan::activity::ActivityRow;
use crate::plan::diff::Touches;
use crate::plan::gaps::RecentEntries;
use crate::plan::state::Label;
use crate::plan::view::MatrixStatuses;
use crate::plan::Plan;
use crate::store::codec::CodecError;
use crate::store::review_columns::{NumberedCells, ReviewColumns};
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

/// What `log` asks for: the activity filter, and an action id as typed (any case).
#[derive(Debug, Clone, Default)]
pub struct LogQuery {
    pub filter: crate::plan::activity::ActivityFilter,
    pub action: Option<String>,
}

/// Why a log query names something the plan lacks.
#[derive(Debug, thiserror::Error)]
pub enum LogError {
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error("action: {0}")]
    Action(#[from] crate::names::ActionIdError),
    #[error("area {area:?}: no such area; areas in this plan: {known}")]
    Area { area: String, known: String },
}

/// The entries `query` selects, oldest first (the rows `readiness log` prints).
pub fn log_rows(ledger: &dyn EntrySource, query: &LogQuery) -> Result<Vec<ActivityRow>, LogError> {
    // The stored id is known only once the plan is replayed: keep the entries whose id
    // matches ignoring case, then those of the action it resolves to.
    let wanted = query.action.as_deref().map(fold);
    let mut rows = Vec::new();
    let plan = replay_with(ledger, None, |entry, plan| {
        let action = entry.event.action_id();
        let named = wanted
            .as_ref()
            .is_none_or(|w| action.is_some_and(|id| fold(id) == *w));
        if named && query.filter.matches_in(entry, plan) {
            rows.push(ActivityRow::with_plan(entry, plan));
        }
        ControlFlow::Continue(())
    })?;
    if let Some(typed) = &query.action {
        let id = crate::names::action_id(typed, plan.actions.iter().map(|a| a.fields.id.as_str()))?;
        rows.retain(|r| r.action.as_deref() == Some(id.as_str()));
    }
    if let Some(area) = &query.filter.area {
        if plan.area(area).is_none() {
            let known: Vec<&str> = plan.areas.iter().map(|a| a.id.as_str()).collect();
            return Err(LogError::Area {
                area: area.clone(),
                known: if known.is_empty() {
                    "(none)".to_string()
                } else {
                    known.join(", ")
                },
            });
        }
    }
    Ok(rows)
}

/// Who wrote what, up to `known_at` (the view `readiness actors` prints).
pub fn actors(
    ledger: &dyn EntrySource,
    known_at: Option<String>,
) -> Result<crate::plan::actors::Actors, ReplayError> {
    let mut tally = crate::plan::actors::ActorTally::new();
    replay_with(ledger, known_at.as_deref(), |entry, _| {
        tally.add(entry);
        ControlFlow::Continue(())
    })?;
    Ok(tally.finish(known_at))
}

/// A verification report summarised for the board report.
pub fn verification(r: &crate::verify::VerifyReport) -> crate::report::board::Verification {
    crate::report::board::Verification {
        ok: r.ok(),
        entries: r.entries,
        source: r.source.clone(),
        head: r.head,
        problem: r
            .failure
            .as_ref()
            .map(|f| format!("line {}: {}", f.line, f.reason)),
    }
}

/// The checkpoint of the ledger's first `size` entries, for the report's appendix; none
/// when the tree cannot be had (the appendix then leaves it out).
pub fn checkpoint_at(
    ledger: &crate::store::ReadLedger,
    size: u64,
) -> Option<crate::report::board::ReportCheckpoint> {
    let (origin, root) = match ledger {
        crate::store::ReadLedger::Dir(d) => {
            (d.origin().ok()?, d.positions().checked_root_at(size).ok()?)
        }
        crate::store::ReadLedger::Export(f) => (
            f.origin().ok()?,
            f.positions().ok()?.checked_root_at(size).ok()?,
        ),
    };
    (size > 0 && !origin.is_empty()).then(|| crate::report::board::ReportCheckpoint {
        origin,
        size,
        root: crate::checkpoint::b64(&root),
    })
}

/// Puts into `plan` (loaded with its snapshot's statuses left in `columns`) the statuses
/// [`crate::plan::view::plan_at`] shows at `point`: reading one review's, not a million.
pub fn fill_for_plan_at(
    plan: &mut Plan,
    mut columns: ReviewColumns,
    point: Option<&ResolvedPoint>,
) -> Result<(), CodecError> {
    let labels: Vec<Label> = crate::plan::view::reviews_until(plan, point)
        .iter()
        .map(|r| Label::from(r.label.as_str()))
        .collect();
    let labels: Vec<&str> = labels.iter().map(|l| &**l).collect();
    columns.fill_until(&mut plan.actions, &labels)
}

/// The statuses [`crate::plan::view::matrix`] shows at `point`, of `plan` loaded with its
/// snapshot's statuses left in `columns` (if any): reading only the status names.
pub fn matrix_statuses(
    plan: &Plan,
    point: Option<&ResolvedPoint>,
    columns: Option<ReviewColumns>,
) -> Result<MatrixStatuses, CodecError> {
    MatrixStatuses::of_plan(plan, point, |statuses, reviews| match columns {
        Some(columns) => fill_matrix(columns, statuses, reviews),
        None => Ok(()),
    })
}

/// Sets in `statuses` the cells of `columns` for `reviews` (by column number).
pub fn fill_matrix(
    mut columns: ReviewColumns,
    statuses: &mut MatrixStatuses,
    reviews: &[&crate::plan::Review],
) -> Result<(), CodecError> {
    /// One column of `statuses`, filled by number.
    struct Column<'s> {
        statuses: &'s mut MatrixStatuses,
        review: usize,
    }
    impl NumberedCells for Column<'_> {
        fn number(&mut self, status: crate::plan::state::Shared) -> u32 {
            self.statuses.number(status)
        }
        fn cell(&mut self, action: usize, number: u32) {
            self.statuses.set_number(action, self.review, number)
        }
    }
    let mut memo = Vec::new();
    for (review, r) in reviews.iter().enumerate() {
        let mut column = Column { statuses, review };
        columns.each_cell_numbered(&r.label, &mut memo, &mut column)?;
    }
    Ok(())
}

/// [`crate::plan::view::matrix`] of `plan` (loaded with its snapshot's statuses left in
/// `columns`), reading only the status names.
pub fn matrix_of_columns(
    plan: &Plan,
    point: Option<&ResolvedPoint>,
    columns: ReviewColumns,
) -> Result<crate::plan::view::Matrix, CodecError> {
    Ok(matrix_statuses(plan, point, Some(columns))?.matrix(plan, point))
}

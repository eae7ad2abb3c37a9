//! Projections of a plan at a review: the plan view, the RAG matrix, one action's history.
//!
//! Each is a plain value built from the folded [`Plan`]; renderers turn the same value into
//! a terminal table, Markdown, CSV or JSON.

use std::borrow::Cow;

use serde::Serialize;

use crate::asof::ResolvedPoint;
use crate::entry::Head;
use crate::plan::activity::ActivityRow;
use crate::plan::state::{Label, Shared};
use crate::plan::statuses::Statuses;
use crate::plan::trust::SignOff;
use crate::plan::{Action, Plan, Review};
use crate::scale::Rag;

/// A review as projections name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ReviewRef {
    pub label: String,
    pub date: String,
}

/// An action's status as seen at a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatusAt {
    pub status: crate::plan::state::Shared,
    pub rag: Option<Rag>,
    /// The review it was recorded for: an earlier one when carried forward.
    pub review: String,
    /// True when nothing was recorded for the review asked about and this is the last
    /// earlier status.
    pub carried_forward: bool,
    pub seq: u64,
    pub recorded_at: crate::plan::state::Shared,
    pub actor: crate::plan::state::Shared,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Recorded well after the review's date (see [`crate::plan::state::LATE_AFTER_DAYS`]).
    pub late: bool,
    /// Brought in by an import rather than recorded live.
    pub imported: bool,
    /// Seq of the correction that set the value shown, if it was corrected.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub corrected_by: Option<u64>,
    /// Roles whose sign-off of this review is of the status shown, in ledger order; empty
    /// when the status is not signed (and then left out of JSON, so snapshots taken before
    /// sign-offs existed still check).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signed_by: Vec<String>,
    /// True when a sign-off of this review signed another status: the status was
    /// corrected or re-recorded after it was signed. Left out of JSON when false.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub signoff_superseded: bool,
}

/// When and why an action was withdrawn, as views show it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct WithdrawnAt {
    pub seq: u64,
    pub reason: String,
    /// The review it holds from ("from RAG May 21", or "from the first review after DATE").
    pub from: String,
}

impl WithdrawnAt {
    /// How views name `w`.
    pub fn of(w: &crate::plan::state::Withdrawal) -> WithdrawnAt {
        WithdrawnAt {
            seq: w.seq.0,
            reason: w.reason.clone(),
            from: crate::plan::effective::describe_from(w.from.as_deref(), &w.recorded_at),
        }
    }
}

/// One action in the plan view: its fields borrowed from the plan unless an amendment
/// that does not hold yet means they are made for the view.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionAt<'p> {
    pub id: Cow<'p, str>,
    pub action: Cow<'p, str>,
    pub lead: Option<Cow<'p, str>>,
    pub start: Option<Cow<'p, str>>,
    pub end: Option<Cow<'p, str>>,
    pub status: Option<StatusAt>,
    /// The withdrawal in effect at the view's review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<WithdrawnAt>,
    /// A withdrawal already recorded that holds only from a later review.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawal_pending: Option<WithdrawnAt>,
}

/// One area and its actions, in plan order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AreaAt<'p> {
    pub id: String,
    pub title: String,
    pub actions: Vec<ActionAt<'p>>,
}

/// The plan as it stood at a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PlanAt<'p> {
    pub title: String,
    pub origin: String,
    pub review: Option<ReviewRef>,
    /// The last entry this view covers.
    pub head: Option<Head>,
    pub areas: Vec<AreaAt<'p>>,
}

/// The plan's reviews up to and including `point`, in date order.
pub fn reviews_until<'p>(plan: &'p Plan, point: Option<&ResolvedPoint>) -> Vec<&'p Review> {
    let ordered = plan.reviews_by_date();
    match point {
        None => Vec::new(),
        Some(p) => match ordered.iter().position(|r| r.label == p.label) {
            Some(i) => ordered[..=i].to_vec(),
            None => Vec::new(),
        },
    }
}

/// The status of `action` at the last of `reviews`, carried forward from earlier ones.
pub fn status_at(plan: &Plan, action: &Action, reviews: &[&Review]) -> Option<StatusAt> {
    status_of(plan, &action.statuses, action.signoffs(), reviews)
}

/// [`status_at`] from an action's statuses and sign-offs.
pub fn status_of(
    plan: &Plan,
    statuses: &Statuses,
    signoffs: &[SignOff],
    reviews: &[&Review],
) -> Option<StatusAt> {
    let scale = plan.scale_ref();
    reviews.iter().rev().enumerate().find_map(|(i, review)| {
        statuses.get(review.label.as_str()).map(|s| StatusAt {
            status: s.status,
            rag: scale.rag(&s.status),
            review: review.label.clone(),
            carried_forward: i > 0,
            seq: s.seq.0,
            recorded_at: s.recorded_at,
            actor: s.actor,
            note: s.note.map(|n| n.to_string()),
            late: plan.is_late(s, review),
            imported: plan.imported_by(s.seq).is_some(),
            corrected_by: (s.source != s.seq).then_some(s.source.0),
            signed_by: signoffs_at(signoffs, review)
                .filter(|o| *o.status == *s.status)
                .map(|o| o.role.clone())
                .collect(),
            signoff_superseded: signoffs_at(signoffs, review).any(|o| *o.status != *s.status),
        })
    })
}

/// The sign-offs of `review` (under its label now or any former one) among `signoffs`.
fn signoffs_at<'a>(
    signoffs: &'a [SignOff],
    review: &'a Review,
) -> impl Iterator<Item = &'a SignOff> + 'a {
    signoffs
        .iter()
        .filter(move |o| o.review == review.label || review.former_labels.contains(&o.review))
}

/// The review `point` names, if the plan has it.
pub fn review_of<'p>(plan: &'p Plan, point: Option<&ResolvedPoint>) -> Option<&'p Review> {
    point.and_then(|p| plan.review(&p.label))
}

/// Builds the plan view at `point` (no point: a plan with no reviews yet).
///
/// Each action shows the fields and withdrawal in effect at that review.
pub fn plan_at<'p>(plan: &'p Plan, point: Option<&ResolvedPoint>) -> PlanAt<'p> {
    let actions = ActionsAt::new(plan, point);
    let mut view = plan_outline(plan, point);
    for area in &mut view.areas {
        area.actions = actions.of_area(&area.id).collect();
    }
    view
}

/// [`plan_at`] with every area's actions left out: a view too large to hold is written from
/// this and [`ActionsAt`], which makes each action's row as it is read.
pub fn plan_outline<'p>(plan: &'p Plan, point: Option<&ResolvedPoint>) -> PlanAt<'p> {
    PlanAt {
        title: plan.title.clone(),
        origin: plan.origin.clone(),
        review: point.map(|p| ReviewRef {
            label: p.label.clone(),
            date: p.date.clone(),
        }),
        head: plan.head.map(|(seq, hash)| Head { seq: seq.0, hash }),
        areas: (plan.areas.iter())
            .map(|area| AreaAt {
                id: area.id.clone(),
                title: area.title.clone(),
                actions: Vec::new(),
            })
            .collect(),
    }
}

/// The actions of the plan view at a point, made one at a time.
pub struct ActionsAt<'p> {
    plan: &'p Plan,
    reviews: Vec<&'p Review>,
    at: Option<&'p Review>,
}

impl<'p> ActionsAt<'p> {
    pub fn new(plan: &'p Plan, point: Option<&ResolvedPoint>) -> ActionsAt<'p> {
        ActionsAt {
            plan,
            reviews: reviews_until(plan, point),
            at: review_of(plan, point),
        }
    }

    /// How many actions the plan holds, in every area.
    pub fn count(&self) -> usize {
        self.plan.actions.len()
    }

    /// The actions of area `area`, in plan order, as they stood.
    pub fn of_area<'a>(&'a self, area: &'a str) -> impl Iterator<Item = ActionAt<'p>> + 'a {
        (self.plan.actions.iter())
            .filter(move |a| a.fields.area == area)
            .map(|a| self.action(a))
    }

    fn action(&self, a: &'p Action) -> ActionAt<'p> {
        action_at(self.plan, self.at, &self.reviews, a, &a.statuses)
    }
}

/// Action `a` of `plan` in the plan view at review `at` (`reviews`: those up to it), with
/// `statuses` (its own, or kept apart from it).
pub fn action_at<'p>(
    plan: &Plan,
    at: Option<&Review>,
    reviews: &[&Review],
    a: &'p Action,
    statuses: &Statuses,
) -> ActionAt<'p> {
    let own = |s: Option<String>| s.map(Cow::Owned);
    let borrow = |s: &'p Option<String>| s.as_deref().map(Cow::Borrowed);
    let (id, action, lead, start, end) = match a.fields_at(plan, at) {
        Cow::Borrowed(f) => (
            Cow::Borrowed(f.id.as_str()),
            Cow::Borrowed(f.action.as_str()),
            borrow(&f.lead),
            borrow(&f.start),
            borrow(&f.end),
        ),
        Cow::Owned(f) => (
            Cow::Owned(f.id),
            Cow::Owned(f.action),
            own(f.lead),
            own(f.start),
            own(f.end),
        ),
    };
    ActionAt {
        id,
        action,
        lead,
        start,
        end,
        status: status_of(plan, statuses, a.signoffs(), reviews),
        withdrawn: a.withdrawn_at(plan, at).map(WithdrawnAt::of),
        withdrawal_pending: a.withdrawal_pending_at(plan, at).map(WithdrawnAt::of),
    }
}

/// A status cell of the matrix: exactly what was recorded for that review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixCell {
    pub status: crate::plan::state::Shared,
    pub rag: Option<Rag>,
}

/// One action's row of the matrix.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct MatrixRow {
    pub action: String,
    pub area: String,
    /// Withdrawn at the matrix's last review.
    pub withdrawn: bool,
    /// One per review, in the order of [`Matrix::reviews`].
    pub cells: Vec<Option<MatrixCell>>,
}

/// The RAG table: actions by reviews, rebuilt from the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matrix {
    pub title: String,
    pub head: Option<Head>,
    pub reviews: Vec<ReviewRef>,
    pub rows: Vec<MatrixRow>,
}

/// The reviews a matrix at `point` shows, in date order (all reviews when `None`).
pub fn matrix_reviews<'p>(plan: &'p Plan, point: Option<&ResolvedPoint>) -> Vec<&'p Review> {
    match point {
        Some(_) => reviews_until(plan, point),
        None => plan.reviews_by_date(),
    }
}

/// Builds the matrix over every review up to `point` (all reviews when `None`).
pub fn matrix(plan: &Plan, point: Option<&ResolvedPoint>) -> Matrix {
    matrix_of_cells(plan, point, |_, a, _, label| {
        label
            .and_then(|l| a.statuses.get_interned(l))
            .map(|s| s.status)
    })
}

/// [`matrix`], each cell's status given by `cell` (action number, action, column number
/// in [`matrix_reviews`], review): a view that reads only status names from derived data
/// builds the same table.
pub fn matrix_of_cells(
    plan: &Plan,
    point: Option<&ResolvedPoint>,
    mut cell: impl FnMut(usize, &Action, usize, Option<Label>) -> Option<crate::plan::state::Shared>,
) -> Matrix {
    let reviews = matrix_reviews(plan, point);
    // Looked up once per review, not once per cell; a label never interned has no status.
    let labels: Vec<Option<Label>> = reviews.iter().map(|r| Label::existing(&r.label)).collect();
    let scale = plan.scale();
    let mut m = matrix_outline(plan, point);
    for ((i, a), row) in plan.actions.iter().enumerate().zip(&mut m.rows) {
        row.cells = labels
            .iter()
            .enumerate()
            .map(|(j, &label)| {
                cell(i, a, j, label).map(|status| MatrixCell {
                    rag: scale.rag(&status),
                    status,
                })
            })
            .collect();
    }
    m
}

/// The matrix with every row's cells left empty: its title, head, reviews and actions,
/// for a view that writes the cells from [`MatrixStatuses`] instead.
pub fn matrix_outline(plan: &Plan, point: Option<&ResolvedPoint>) -> Matrix {
    matrix_outline_of(plan, point, |last| {
        (plan.actions.iter())
            .map(|a| matrix_row(plan, last, a))
            .collect()
    })
}

/// The row of action `a` in [`matrix_outline`], whose last review is `last`.
pub fn matrix_row(plan: &Plan, last: Option<&Review>, a: &Action) -> MatrixRow {
    MatrixRow {
        action: a.fields.id.clone(),
        area: a.fields.area.clone(),
        withdrawn: a.withdrawn_at(plan, last).is_some(),
        cells: Vec::new(),
    }
}

/// [`matrix_outline`] with the rows `rows` makes, given the matrix's last review: for
/// actions kept apart from the plan.
pub fn matrix_outline_of(
    plan: &Plan,
    point: Option<&ResolvedPoint>,
    rows: impl FnOnce(Option<&Review>) -> Vec<MatrixRow>,
) -> Matrix {
    let reviews = matrix_reviews(plan, point);
    let rows = rows(reviews.last().copied());
    Matrix {
        title: plan.title.clone(),
        head: plan.head.map(|(seq, hash)| Head { seq: seq.0, hash }),
        reviews: reviews
            .iter()
            .map(|r| ReviewRef {
                label: r.label.clone(),
                date: r.date.clone(),
            })
            .collect(),
        rows,
    }
}

/// Slots of [`MatrixStatuses`]'s cache of numbers.
const RECENT: usize = 16;

/// A matrix's statuses as numbers into its distinct status names, four bytes a cell: a
/// view that writes only the names needs no [`MatrixCell`] per cell (a million of them).
#[derive(Debug, Clone, Default)]
pub struct MatrixStatuses {
    /// The distinct names, in the order first set.
    names: Vec<Shared>,
    /// The last (interned id, number) looked up, by the id's residue.
    recent: [(u32, u32); RECENT],
    /// Where each name past the first few is in `names`, by its interned id.
    numbers: foldhash::HashMap<u32, u32>,
    /// By review, then action (a snapshot's columns fill it in order, and the rows read
    /// a few cache lines at a time): 0 for no status, `k` for `names[k - 1]`.
    cells: Vec<u32>,
    actions: usize,
    reviews: usize,
}

impl MatrixStatuses {
    /// The statuses [`matrix`] shows at `point`: first those `fill` sets (the columns of a
    /// snapshot, by column number in [`matrix_reviews`]), then the plan's own, which are
    /// newer and take their place.
    pub fn of_plan<E>(
        plan: &Plan,
        point: Option<&ResolvedPoint>,
        fill: impl FnOnce(&mut Self, &[&Review]) -> Result<(), E>,
    ) -> Result<Self, E> {
        let statuses = plan.actions.iter().map(|a| &a.statuses);
        MatrixStatuses::of_statuses(plan, point, statuses, fill)
    }

    /// [`MatrixStatuses::of_plan`] for actions kept apart from `plan`, with `statuses`.
    pub fn of_statuses<'s, E>(
        plan: &Plan,
        point: Option<&ResolvedPoint>,
        statuses: impl ExactSizeIterator<Item = &'s Statuses>,
        fill: impl FnOnce(&mut Self, &[&Review]) -> Result<(), E>,
    ) -> Result<Self, E> {
        let reviews = matrix_reviews(plan, point);
        let mut s = MatrixStatuses::new(statuses.len(), reviews.len());
        fill(&mut s, &reviews)?;
        let labels: Vec<Option<Label>> =
            reviews.iter().map(|r| Label::existing(&r.label)).collect();
        for (i, statuses) in statuses.enumerate() {
            if statuses.is_empty() {
                continue;
            }
            for (j, label) in labels.iter().enumerate() {
                if let Some(recorded) = label.and_then(|l| statuses.get_interned(l)) {
                    s.set(i, j, recorded.status);
                }
            }
        }
        Ok(s)
    }

    /// A matrix of `actions` by `reviews` with no statuses.
    pub fn new(actions: usize, reviews: usize) -> Self {
        MatrixStatuses {
            cells: vec![0; actions.saturating_mul(reviews)],
            actions,
            reviews,
            ..MatrixStatuses::default()
        }
    }

    /// Sets the status of action `action` at column `review`; a cell outside the matrix is
    /// ignored.
    #[inline]
    pub fn set(&mut self, action: usize, review: usize, status: Shared) {
        if self.at(action, review).is_some() {
            let number = self.number(status);
            self.set_number(action, review, number);
        }
    }

    /// Sets the cell of action `action` at column `review` to `number`, from
    /// [`MatrixStatuses::number`]: for a reader that numbers each distinct name once rather
    /// than each cell. A cell outside the matrix is ignored.
    #[inline]
    pub fn set_number(&mut self, action: usize, review: usize, number: u32) {
        if let Some(cell) = self
            .at(action, review)
            .and_then(|at| self.cells.get_mut(at))
        {
            *cell = number;
        }
    }

    /// The number of `status`, numbering it if new. A scale has a handful of names, so a
    /// look along them finds it (a table by id, zeroed, cost more to make than it saved);
    /// past the first sixteen a map takes over.
    pub fn number(&mut self, status: Shared) -> u32 {
        // The last number found for ids of each residue: a cell is nearly always one load.
        // Ids are never 0, so the empty slots match nothing.
        let slot = status.id() as usize % RECENT;
        let (id, k) = self.recent[slot];
        if id == status.id() {
            return k;
        }
        let k = self.look_up(status);
        self.recent[slot] = (status.id(), k);
        k
    }

    /// [`MatrixStatuses::number`] past its cache.
    fn look_up(&mut self, status: Shared) -> u32 {
        const FEW_NAMES: usize = 16;
        let few = &self.names[..self.names.len().min(FEW_NAMES)];
        if let Some(k) = few.iter().position(|&n| n == status) {
            return k as u32 + 1;
        }
        if self.names.len() < FEW_NAMES {
            self.names.push(status);
            return self.names.len() as u32;
        }
        let names = &mut self.names;
        *self.numbers.entry(status.id()).or_insert_with(|| {
            names.push(status);
            names.len() as u32
        })
    }

    /// The status of action `action` at column `review`.
    pub fn get(&self, action: usize, review: usize) -> Option<Shared> {
        self.name(*self.cells.get(self.at(action, review)?)?)
    }

    /// Where the cell of `action` at `review` is in `cells`, if in the matrix.
    fn at(&self, action: usize, review: usize) -> Option<usize> {
        (action < self.actions && review < self.reviews).then(|| review * self.actions + action)
    }

    /// Hands `visit` each action's number and its statuses as numbers, one per review (0
    /// for none, else a name's number, [`MatrixStatuses::name`]), stopping at the first
    /// error. The cells are kept by review; they are turned into rows a block of actions at
    /// a time, so that each review's cells are read in runs rather than one cache line a
    /// cell.
    pub fn each_row<E>(
        &self,
        mut visit: impl FnMut(usize, &[u32]) -> Result<(), E>,
    ) -> Result<(), E> {
        const BLOCK: usize = 64;
        let (actions, reviews) = (self.actions, self.reviews);
        let mut block = vec![0u32; BLOCK * reviews];
        for first in (0..actions).step_by(BLOCK) {
            let rows = BLOCK.min(actions - first);
            for j in 0..reviews {
                let start = j * actions + first;
                let column = self.cells.get(start..start + rows).unwrap_or_default();
                // Every `reviews`-th cell from `j`: one row each, without a bounds check.
                let cells = block[j..].iter_mut().step_by(reviews);
                cells.zip(column).for_each(|(cell, &n)| *cell = n);
            }
            for k in 0..rows {
                visit(first + k, &block[k * reviews..(k + 1) * reviews])?;
            }
        }
        Ok(())
    }

    /// Actions (rows) of the matrix.
    pub fn actions(&self) -> usize {
        self.actions
    }

    /// For each review, how many of the first `rows` actions hold each number there
    /// (`counts[review][number]`, 0 for none).
    pub fn counts_by_review(&self, rows: usize) -> Vec<Vec<usize>> {
        let rows = rows.min(self.actions);
        let mut all = Vec::with_capacity(self.reviews);
        for j in 0..self.reviews {
            let mut counts = vec![0usize; self.names.len() + 1];
            let start = j * self.actions;
            for &n in self.cells.get(start..start + rows).unwrap_or_default() {
                match counts.get_mut(n as usize) {
                    Some(k) => *k += 1,
                    None => {
                        counts.resize(n as usize + 1, 0);
                        counts[n as usize] = 1;
                    }
                }
            }
            all.push(counts);
        }
        all
    }

    /// The distinct status names: name `k` is numbered `k + 1` in [`MatrixStatuses::row`].
    pub fn names(&self) -> &[Shared] {
        &self.names
    }

    /// The status name numbered `number` in [`MatrixStatuses::row`]; none for 0.
    pub fn name(&self, number: u32) -> Option<Shared> {
        let k = (number as usize).checked_sub(1)?;
        self.names.get(k).copied()
    }

    /// The whole matrix, each cell from these statuses.
    pub fn matrix(&self, plan: &Plan, point: Option<&ResolvedPoint>) -> Matrix {
        matrix_of_cells(plan, point, |i, _, j, _| self.get(i, j))
    }
}

/// One action's story: every entry that touched it and its status at each review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct History {
    pub action: String,
    pub text: String,
    pub entries: Vec<ActivityRow>,
    /// Status at every review up to the point, carried forward where none was recorded.
    pub reviews: Vec<(ReviewRef, Option<StatusAt>)>,
}

/// Builds an action's history from its entries (oldest first) and the folded plan.
pub fn history(
    plan: &Plan,
    action: &Action,
    entries: Vec<ActivityRow>,
    point: Option<&ResolvedPoint>,
) -> History {
    let all = match point {
        Some(_) => reviews_until(plan, point),
        None => plan.reviews_by_date(),
    };
    let reviews = (0..all.len())
        .map(|i| {
            let r = all[i];
            (
                ReviewRef {
                    label: r.label.clone(),
                    date: r.date.clone(),
                },
                status_at(plan, action, &all[..=i]),
            )
        })
        .collect();
    History {
        action: action.fields.id.clone(),
        text: action.fields.action.clone(),
        entries,
        reviews,
    }
}

#[cfg(test)]
mod tests {
    use super::MatrixStatuses;
    use crate::sym::Sym;

    /// Every row `each_row` hands over, as (action, numbers).
    fn rows(s: &MatrixStatuses) -> Vec<(usize, Vec<u32>)> {
        let mut out = Vec::new();
        s.each_row(|i, numbers| {
            out.push((i, numbers.to_vec()));
            Ok::<_, ()>(())
        })
        .unwrap();
        out
    }

    #[test]
    fn rows_read_in_blocks_are_the_cells_set_by_review() {
        let (actions, reviews) = (150, 3);
        let mut s = MatrixStatuses::new(actions, reviews);
        let names = [Sym::new("Embedded"), Sym::new("Completed")];
        for i in 0..actions {
            for j in 0..reviews {
                if (i + j) % 3 != 0 {
                    s.set(i, j, names[(i * j) % 2]);
                }
            }
        }
        let got = rows(&s);
        assert_eq!(got.len(), actions);
        for (i, numbers) in got.iter().enumerate() {
            assert_eq!(numbers.0, i);
            for (j, &n) in numbers.1.iter().enumerate() {
                assert_eq!(s.name(n), s.get(i, j), "action {i}, review {j}");
                assert_eq!(n == 0, (i + j) % 3 == 0);
            }
        }
        // A plan with no reviews yet still has a row per action.
        assert_eq!(rows(&MatrixStatuses::new(70, 0)).len(), 70);
        assert!(rows(&MatrixStatuses::new(0, 4)).is_empty());
    }

    #[test]
    fn names_past_the_first_few_keep_their_numbers() {
        // More names than the look along them covers: the rest are found by the map.
        let names: Vec<Sym> = (0..40).map(|k| Sym::new(&format!("status {k}"))).collect();
        let mut s = MatrixStatuses::new(names.len(), 2);
        for (i, &name) in names.iter().enumerate() {
            s.set(i, 0, name);
            s.set(names.len() - 1 - i, 1, name);
        }
        assert_eq!(s.names().len(), names.len(), "each name numbered once");
        for (i, &name) in names.iter().enumerate() {
            assert_eq!(s.get(i, 0), Some(name));
            assert_eq!(s.get(names.len() - 1 - i, 1), Some(name));
        }
    }
}

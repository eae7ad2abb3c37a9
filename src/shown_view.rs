//! The `plan` table (and `matrix`, below) straight from a snapshot: the statuses of the review shown (and those
//! it carries forward) filled beside the actions as [`ShownActions`] keeps them, and each
//! row made from fields borrowed where they were read. The table is the same, byte for
//! byte, as from the plan folded whole ([`crate::plan::view::ActionsAt`]).

use std::borrow::Cow;

use crate::asof::ResolvedPoint;
use crate::plan::state::Label;
use crate::plan::view::{
    action_at, matrix_outline_of, matrix_row, review_of, reviews_until, status_of, ActionAt,
    AreaAt, Matrix, MatrixRow, MatrixStatuses, PlanAt,
};
use crate::plan::{Plan, Review};
use crate::query::fill_matrix;
use crate::report::plan_table::PlanActions;
use crate::store::codec::CodecError;
use crate::store::review_columns::ReviewColumns;
use crate::store::shown_actions::{Shown, ShownActions};

/// Puts into `shown` the statuses of its snapshot's `columns` that the view at `point`
/// shows, as [`crate::query::fill_for_plan_at`] does for a whole plan.
pub fn fill_shown(
    plan: &Plan,
    shown: &mut ShownActions,
    mut columns: ReviewColumns,
    point: Option<&ResolvedPoint>,
) -> Result<(), CodecError> {
    let labels: Vec<Label> = reviews_until(plan, point)
        .iter()
        .map(|r| Label::from(r.label.as_str()))
        .collect();
    let labels: Vec<&str> = labels.iter().map(|l| &**l).collect();
    columns.fill_until(shown.statuses_mut(), &labels)
}

/// The actions of the plan view at a point, each made as the table reads it.
pub struct ShownAt<'p> {
    plan: &'p Plan,
    shown: &'p ShownActions,
    reviews: Vec<&'p Review>,
    at: Option<&'p Review>,
}

impl<'p> ShownAt<'p> {
    pub fn new(
        plan: &'p Plan,
        shown: &'p ShownActions,
        point: Option<&ResolvedPoint>,
    ) -> ShownAt<'p> {
        ShownAt {
            plan,
            shown,
            reviews: reviews_until(plan, point),
            at: review_of(plan, point),
        }
    }

    /// Action `i` as the view shows it, if it is in area `area`.
    fn action(&self, i: usize, area: &str) -> Option<ActionAt<'p>> {
        let statuses = self.shown.statuses().get(i)?;
        match self.shown.get(i)? {
            Shown::Plain(f) if f.area == area => Some(ActionAt {
                id: Cow::Borrowed(f.id),
                // Left out of what a snapshot's shown actions keep: no table shows it.
                action: Cow::Borrowed(""),
                lead: f.lead.map(Cow::Borrowed),
                start: f.start.map(Cow::Borrowed),
                end: f.end.map(Cow::Borrowed),
                status: status_of(self.plan, statuses, &[], &self.reviews),
                withdrawn: None,
                withdrawal_pending: None,
            }),
            Shown::Full(a) if a.fields.area == area => {
                Some(action_at(self.plan, self.at, &self.reviews, a, statuses))
            }
            _ => None,
        }
    }
}

impl PlanActions for ShownAt<'_> {
    fn each<E>(
        &self,
        area: &AreaAt<'_>,
        mut visit: impl FnMut(&ActionAt<'_>) -> Result<(), E>,
    ) -> Result<(), E> {
        (0..self.shown.len())
            .filter_map(|i| self.action(i, &area.id))
            .try_for_each(|a| visit(&a))
    }

    fn count(&self, _: &PlanAt<'_>) -> usize {
        self.shown.len()
    }
}

/// The matrix at `point` with every row's cells left empty, as
/// [`crate::plan::view::matrix_outline`] makes it, from actions kept apart.
pub fn matrix_outline_shown(
    plan: &Plan,
    shown: &ShownActions,
    point: Option<&ResolvedPoint>,
) -> Matrix {
    matrix_outline_of(plan, point, |last| {
        // A row for each action, room taken at once: grown by doubling, the rows of a large
        // plan would be copied and their pages touched several times.
        let mut rows = Vec::with_capacity(shown.len());
        rows.extend(
            (0..shown.len())
                .filter_map(|i| shown.get(i))
                .map(|a| match a {
                    Shown::Plain(f) => MatrixRow {
                        action: f.id.to_owned(),
                        area: f.area.to_owned(),
                        withdrawn: false,
                        cells: Vec::new(),
                    },
                    Shown::Full(a) => matrix_row(plan, last, a),
                }),
        );
        rows
    })
}

/// The statuses the matrix at `point` shows: the snapshot's `columns`, then those recorded
/// after it (kept in `shown`), as [`crate::query::matrix_statuses`] reads them for a plan.
pub fn matrix_statuses_shown(
    plan: &Plan,
    shown: &ShownActions,
    point: Option<&ResolvedPoint>,
    columns: ReviewColumns,
) -> Result<MatrixStatuses, CodecError> {
    let statuses = shown.statuses().iter();
    MatrixStatuses::of_statuses(plan, point, statuses, |cells, reviews| {
        fill_matrix(columns, cells, reviews)
    })
}

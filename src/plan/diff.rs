//! What moved between two reviews: each action's status at both points, a verdict read
//! from the scale's order, and the entries that made the change.
//!
//! Pure: the entries are gathered by a [`Touches`] collector fed during a replay, and
//! [`diff`] projects the folded plan with them.

use serde::Serialize;

use crate::asof::ResolvedPoint;
use crate::entry::{Entry, Head, Seq};
use crate::event::Event;
use crate::plan::view::{status_at, ReviewRef, StatusAt, WithdrawnAt};
use crate::plan::{Plan, Review};
use crate::scale::StatusScale;

/// Why a diff (or a gap list, or a board report) cannot be built for the points given.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BoardError {
    #[error("review {0:?} is not in the plan")]
    UnknownReview(String),
    #[error(
        "the earlier point {from:?} ({from_date}) comes after the later one {to:?} ({to_date}); \
         swap them"
    )]
    Reversed {
        from: String,
        from_date: String,
        to: String,
        to_date: String,
    },
}

/// The rank from which a status counts as completed: the first status named "Completed"
/// (ignoring case), or else the second-highest status of the scale (the highest when the
/// scale has one status). `None` only for an empty scale.
pub fn completed_rank(scale: &StatusScale) -> Option<usize> {
    let n = scale.0.len();
    scale
        .0
        .iter()
        .position(|s| s.name.trim().eq_ignore_ascii_case("completed"))
        .or_else(|| n.checked_sub(2).or_else(|| n.checked_sub(1)))
}

/// How an action moved from one review to the other, by the scale's order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    /// Now at a worse status than at the earlier point.
    Worsened,
    /// Taken out of the plan (as the ledger knows it); its statuses are still shown.
    Withdrawn,
    /// The status changed but is not on the scale, so better or worse cannot be said.
    Changed,
    /// No status at the earlier point, one at the later.
    New,
    /// No status at either point.
    NoStatus,
    /// Now at a better status.
    Improved,
    /// The same rank at both points (carried-forward statuses included).
    Held,
}

impl Verdict {
    /// The word used in reports and JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Worsened => "worsened",
            Verdict::Withdrawn => "withdrawn",
            Verdict::Changed => "changed",
            Verdict::New => "new",
            Verdict::NoStatus => "no status",
            Verdict::Improved => "improved",
            Verdict::Held => "held",
        }
    }
}

/// An entry that set or corrected an action's status for a review inside the window.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DiffEntry {
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub actor: String,
    pub recorded_at: String,
    /// The review the status is for (its current label).
    pub review: String,
    /// The status it recorded, or the corrected status.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
}

/// One action between the two points.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ActionDiff {
    pub area: String,
    pub id: String,
    pub action: String,
    /// Status at the earlier point (carried forward if none was recorded for it).
    pub from: Option<StatusAt>,
    /// Status at the later point (carried forward likewise).
    pub to: Option<StatusAt>,
    /// Positions of those statuses in the scale (0 = worst).
    pub from_rank: Option<usize>,
    pub to_rank: Option<usize>,
    pub verdict: Verdict,
    /// True when the action reached the completed rank (see [`completed_rank`]) from
    /// below it or from no status.
    pub completed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub withdrawn: Option<WithdrawnAt>,
    /// Status and correction entries for the reviews after the earlier point up to the
    /// later one, in ledger order.
    pub entries: Vec<DiffEntry>,
}

/// "What moved since the last board": every action between two reviews.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Diff {
    pub title: String,
    pub head: Option<Head>,
    /// `None` when there is no earlier review (every status is then new).
    pub from: Option<ReviewRef>,
    pub to: ReviewRef,
    /// The status from which an action counts as completed.
    pub completed_status: Option<String>,
    /// In plan order.
    pub actions: Vec<ActionDiff>,
}

impl Diff {
    /// The actions whose verdict is not "held", worst first: by verdict (worsened,
    /// withdrawn, changed, new, no status, improved), then by the later status's rank
    /// (worst first; no status or one off the scale before any), then in plan order.
    pub fn moved_worst_first(&self) -> Vec<&ActionDiff> {
        // None (no status) sorts before any rank: worst first.
        let scale_rank = |a: &ActionDiff| a.to_rank;
        let mut moved: Vec<(usize, &ActionDiff)> = self
            .actions
            .iter()
            .enumerate()
            .filter(|(_, a)| a.verdict != Verdict::Held)
            .collect();
        moved.sort_by(|(i, a), (j, b)| {
            a.verdict
                .cmp(&b.verdict)
                .then(scale_rank(a).cmp(&scale_rank(b)))
                .then(i.cmp(j))
        });
        moved.into_iter().map(|(_, a)| a).collect()
    }

    /// The actions that held their status, in plan order.
    pub fn held(&self) -> Vec<&ActionDiff> {
        self.actions
            .iter()
            .filter(|a| a.verdict == Verdict::Held)
            .collect()
    }
}

/// A status or correction entry about one action's status at one review.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Touch {
    pub seq: u64,
    pub event_type: &'static str,
    pub actor: String,
    pub recorded_at: String,
    pub action: String,
    /// The review's identity: the seq that scheduled it (labels can be renamed).
    pub review: Seq,
    pub status: Option<String>,
}

/// Collects the entries that touch statuses while a ledger is replayed.
#[derive(Debug, Clone, Default)]
pub struct Touches {
    pub list: Vec<Touch>,
}

/// The review a label names now or named before a rename.
pub(crate) fn review_named<'p>(plan: &'p Plan, label: &str) -> Option<&'p Review> {
    plan.review(label).or_else(|| {
        plan.reviews
            .iter()
            .find(|r| r.former_labels.iter().any(|l| l == label))
    })
}

impl Touches {
    /// Notes `entry` if it records or corrects a status; `plan` is the fold just after it.
    pub fn observe(&mut self, entry: &Entry, plan: &Plan) {
        let (action, review, status) = match &entry.event {
            Event::StatusRecorded(e) => (&e.action, &e.review, Some(e.status.clone())),
            Event::Correction(e) => match &e.review {
                Some(r) => (&e.action, r, e.status.clone()),
                None => return,
            },
            _ => return,
        };
        let Some(review) = review_named(plan, review) else {
            return;
        };
        self.list.push(Touch {
            seq: entry.seq.0,
            event_type: entry.event.type_name(),
            actor: entry.actor.clone(),
            recorded_at: entry.recorded_at.clone(),
            action: action.clone(),
            review: review.seq,
            status,
        });
    }
}

/// Position of a point in the plan's timeline (reviews by date).
pub(crate) fn position(timeline: &[&Review], point: &ResolvedPoint) -> Result<usize, BoardError> {
    timeline
        .iter()
        .position(|r| r.label == point.label)
        .ok_or_else(|| BoardError::UnknownReview(point.label.clone()))
}

pub(crate) fn review_ref(r: &Review) -> ReviewRef {
    ReviewRef {
        label: r.label.clone(),
        date: r.date.clone(),
    }
}

/// Compares every action's status at `from` (none: before the first review) and `to`.
///
/// Statuses are as [`crate::plan::view::plan_at`] shows them, carried forward included.
/// The entries listed for an action are the status and correction entries whose review
/// lies after `from` up to and including `to`, in the plan's timeline.
pub fn diff(
    plan: &Plan,
    from: Option<&ResolvedPoint>,
    to: &ResolvedPoint,
    touches: &Touches,
) -> Result<Diff, BoardError> {
    let timeline = plan.reviews_by_date();
    let to_i = position(&timeline, to)?;
    let from_i = from.map(|f| position(&timeline, f)).transpose()?;
    if let Some(fi) = from_i {
        if fi > to_i {
            return Err(BoardError::Reversed {
                from: timeline[fi].label.clone(),
                from_date: timeline[fi].date.clone(),
                to: timeline[to_i].label.clone(),
                to_date: timeline[to_i].date.clone(),
            });
        }
    }
    let window: Vec<(Seq, &str)> = timeline[from_i.map_or(0, |i| i + 1)..=to_i]
        .iter()
        .map(|r| (r.seq, r.label.as_str()))
        .collect();
    let scale = plan.scale();
    let done = completed_rank(&scale);
    let rank = |s: &Option<StatusAt>| s.as_ref().and_then(|s| scale.rank(&s.status));
    let actions = plan
        .actions
        .iter()
        .map(|a| {
            let before = from_i.and_then(|i| status_at(plan, a, &timeline[..=i]));
            let after = status_at(plan, a, &timeline[..=to_i]);
            let withdrawn = a.withdrawn_at(plan, Some(timeline[to_i]));
            let verdict = if withdrawn.is_some() {
                Verdict::Withdrawn
            } else {
                match (&before, &after) {
                    (None, None) => Verdict::NoStatus,
                    (None, Some(_)) => Verdict::New,
                    (Some(_), None) => Verdict::Changed,
                    (Some(b), Some(t)) => match (rank(&before), rank(&after)) {
                        (Some(x), Some(y)) if y > x => Verdict::Improved,
                        (Some(x), Some(y)) if y < x => Verdict::Worsened,
                        (Some(_), Some(_)) => Verdict::Held,
                        _ if b.status == t.status => Verdict::Held,
                        _ => Verdict::Changed,
                    },
                }
            };
            let completed = withdrawn.is_none()
                && match (done, rank(&after)) {
                    (Some(d), Some(t)) if t >= d => rank(&before).is_none_or(|f| f < d),
                    _ => false,
                };
            let entries = touches
                .list
                .iter()
                .filter(|t| t.action == a.fields.id)
                .filter_map(|t| {
                    let (_, label) = window.iter().find(|(seq, _)| *seq == t.review)?;
                    Some(DiffEntry {
                        seq: t.seq,
                        event_type: t.event_type,
                        actor: t.actor.clone(),
                        recorded_at: t.recorded_at.clone(),
                        review: label.to_string(),
                        status: t.status.clone(),
                    })
                })
                .collect();
            ActionDiff {
                area: a.fields.area.clone(),
                id: a.fields.id.clone(),
                action: a.fields_at(plan, Some(timeline[to_i])).action.clone(),
                from_rank: rank(&before),
                to_rank: rank(&after),
                from: before,
                to: after,
                verdict,
                completed,
                withdrawn: withdrawn.map(WithdrawnAt::of),
                entries,
            }
        })
        .collect();
    Ok(Diff {
        title: plan.title.clone(),
        head: plan.head.map(|(seq, hash)| Head { seq: seq.0, hash }),
        from: from_i.map(|i| review_ref(timeline[i])),
        to: review_ref(timeline[to_i]),
        completed_status: done.and_then(|d| scale.0.get(d)).map(|s| s.name.clone()),
        actions,
    })
}

#[cfg(test)]
pub(crate) mod tests {
    use std::ops::ControlFlow;

    use chrono::TimeZone;

    use super::*;
    use crate::asof::resolve;
    use crate::clock::FixedClock;
    use crate::event::*;
    use crate::scale::{Rag, ScaleStatus};
    use crate::store::MemoryLog;
    use crate::verify::replay_with;

    /// A clock at noon on `date` (`YYYY-MM-DD`).
    pub fn at(date: &str) -> FixedClock {
        let d = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").unwrap();
        FixedClock(chrono::Utc.from_utc_datetime(&d.and_hms_opt(12, 0, 0).unwrap()))
    }

    /// A plan with area 1, the given actions (id, end) and quarterly reviews Q1..Q4 of 2021.
    pub fn base(actions: &[(&str, &str)]) -> MemoryLog {
        let mut log = MemoryLog::new();
        let mut events = vec![
            Event::PlanCreated(PlanCreated {
                title: "P".into(),
                origin: "o".into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "Area".into(),
                finding: None,
            }),
        ];
        for (id, end) in actions {
            events.push(Event::ActionAdded(ActionAdded {
                id: id.to_string(),
                area: "1".into(),
                action: format!("Do {id}"),
                end: (!end.is_empty()).then(|| end.to_string()),
                ..ActionAdded::default()
            }));
        }
        for (label, date) in [
            ("Q1", "2021-03-31"),
            ("Q2", "2021-06-30"),
            ("Q3", "2021-09-30"),
            ("Q4", "2021-12-31"),
        ] {
            events.push(Event::ReviewScheduled(ReviewScheduled {
                label: label.into(),
                date: date.into(),
            }));
        }
        log.append("officer", &at("2021-01-01"), events).unwrap();
        log
    }

    pub fn status(log: &mut MemoryLog, when: &str, action: &str, review: &str, s: &str) {
        log.append(
            "lead",
            &at(when),
            vec![Event::StatusRecorded(StatusRecorded {
                action: action.into(),
                review: review.into(),
                status: s.into(),
                note: None,
            })],
        )
        .unwrap();
    }

    fn run(log: &MemoryLog, from: Option<&str>, to: &str) -> Diff {
        let mut touches = Touches::default();
        let plan = replay_with(log, None, |e, p| {
            touches.observe(e, p);
            ControlFlow::Continue(())
        })
        .unwrap();
        let point = |p: &str| resolve(p, &plan.reviews).unwrap();
        diff(&plan, from.map(point).as_ref(), &point(to), &touches).unwrap()
    }

    fn verdicts(d: &Diff) -> Vec<(&str, Verdict, bool)> {
        d.actions
            .iter()
            .map(|a| (a.id.as_str(), a.verdict, a.completed))
            .collect()
    }

    #[test]
    fn verdicts_follow_the_scale_order() {
        let mut log = base(&[("a", ""), ("b", ""), ("c", ""), ("d", ""), ("e", "")]);
        for (id, s) in [
            ("a", "Progressing but delayed"),
            ("b", "Progressing and on track"),
            ("c", "Completed"),
            ("d", "Started but delayed"),
        ] {
            status(&mut log, "2021-04-01", id, "Q1", s);
        }
        for (id, s) in [
            ("a", "Completed"),
            ("b", "Progressing but delayed"),
            ("c", "Embedded"),
            ("e", "Not started"),
        ] {
            status(&mut log, "2021-07-01", id, "Q2", s);
        }
        let d = run(&log, Some("Q1"), "Q2");
        assert_eq!(
            verdicts(&d),
            vec![
                ("a", Verdict::Improved, true),
                ("b", Verdict::Worsened, false),
                ("c", Verdict::Improved, false),
                ("d", Verdict::Held, false),
                ("e", Verdict::New, false),
            ]
        );
        // d held by carrying its Q1 status forward.
        let dd = &d.actions[3];
        assert!(dd.to.as_ref().unwrap().carried_forward && dd.entries.is_empty());
        assert_eq!(d.completed_status.as_deref(), Some("Completed"));
        let a = &d.actions[0];
        assert_eq!(a.entries.len(), 1);
        assert_eq!(a.entries[0].review, "Q2");
        assert_eq!(a.entries[0].status.as_deref(), Some("Completed"));
        let order: Vec<&str> = d
            .moved_worst_first()
            .iter()
            .map(|a| a.id.as_str())
            .collect();
        assert_eq!(order, ["b", "e", "a", "c"]);
    }

    #[test]
    fn entries_are_those_for_reviews_inside_the_window() {
        let mut log = base(&[("a", "")]);
        status(&mut log, "2021-04-01", "a", "Q1", "Not started");
        status(&mut log, "2021-07-01", "a", "Q2", "Started but delayed");
        status(
            &mut log,
            "2021-10-01",
            "a",
            "Q3",
            "Progressing and on track",
        );
        // A late record for Q1 after Q3: outside the Q1..Q3 window (Q1 is its start).
        status(&mut log, "2021-10-02", "a", "Q1", "Started but delayed");
        let d = run(&log, Some("Q1"), "Q3");
        let seqs: Vec<(&str, &str)> = d.actions[0]
            .entries
            .iter()
            .map(|e| (e.review.as_str(), e.status.as_deref().unwrap()))
            .collect();
        assert_eq!(
            seqs,
            [
                ("Q2", "Started but delayed"),
                ("Q3", "Progressing and on track")
            ]
        );
        assert_eq!(d.actions[0].verdict, Verdict::Improved);
        // No earlier point: everything recorded is new, every entry up to `to` is listed.
        let d = run(&log, None, "Q2");
        assert_eq!(d.actions[0].verdict, Verdict::New);
        assert_eq!(d.actions[0].entries.len(), 3);
        // Same point twice: held, nothing in the window.
        let d = run(&log, Some("Q2"), "Q2");
        assert_eq!(d.actions[0].verdict, Verdict::Held);
        assert!(d.actions[0].entries.is_empty());
    }

    #[test]
    fn corrections_and_withdrawals_count() {
        let mut log = base(&[("a", ""), ("b", "")]);
        status(&mut log, "2021-04-01", "a", "Q1", "Progressing but delayed");
        status(&mut log, "2021-04-01", "b", "Q1", "Progressing but delayed");
        status(
            &mut log,
            "2021-07-01",
            "a",
            "Q2",
            "Progressing and on track",
        );
        let target = log.plan().action("a").unwrap().statuses["Q2"].seq.0;
        log.append(
            "auditor",
            &at("2021-07-10"),
            vec![
                Event::Correction(Correction {
                    target,
                    action: "a".into(),
                    review: Some("Q2".into()),
                    status: Some("Not started".into()),
                    note: None,
                    changes: Default::default(),
                    reason: "misread".into(),
                }),
                Event::ActionWithdrawn(ActionWithdrawn {
                    id: "b".into(),
                    reason: "merged into a".into(),
                    from: Some("Q2".into()),
                }),
            ],
        )
        .unwrap();
        let d = run(&log, Some("Q1"), "Q2");
        assert_eq!(
            verdicts(&d),
            vec![
                ("a", Verdict::Worsened, false),
                ("b", Verdict::Withdrawn, false)
            ]
        );
        let a = &d.actions[0];
        assert_eq!(a.entries.len(), 2);
        assert_eq!(a.entries[1].event_type, "correction");
        assert_eq!(a.entries[1].actor, "auditor");
        assert_eq!(
            d.actions[1].withdrawn.as_ref().unwrap().reason,
            "merged into a"
        );
    }

    #[test]
    fn reversed_points_are_refused() {
        let log = base(&[("a", "")]);
        let plan = log.plan();
        let p = |s: &str| resolve(s, &plan.reviews).unwrap();
        let e = diff(plan, Some(&p("Q3")), &p("Q1"), &Touches::default()).unwrap_err();
        assert!(e.to_string().contains("swap"), "{e}");
    }

    #[test]
    fn completed_rank_falls_back_to_the_second_highest() {
        assert_eq!(completed_rank(&StatusScale::york()), Some(4));
        let s = |names: &[&str]| {
            StatusScale(
                names
                    .iter()
                    .map(|n| ScaleStatus {
                        name: n.to_string(),
                        rag: Rag::Green,
                    })
                    .collect(),
            )
        };
        assert_eq!(completed_rank(&s(&["Late", "Done", "Sustained"])), Some(1));
        assert_eq!(completed_rank(&s(&["x", "COMPLETED", "y", "z"])), Some(1));
        assert_eq!(completed_rank(&s(&["Only"])), Some(0));
        assert_eq!(completed_rank(&s(&[])), None);
    }
}

//! Readiness gaps at a review: what a board should ask about before it meets.
//!
//! At a review R, for every action not withdrawn:
//!
//! - **past end**: the month read from its free-text end date (`parse_date_text`) ended
//!   before R's date, and its status at R (carried forward included) is below the
//!   completed rank ([`completed_rank`]) or there is none;
//! - **delayed in a row**: its status at R and at the review before it (at least
//!   [`DELAYED_RUN`] reviews in a row, ending at R, carried-forward statuses included) is
//!   RAG red or amber;
//! - **stale**: nothing was recorded for R itself (a carried-forward status is stale);
//! - **late entry** / **correction**: a status entry marked late, or a correction, recorded
//!   after the previous review's date, for a review up to R (or for no review);
//! - **unsupported**: its status at R is completed or above (embedded), but no evidence is
//!   attached to it (for no review, or a review up to R) and no sign-off is of that status.
//!
//! Pure: the late and corrected entries are gathered by [`RecentEntries`] during a replay.

use chrono::NaiveDate;
use serde::Serialize;

use crate::asof::ResolvedPoint;
use crate::dates::{last_day_of_month, parse_date_text};
use crate::entry::{Entry, Head, Seq};
use crate::event::Event;
use crate::plan::activity::ActivityRow;
use crate::plan::diff::{completed_rank, position, review_named, review_ref, BoardError};
use crate::plan::view::{status_at, ReviewRef, StatusAt};
use crate::plan::Plan;
use crate::scale::Rag;

/// How many reviews in a row at red or amber make a gap.
pub const DELAYED_RUN: usize = 2;

/// The kinds of gap, in the order they are listed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum GapKind {
    PastEnd,
    DelayedRun,
    Stale,
    LateEntry,
    Correction,
    Unsupported,
}

impl GapKind {
    /// A short name for people.
    pub fn as_str(self) -> &'static str {
        match self {
            GapKind::PastEnd => "past end date",
            GapKind::DelayedRun => "delayed in a row",
            GapKind::Stale => "stale",
            GapKind::LateEntry => "late entry",
            GapKind::Correction => "correction",
            GapKind::Unsupported => "no evidence or sign-off",
        }
    }
}

/// The entry behind a late-entry or correction gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct GapEntry {
    pub seq: u64,
    #[serde(rename = "type")]
    pub event_type: &'static str,
    pub actor: String,
    pub recorded_at: String,
    pub summary: String,
}

/// One readiness gap.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gap {
    pub kind: GapKind,
    pub area: String,
    pub action: String,
    /// The action's status at the review (carried forward included).
    pub status: Option<StatusAt>,
    /// One sentence saying what is wrong.
    pub detail: String,
    /// past end: the end date as the plan writes it, and the last day of its month.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub end: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ended: Option<String>,
    /// delayed in a row: the reviews of the run, oldest first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub reviews: Vec<String>,
    /// late entry, correction: the entry.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entry: Option<GapEntry>,
}

/// Every readiness gap at a review.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Gaps {
    pub title: String,
    pub head: Option<Head>,
    pub review: ReviewRef,
    /// The review before it, the start of "since the previous review".
    pub previous: Option<ReviewRef>,
    pub completed_status: Option<String>,
    /// By kind (see [`GapKind`]), then in plan order (entries in ledger order).
    pub gaps: Vec<Gap>,
}

/// A late status entry or a correction, noted while replaying.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notable {
    pub entry: GapEntry,
    pub action: String,
    /// The review it is about (its identity: the seq that scheduled it), if any.
    pub review: Option<Seq>,
    pub kind: GapKind,
}

/// Collects late status entries and corrections while a ledger is replayed.
#[derive(Debug, Clone, Default)]
pub struct RecentEntries {
    pub list: Vec<Notable>,
}

impl RecentEntries {
    /// Notes `entry` if it is a late status or a correction; `plan` is the fold just after it.
    pub fn observe(&mut self, entry: &Entry, plan: &Plan) {
        let (action, review) = match &entry.event {
            Event::StatusRecorded(e) => (&e.action, Some(&e.review)),
            Event::Correction(e) => (&e.action, e.review.as_ref()),
            _ => return,
        };
        let row = ActivityRow::with_plan(entry, plan);
        let kind = match &entry.event {
            Event::Correction(_) => GapKind::Correction,
            _ if row.marks.contains(&"late") => GapKind::LateEntry,
            _ => return,
        };
        self.list.push(Notable {
            entry: GapEntry {
                seq: row.seq,
                event_type: row.event_type,
                actor: row.actor,
                recorded_at: row.recorded_at,
                summary: row.summary,
            },
            action: action.clone(),
            review: review.and_then(|r| review_named(plan, r)).map(|r| r.seq),
            kind,
        });
    }
}

fn is_delayed(s: &Option<StatusAt>) -> bool {
    matches!(s.as_ref().and_then(|s| s.rag), Some(Rag::Red | Rag::Amber))
}

fn day(s: &str) -> Option<NaiveDate> {
    NaiveDate::parse_from_str(s.get(..10)?, "%Y-%m-%d").ok()
}

/// The readiness gaps at `at` (see the module documentation for each kind).
pub fn gaps(plan: &Plan, at: &ResolvedPoint, recent: &RecentEntries) -> Result<Gaps, BoardError> {
    let timeline = plan.reviews_by_date();
    let i = position(&timeline, at)?;
    let review = timeline[i];
    let previous = i.checked_sub(1).map(|j| timeline[j]);
    let review_day = day(&review.date);
    let scale = plan.scale();
    let done = completed_rank(&scale);
    let mut out = Vec::new();
    let open = |a: &&crate::plan::Action| a.withdrawn_at(plan, Some(review)).is_none();
    for a in plan.actions.iter().filter(open) {
        let now = status_at(plan, a, &timeline[..=i]);
        let gap = |kind, detail: String| Gap {
            kind,
            area: a.fields.area.clone(),
            action: a.fields.id.clone(),
            status: now.clone(),
            detail,
            end: None,
            ended: None,
            reviews: Vec::new(),
            entry: None,
        };
        let completed = match (done, now.as_ref().and_then(|s| scale.rank(&s.status))) {
            (Some(d), Some(r)) => r >= d,
            _ => false,
        };
        // The end date the plan had at this review: a later amendment does not move it.
        let fields = a.fields_at(plan, Some(review));
        let end_month = fields.end.as_deref().and_then(|e| parse_date_text(e).month);
        if let (Some(end), Some(month), Some(today)) = (&fields.end, end_month, review_day) {
            let ended = last_day_of_month(month);
            if today > ended && !completed {
                out.push(Gap {
                    end: Some(end.clone()),
                    ended: Some(ended.format("%Y-%m-%d").to_string()),
                    ..gap(
                        GapKind::PastEnd,
                        format!(
                            "past its end date {end:?} (month ended {}) and not completed",
                            ended.format("%Y-%m-%d")
                        ),
                    )
                });
            }
        }

        let run: Vec<&str> = (0..=i)
            .rev()
            .map_while(|k| {
                is_delayed(&status_at(plan, a, &timeline[..=k])).then(|| timeline[k].label.as_str())
            })
            .collect();
        if run.len() >= DELAYED_RUN {
            let reviews: Vec<String> = run.iter().rev().map(|l| l.to_string()).collect();
            out.push(Gap {
                detail: format!(
                    "red or amber at {} reviews in a row: {}",
                    reviews.len(),
                    reviews.join(", ")
                ),
                reviews,
                ..gap(GapKind::DelayedRun, String::new())
            });
        }

        if !a.statuses.contains_key(review.label.as_str()) {
            let detail = match &now {
                Some(s) => format!(
                    "no status recorded for {}; shows {} carried from {}",
                    review.label, s.status, s.review
                ),
                None => format!("no status recorded for {} or before", review.label),
            };
            out.push(gap(GapKind::Stale, detail));
        }

        if completed {
            let has_evidence = a.evidence().iter().any(|ev| {
                ev.superseded_by.is_none()
                    && ev.review.as_ref().is_none_or(|r| {
                        timeline[..=i]
                            .iter()
                            .any(|t| &t.label == r || t.former_labels.contains(r))
                    })
            });
            let signed = now.as_ref().is_some_and(|s| !s.signed_by.is_empty());
            if !has_evidence && !signed {
                let status = now.as_ref().map_or("", |s| &*s.status);
                out.push(gap(
                    GapKind::Unsupported,
                    format!("shows {status} with no evidence attached and no sign-off"),
                ));
            }
        }
    }

    let window: Vec<Seq> = timeline[..=i].iter().map(|r| r.seq).collect();
    for n in &recent.list {
        let Some(a) = plan.action(&n.action) else {
            continue;
        };
        let after_previous = match previous {
            Some(p) => n
                .entry
                .recorded_at
                .get(..10)
                .is_some_and(|d| d > p.date.as_str()),
            None => true,
        };
        let in_window = n.review.is_none_or(|r| window.contains(&r));
        if a.withdrawn_at(plan, Some(review)).is_some() || !after_previous || !in_window {
            continue;
        }
        let e = &n.entry;
        let late = if n.kind == GapKind::LateEntry {
            ", late"
        } else {
            ""
        };
        out.push(Gap {
            kind: n.kind,
            area: a.fields.area.clone(),
            action: a.fields.id.clone(),
            status: status_at(plan, a, &timeline[..=i]),
            detail: format!(
                "entry {} by {} at {}{late}: {}",
                e.seq, e.actor, e.recorded_at, e.summary
            ),
            end: None,
            ended: None,
            reviews: Vec::new(),
            entry: Some(e.clone()),
        });
    }
    // Stable: within a kind, plan order (entries: ledger order) is kept.
    out.sort_by_key(|g| g.kind);
    Ok(Gaps {
        title: plan.title.clone(),
        head: plan.head.map(|(seq, hash)| Head { seq: seq.0, hash }),
        review: review_ref(review),
        previous: previous.map(review_ref),
        completed_status: done.and_then(|d| scale.0.get(d)).map(|s| s.name.clone()),
        gaps: out,
    })
}

#[cfg(test)]
mod tests {
    use std::ops::ControlFlow;

    use super::*;
    use crate::asof::resolve;
    use crate::event::*;
    use crate::plan::diff::tests::{at, base, status};
    use crate::store::MemoryLog;
    use crate::verify::replay_with;

    fn run(log: &MemoryLog, point: &str) -> Gaps {
        let mut recent = RecentEntries::default();
        let plan = replay_with(log, None, |e, p| {
            recent.observe(e, p);
            ControlFlow::Continue(())
        })
        .unwrap();
        let point = resolve(point, &plan.reviews).unwrap();
        gaps(&plan, &point, &recent).unwrap()
    }

    fn kinds(g: &Gaps) -> Vec<(GapKind, &str)> {
        g.gaps.iter().map(|g| (g.kind, g.action.as_str())).collect()
    }

    #[test]
    fn past_end_needs_the_month_over_and_the_action_not_completed() {
        let mut log = base(&[
            ("late", "Phase 2: May 2021"),
            ("done", "May 2021"),
            ("this-month", "June 2021"),
            ("undated", "Ongoing"),
        ]);
        for (id, s) in [
            ("late", "Progressing and on track"),
            ("done", "Completed"),
            ("this-month", "Progressing and on track"),
            ("undated", "Progressing and on track"),
        ] {
            status(&mut log, "2021-07-01", id, "Q2", s);
        }
        let g = run(&log, "Q2");
        assert_eq!(
            kinds(&g),
            vec![(GapKind::PastEnd, "late"), (GapKind::Unsupported, "done")]
        );
        let gap = &g.gaps[0];
        assert_eq!(gap.end.as_deref(), Some("Phase 2: May 2021"));
        assert_eq!(gap.ended.as_deref(), Some("2021-05-31"));
        assert!(gap
            .detail
            .contains("(month ended 2021-05-31) and not completed"));
        assert_eq!(
            gap.status.as_ref().unwrap().status.as_ref(),
            "Progressing and on track"
        );
    }

    #[test]
    fn stale_and_delayed_runs_use_carried_forward_statuses() {
        let mut log = base(&[("a", ""), ("b", ""), ("c", ""), ("d", "")]);
        // (Recorded in time order: the ledger never lets time go back.)
        status(&mut log, "2021-04-01", "a", "Q1", "Progressing but delayed");
        status(&mut log, "2021-04-01", "b", "Q1", "Started but delayed");
        status(&mut log, "2021-04-01", "c", "Q1", "Started but delayed");
        status(&mut log, "2021-07-01", "a", "Q2", "Started but delayed");
        status(
            &mut log,
            "2021-07-01",
            "c",
            "Q2",
            "Progressing and on track",
        );
        status(&mut log, "2021-07-01", "d", "Q2", "Completed");
        let g = run(&log, "Q2");
        assert_eq!(
            kinds(&g),
            vec![
                (GapKind::DelayedRun, "a"),
                (GapKind::DelayedRun, "b"),
                (GapKind::Stale, "b"),
                (GapKind::Unsupported, "d"),
            ]
        );
        assert_eq!(g.gaps[0].reviews, ["Q1", "Q2"]);
        assert!(
            g.gaps[2].detail.contains("carried from Q1"),
            "{:?}",
            g.gaps[2]
        );
        // At Q1 no run is long enough yet, and d has nothing at all.
        let g = run(&log, "Q1");
        assert_eq!(kinds(&g), vec![(GapKind::Stale, "d")]);
        assert!(g.gaps[0].detail.contains("or before"));
    }

    #[test]
    fn late_entries_and_corrections_since_the_previous_review() {
        let mut log = base(&[("a", ""), ("w", "January 2021")]);
        status(
            &mut log,
            "2021-04-01",
            "a",
            "Q1",
            "Progressing and on track",
        );
        // Recorded for Q1 in May: late (more than 14 days after 2021-03-31), but before
        // Q2's date, so not "since the previous review" at Q3.
        status(
            &mut log,
            "2021-05-20",
            "a",
            "Q1",
            "Progressing and on track",
        );
        status(
            &mut log,
            "2021-07-01",
            "a",
            "Q2",
            "Progressing and on track",
        );
        // Late for Q2 and recorded after Q2: listed at Q3.
        status(&mut log, "2021-08-15", "a", "Q2", "Completed");
        let target = log.plan().action("a").unwrap().statuses["Q2"].seq.0;
        log.append(
            "auditor",
            &at("2021-10-01"),
            vec![
                Event::Correction(Correction {
                    target,
                    action: "a".into(),
                    review: Some("Q2".into()),
                    status: Some("Progressing and on track".into()),
                    note: None,
                    changes: Default::default(),
                    reason: "not yet signed off".into(),
                }),
                Event::StatusRecorded(StatusRecorded {
                    action: "a".into(),
                    review: "Q3".into(),
                    status: "Completed".into(),
                    note: None,
                }),
                // A withdrawn action, past its end and never rated: no gaps at all.
                Event::ActionWithdrawn(ActionWithdrawn {
                    id: "w".into(),
                    reason: "dropped".into(),
                    from: Some("Q3".into()),
                }),
            ],
        )
        .unwrap();
        let g = run(&log, "Q3");
        assert_eq!(
            kinds(&g),
            vec![
                (GapKind::LateEntry, "a"),
                (GapKind::Correction, "a"),
                (GapKind::Unsupported, "a")
            ]
        );
        assert_eq!(g.previous.as_ref().unwrap().label, "Q2");
        let late = g.gaps[0].entry.as_ref().unwrap();
        assert_eq!(late.recorded_at.get(..10), Some("2021-08-15"));
        assert!(
            g.gaps[1].detail.contains("by auditor"),
            "{}",
            g.gaps[1].detail
        );
        // At Q2 the late Q1 entry is since Q1 and counts; later ones are for Q2 too.
        let g = run(&log, "Q2");
        let seqs: Vec<u64> = g
            .gaps
            .iter()
            .filter_map(|g| g.entry.as_ref().map(|e| e.seq))
            .collect();
        assert_eq!(seqs.len(), 3, "{g:#?}");
    }

    #[test]
    fn unsupported_goes_with_evidence_or_a_signoff_of_the_status_shown() {
        use crate::plan::trust::{key_id, public_key, sign_signoff};
        let mut log = base(&[("ev", ""), ("signed", ""), ("resigned", "")]);
        for id in ["ev", "signed", "resigned"] {
            status(&mut log, "2021-07-01", id, "Q2", "Completed");
        }
        let secret = [9u8; 32];
        let pk = public_key(&secret);
        let hex = |b: &[u8]| b.iter().map(|x| format!("{x:02x}")).collect::<String>();
        let mut events = vec![
            Event::EvidenceAttached(EvidenceAttached {
                action: "ev".into(),
                review: None,
                sha256: "ab".repeat(32),
                file_name: "minutes.pdf".into(),
                size: 1,
                media_type: "application/pdf".into(),
                note: None,
            }),
            Event::KeyRegistered(KeyRegistered {
                name: "Chair".into(),
                key_id: key_id(&pk),
                public_key: hex(&pk),
                role: "Chair".into(),
            }),
        ];
        log.append("a", &at("2021-07-02"), std::mem::take(&mut events))
            .unwrap();
        for id in ["signed", "resigned"] {
            let (seq, hash) = log.plan().head.unwrap();
            let mut e = SignedOff {
                action: id.into(),
                review: "Q2".into(),
                status: "Completed".into(),
                key_id: key_id(&pk),
                role: "Chair".into(),
                head_seq: seq.0,
                head_hash: hash.to_hex(),
                statement: None,
                signature: String::new(),
                version: crate::event::SIGNED_OFF_VERSION,
            };
            sign_signoff(&secret, &log.plan().origin.clone(), &mut e);
            log.append("chair", &at("2021-07-03"), vec![Event::SignedOff(e)])
                .unwrap();
        }
        // Re-recorded after the sign-off: the sign-off no longer covers what is shown.
        status(&mut log, "2021-07-04", "resigned", "Q2", "Embedded");
        let g = run(&log, "Q2");
        assert_eq!(kinds(&g), vec![(GapKind::Unsupported, "resigned")]);
        let shown = g.gaps[0].status.as_ref().unwrap();
        assert!(shown.signed_by.is_empty() && shown.signoff_superseded);
        // Evidence superseded by a correction no longer supports the action.
        let attached = log.plan().action("ev").unwrap().evidence()[0].seq.0;
        let supersede = Event::Correction(crate::event::Correction {
            target: attached,
            action: "ev".into(),
            review: None,
            status: None,
            note: None,
            changes: Default::default(),
            reason: "wrong file".into(),
        });
        log.append("a", &at("2021-07-05"), vec![supersede]).unwrap();
        let g = run(&log, "Q2");
        assert_eq!(
            kinds(&g),
            vec![
                (GapKind::Correction, "ev"),
                (GapKind::Unsupported, "ev"),
                (GapKind::Unsupported, "resigned")
            ]
        );
    }
}

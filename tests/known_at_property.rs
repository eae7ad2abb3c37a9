//! A correction never changes any projection computed with `--known-at` earlier than the
//! correction.
//!
//! Random plans get random status histories at increasing times, with corrections (and
//! corrections of corrections), amendments and their corrections, withdrawals and
//! rescheduled or renamed reviews at random later times, appended through the same sealing
//! as the disk ledger with a fixed clock per append. Then, for every correction and every
//! moment T before it, the plan at every review, the matrix and every action's history
//! replayed with `known_at = T` are the same whether or not the log holds that correction
//! and everything after it. They also equal the same projections of just the entries
//! recorded by T, replayed with no bound: what `--known-at` means.

use std::collections::BTreeMap;
use std::ops::ControlFlow;

use chrono::{Duration, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::strategy::ValueTree;
use proptest::test_runner::TestRunner;
use serde_json::{json, Value};

use readiness_ledger::asof::ResolvedPoint;
use readiness_ledger::clock::FixedClock;
use readiness_ledger::entry::Seq;
use readiness_ledger::entry::{format_timestamp, parse_timestamp};
use readiness_ledger::event::{
    ActionAdded, ActionAmended, ActionWithdrawn, AreaAdded, Correction, Event, PlanCreated,
    ReviewRescheduled, ReviewScheduled, StatusRecorded,
};
use readiness_ledger::plan::activity::ActivityRow;
use readiness_ledger::plan::view::{
    history, matrix, matrix_outline, plan_at, plan_outline, ActionsAt, Matrix, MatrixStatuses,
};
use readiness_ledger::plan::Plan;
use readiness_ledger::query::{fill_for_plan_at, matrix_of_columns, matrix_statuses};
use readiness_ledger::report::matrix_table::{write_matrix_csv, write_matrix_table};
use readiness_ledger::report::plan_table::{write_plan_table, PlanActions};
use readiness_ledger::report::{render, views::plan_doc, RenderOptions, ViewFormat};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::shown_view::{
    fill_shown, matrix_outline_shown, matrix_statuses_shown, ShownAt,
};
use readiness_ledger::store::snapshot;
use readiness_ledger::store::source::{fold, Location, ReadLedger};
use readiness_ledger::store::{ActionText, EntrySource, MemoryLog};
use readiness_ledger::verify::replay_with;

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// One step of the plan's life; indices pick among what exists when it is applied.
#[derive(Debug, Clone)]
enum Op {
    Status {
        action: Index,
        review: Index,
        status: Index,
    },
    /// Corrects whichever entry currently sets a status: the original, or a correction.
    Correct {
        pick: Index,
        status: Option<Index>,
        note: bool,
    },
    Amend {
        action: Index,
        end: bool,
        value: u8,
    },
    /// Corrects whichever entry currently sets an amended field.
    CorrectAmendment {
        pick: Index,
        value: u8,
    },
    Withdraw {
        action: Index,
    },
    Reschedule {
        review: Index,
        rename: bool,
        days: Option<i64>,
    },
}

fn op() -> impl Strategy<Value = Op> {
    prop_oneof![
        5 => (any::<Index>(), any::<Index>(), any::<Index>())
            .prop_map(|(action, review, status)| Op::Status { action, review, status }),
        5 => (any::<Index>(), proptest::option::weighted(0.8, any::<Index>()), any::<bool>())
            .prop_map(|(pick, status, note)| Op::Correct { pick, status, note }),
        1 => (any::<Index>(), any::<bool>(), any::<u8>())
            .prop_map(|(action, end, value)| Op::Amend { action, end, value }),
        1 => (any::<Index>(), any::<u8>())
            .prop_map(|(pick, value)| Op::CorrectAmendment { pick, value }),
        1 => any::<Index>().prop_map(|action| Op::Withdraw { action }),
        1 => (any::<Index>(), any::<bool>(), proptest::option::of(-60i64..60))
            .prop_map(|(review, rename, days)| Op::Reschedule { review, rename, days }),
    ]
}

/// Seconds between one append and the next: often none, sometimes a minute, often days.
fn gap() -> impl Strategy<Value = i64> {
    prop_oneof![
        Just(0i64),
        1i64..120,
        (1i64..40).prop_map(|days| days * 86_400 + 3_600),
    ]
}

/// A plan to start from and the steps that follow, each after a gap.
#[derive(Debug, Clone)]
struct Case {
    /// Area (0 or 1) of each action.
    actions: Vec<usize>,
    /// Days after 2020-03-31 of each review.
    reviews: Vec<i64>,
    steps: Vec<(i64, Op)>,
}

fn case() -> impl Strategy<Value = Case> {
    (
        proptest::collection::vec(0usize..2, 1..=4),
        proptest::collection::vec(0i64..400, 1..=4),
        proptest::collection::vec((gap(), op()), 1..=40),
    )
        .prop_map(|(actions, reviews, steps)| Case {
            actions,
            reviews,
            steps,
        })
}

// ---------------------------------------------------------------------------------------
// Building the ledger
// ---------------------------------------------------------------------------------------

fn day(days: i64) -> String {
    let base = Utc.with_ymd_and_hms(2020, 3, 31, 0, 0, 0).unwrap();
    (base + Duration::days(days)).format("%Y-%m-%d").to_string()
}

/// Turns a step into a valid event for the plan as it stands, if it can be one.
fn event_for(log: &MemoryLog, op: &Op, n: usize) -> Option<Event> {
    let plan = log.plan();
    let scale = plan.scale();
    let names = scale.names();
    let action_id = |i: &Index| plan.actions[i.index(plan.actions.len())].fields.id.clone();
    let event = match op {
        Op::Status {
            action,
            review,
            status,
        } => Event::StatusRecorded(StatusRecorded {
            action: action_id(action),
            review: plan.reviews[review.index(plan.reviews.len())].label.clone(),
            status: names[status.index(names.len())].to_string(),
            note: None,
        }),
        Op::Correct { pick, status, note } => {
            let current: Vec<(String, String, u64)> = plan
                .actions
                .iter()
                .flat_map(|a| {
                    a.statuses
                        .iter()
                        .map(|(label, r)| (a.fields.id.clone(), label.to_string(), r.source.0))
                })
                .collect();
            if current.is_empty() {
                return None;
            }
            let (action, review, target) = current[pick.index(current.len())].clone();
            let status = status
                .as_ref()
                .map(|s| names[s.index(names.len())].to_string());
            let note = (*note || status.is_none()).then(|| format!("note {n}"));
            Event::Correction(Correction {
                target,
                action,
                review: Some(review),
                status,
                note,
                changes: BTreeMap::new(),
                reason: format!("correction {n}"),
            })
        }
        Op::Amend { action, end, value } => {
            let field = if *end { "end" } else { "lead" };
            Event::ActionAmended(ActionAmended {
                id: action_id(action),
                changes: BTreeMap::from([(field.to_string(), format!("v{value}"))]),
                reason: format!("amendment {n}"),
                from: None,
            })
        }
        Op::CorrectAmendment { pick, value } => {
            let current: Vec<(String, String, u64)> = plan
                .actions
                .iter()
                .flat_map(|a| {
                    a.field_source()
                        .iter()
                        .map(|(field, seq)| (a.fields.id.clone(), field.clone(), seq.0))
                })
                .collect();
            if current.is_empty() {
                return None;
            }
            let (action, field, target) = current[pick.index(current.len())].clone();
            Event::Correction(Correction {
                target,
                action,
                review: None,
                status: None,
                note: None,
                changes: BTreeMap::from([(field, format!("c{value}"))]),
                reason: format!("correction {n}"),
            })
        }
        Op::Withdraw { action } => Event::ActionWithdrawn(ActionWithdrawn {
            id: action_id(action),
            reason: format!("withdrawal {n}"),
            from: None,
        }),
        Op::Reschedule {
            review,
            rename,
            days,
        } => {
            let r = &plan.reviews[review.index(plan.reviews.len())];
            let date = days.map(|d| {
                let old = chrono::NaiveDate::parse_from_str(&r.date, "%Y-%m-%d").unwrap();
                (old + Duration::days(d)).format("%Y-%m-%d").to_string()
            });
            Event::ReviewRescheduled(ReviewRescheduled {
                label: r.label.clone(),
                new_label: rename.then(|| format!("Review {n}")),
                date,
                reason: format!("reschedule {n}"),
            })
        }
    };
    plan.check(&event).is_ok().then_some(event)
}

/// The ledger a case describes: the plan at 2020-03-01, then each step after its gap.
fn build(case: &Case) -> MemoryLog {
    let mut t = Utc.with_ymd_and_hms(2020, 3, 1, 9, 0, 0).unwrap();
    let mut log = MemoryLog::new();
    let mut setup = vec![Event::PlanCreated(PlanCreated {
        title: "P".into(),
        origin: "test.example/known-at".into(),
        scale: StatusScale::york(),
    })];
    for area in ["1", "2"] {
        setup.push(Event::AreaAdded(AreaAdded {
            id: area.into(),
            title: format!("Area {area}"),
            finding: None,
        }));
    }
    for (i, area) in case.actions.iter().enumerate() {
        setup.push(Event::ActionAdded(ActionAdded {
            id: format!("{}.{}", area + 1, i + 1),
            area: (area + 1).to_string(),
            action: format!("Action {i}"),
            // Some fields a table shows, some absent and some empty, so that views read
            // them from every kind of record.
            lead: (i % 2 == 0).then(|| format!("Lead {i}")),
            start: (i % 3 != 0).then(|| "April 2020".to_string()),
            end: (i % 3 == 1).then(String::new),
            ..ActionAdded::default()
        }));
    }
    for (i, days) in case.reviews.iter().enumerate() {
        setup.push(Event::ReviewScheduled(ReviewScheduled {
            label: format!("RAG {i}"),
            date: day(*days),
        }));
    }
    log.append("setup", &FixedClock(t), setup)
        .expect("the setup batch is valid");
    for (n, (gap, op)) in case.steps.iter().enumerate() {
        t += Duration::seconds(*gap);
        if let Some(event) = event_for(&log, op, n) {
            let actor = format!("actor{}", n % 3);
            log.append(&actor, &FixedClock(t), vec![event])
                .unwrap_or_else(|e| panic!("step {n} ({op:?}) passed the rules: {e}"));
        }
    }
    log
}

// ---------------------------------------------------------------------------------------
// Projections
// ---------------------------------------------------------------------------------------

/// Every projection a reader can ask for, replayed with `known_at`: the plan at no review
/// and at each review, the matrix over all reviews and up to each, and each action's
/// history (entries as `history` collects them) at no review and at each.
fn projections(source: &dyn EntrySource, known_at: Option<&str>) -> Value {
    let mut rows: BTreeMap<String, Vec<ActivityRow>> = BTreeMap::new();
    let plan = replay_with(source, known_at, |entry, plan| {
        if let Some(id) = entry.event.action_id() {
            rows.entry(id.to_string())
                .or_default()
                .push(ActivityRow::with_plan(entry, plan));
        }
        ControlFlow::Continue(())
    })
    .expect("the log replays");
    if !plan.is_created() {
        return Value::Null;
    }
    let mut points = vec![None];
    points.extend(plan.reviews.iter().map(|r| {
        Some(ResolvedPoint {
            label: r.label.clone(),
            date: r.date.clone(),
        })
    }));
    let mut out = Vec::new();
    for point in &points {
        let histories: Vec<Value> = plan
            .actions
            .iter()
            .map(|a| {
                let entries = rows.get(&a.fields.id).cloned().unwrap_or_default();
                json!(history(&plan, a, entries, point.as_ref()))
            })
            .collect();
        out.push(json!({
            "point": point.as_ref().map(|p| &p.label),
            "plan": plan_at(&plan, point.as_ref()),
            "matrix": matrix(&plan, point.as_ref()),
            "histories": histories,
        }));
    }
    Value::Array(out)
}

/// Moments before `t` to look from: a microsecond before, the latest earlier recorded time
/// (entries at the very same moment as an earlier one are common) and one between.
fn moments_before(t: &str, times: &[String], pick: &Index) -> Vec<String> {
    let at = parse_timestamp(t).expect("entry timestamps parse");
    let mut v: Vec<String> = times.iter().filter(|s| s.as_str() < t).cloned().collect();
    v.dedup();
    let mut out = vec![format_timestamp(at - Duration::microseconds(1))];
    if let Some(last) = v.last() {
        out.push(last.clone());
        out.push(v[pick.index(v.len())].clone());
    }
    out
}

/// A log holding only its first `n` entries.
fn prefix(log: &MemoryLog, n: usize) -> MemoryLog {
    let mut p = log.clone();
    p.lines_mut().truncate(n);
    p
}

/// (seq, recorded_at, is a correction) of every entry.
fn entries(log: &MemoryLog) -> Vec<(usize, String, bool)> {
    let mut v = Vec::new();
    replay_with(log, None, |e, _| {
        v.push((
            e.seq.0 as usize,
            e.recorded_at.clone(),
            matches!(e.event, Event::Correction(_)),
        ));
        ControlFlow::Continue(())
    })
    .expect("the log replays");
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn a_correction_never_changes_what_was_known_before_it(case in case(), pick in any::<Index>()) {
        let log = build(&case);
        let all = entries(&log);
        let times: Vec<String> = all.iter().map(|(_, t, _)| t.clone()).collect();
        // Projections of the whole log known at each moment, checked once against the
        // entries recorded by then: what --known-at means.
        let mut known_at: BTreeMap<String, Value> = BTreeMap::new();
        for (seq, at, _) in all.iter().filter(|(_, _, c)| *c) {
            // Without the correction and everything after it.
            let without = prefix(&log, seq - 1);
            for t in moments_before(at, &times, &pick) {
                if !known_at.contains_key(&t) {
                    let with = projections(&log, Some(&t));
                    let known = times.iter().filter(|r| r.as_str() <= t.as_str()).count();
                    prop_assert_eq!(
                        &with,
                        &projections(&prefix(&log, known), None),
                        "known at {} vs the first {} entries", t, known
                    );
                    known_at.insert(t.clone(), with);
                }
                prop_assert_eq!(
                    &known_at[&t],
                    &projections(&without, Some(&t)),
                    "known at {} (before correction {} at {})", t, seq, at
                );
            }
        }
    }
}

/// The plan at every review and the matrix over every span, from a directory ledger whose
/// snapshots (at `snaps`) keep their statuses in columns read on demand, known at `known_at`.
/// Also whether the columns were used.
fn column_projections(dir: &std::path::Path, known_at: Option<&str>) -> (Value, bool) {
    let reader = ReadLedger::open(&Location::Dir(dir.to_path_buf())).expect("the ledger opens");
    let (plan, columns, _) = reader
        .load_plan_lazily(known_at, ActionText::All)
        .expect("the plan loads");
    let used = columns.is_some();
    if !plan.is_created() {
        return (Value::Null, used);
    }
    let mut points = vec![None];
    points.extend(plan.reviews.iter().map(|r| {
        Some(ResolvedPoint {
            label: r.label.clone(),
            date: r.date.clone(),
        })
    }));
    let mut out = Vec::new();
    for point in &points {
        // Each view reads its own copy, as each command does.
        let (mut at, columns, _) = reader
            .load_plan_lazily(known_at, ActionText::All)
            .expect("the plan loads");
        // The matrix, and the plan's table below, from actions without the texts they do
        // not show.
        let (whole, more, _) = reader
            .load_plan_lazily(known_at, ActionText::Shown)
            .expect("the plan loads");
        let (mut shown, shown_columns, _) = reader
            .load_plan_lazily(known_at, ActionText::Shown)
            .expect("the plan loads");
        let m = match more {
            Some(c) => matrix_of_columns(&whole, point.as_ref(), c).expect("columns read"),
            None => matrix(&whole, point.as_ref()),
        };
        if let Some(c) = columns {
            fill_for_plan_at(&mut at, c, point.as_ref()).expect("columns read");
        }
        if let Some(c) = shown_columns {
            fill_for_plan_at(&mut shown, c, point.as_ref()).expect("columns read");
        }
        for format in [ViewFormat::Table, ViewFormat::Csv, ViewFormat::Markdown] {
            let table = |p| {
                render(
                    &plan_at(p, point.as_ref()),
                    plan_doc,
                    format,
                    RenderOptions::default(),
                )
            };
            assert_eq!(
                table(&shown),
                table(&at),
                "{format:?} of the plan without unshown texts"
            );
        }
        // The plan table from the snapshot's actions as kept for it, where the reader can.
        let expected = plan_table(&at, point.as_ref(), &ActionsAt::new(&at, point.as_ref()));
        let (whole, more, _) = reader
            .load_plan_lazily(known_at, ActionText::Shown)
            .expect("the plan loads");
        let outline = matrix_outline(&whole, point.as_ref());
        let cells = matrix_statuses(&whole, point.as_ref(), more).expect("columns read");
        let expected_matrix = matrix_tables(&outline, &cells);
        match reader.load_shown(known_at).expect("the plan loads") {
            Some((plan, mut kept, columns)) => {
                assert!(
                    used,
                    "actions kept for the table exactly where columns are read"
                );
                fill_shown(&plan, &mut kept, columns, point.as_ref()).expect("columns read");
                let table = plan_table(
                    &plan,
                    point.as_ref(),
                    &ShownAt::new(&plan, &kept, point.as_ref()),
                );
                assert_eq!(table, expected, "the plan table from kept actions");
                let (_, kept, columns) =
                    reader.load_shown(known_at).expect("loads").expect("again");
                let cells = matrix_statuses_shown(&plan, &kept, point.as_ref(), columns)
                    .expect("columns read");
                let outline = matrix_outline_shown(&plan, &kept, point.as_ref());
                assert_eq!(
                    matrix_tables(&outline, &cells),
                    expected_matrix,
                    "the matrix from kept actions"
                );
            }
            None => assert!(!used, "columns read, but no actions kept for the table"),
        }
        out.push(json!({
            "point": point.as_ref().map(|p| &p.label),
            "plan": plan_at(&at, point.as_ref()),
            "matrix": m,
        }));
    }
    (Value::Array(out), used)
}

/// `plan`'s streamed table of `actions`, or `None` where a column is too wide for it.
fn plan_table(
    plan: &Plan,
    point: Option<&ResolvedPoint>,
    actions: &impl PlanActions,
) -> Option<String> {
    let mut out = Vec::new();
    let written = write_plan_table(&mut out, &plan_outline(plan, point), actions).expect("written");
    written
        .ok()
        .map(|()| String::from_utf8(out).expect("UTF-8"))
}

/// `matrix`'s streamed table (or `None` where a column is too wide for it) and its CSV.
fn matrix_tables(outline: &Matrix, cells: &MatrixStatuses) -> (Option<String>, String) {
    let mut table = Vec::new();
    let written = write_matrix_table(&mut table, outline, cells).expect("written");
    let mut csv = Vec::new();
    write_matrix_csv(&mut csv, outline, cells, false).expect("written");
    let text = |b: Vec<u8>| String::from_utf8(b).expect("UTF-8");
    (written.ok().map(|()| text(table)), text(csv))
}

/// [`projections`] without histories.
fn view_projections(source: &dyn EntrySource, known_at: Option<&str>) -> Value {
    let mut v = projections(source, known_at);
    if let Value::Array(points) = &mut v {
        for p in points {
            p.as_object_mut().map(|o| o.remove("histories"));
        }
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    /// `plan` and `matrix` read from snapshot columns (and the statuses after the snapshot)
    /// show exactly what a full replay shows, at every review and every moment; and they
    /// read columns exactly when the entries between the snapshot and that moment are all
    /// statuses.
    #[test]
    fn views_from_snapshot_columns_equal_a_full_replay(
        case in case(),
        snaps in proptest::collection::vec(any::<Index>(), 1..4),
    ) {
        let log = build(&case);
        let all = entries(&log);
        let tmp = tempfile::tempdir().expect("temp dir");
        std::fs::write(tmp.path().join("entries.jsonl"), log.to_jsonl()).expect("log written");
        let reader = ReadLedger::open(&Location::Dir(tmp.path().to_path_buf())).expect("opens");
        let ReadLedger::Dir(dir) = &reader else { panic!("a directory") };
        let mut seqs: Vec<usize> = snaps.iter().map(|i| 1 + i.index(all.len())).collect();
        seqs.push(all.len());
        seqs.sort_unstable();
        seqs.dedup();
        for seq in &seqs {
            let offset = dir.positions().offset_of(Seq(*seq as u64)).expect("positions").expect("an entry");
            let mut plan = fold(&prefix(&log, *seq), None).expect("the prefix folds");
            snapshot::write(tmp.path(), &mut plan, offset).expect("snapshot written");
        }
        drop(reader);
        let mut statuses = vec![false];
        replay_with(&log, None, |e, _| {
            statuses.push(matches!(e.event, Event::StatusRecorded(_)));
            ControlFlow::Continue(())
        })
        .expect("the log replays");
        let mut times: Vec<Option<String>> = vec![None];
        times.extend(all.iter().map(|(_, t, _)| Some(t.clone())));
        times.dedup();
        for t in &times {
            let upto = match t {
                Some(t) => all.iter().filter(|(_, r, _)| r <= t).count(),
                None => all.len(),
            };
            let (fast, used) = column_projections(tmp.path(), t.as_deref());
            let expected_use = seqs.iter().rev().find(|s| **s <= upto)
                .is_some_and(|s| (s + 1..=upto).all(|q| statuses[q]));
            prop_assert_eq!(used, expected_use, "columns used, known at {:?}", t);
            prop_assert_eq!(&fast, &view_projections(&log, t.as_deref()), "known at {:?}", t);
        }
    }
}

/// The generator is not vacuous: most ledgers hold corrections, and many hold corrections
/// of corrections, of amendments, and corrections recorded at the same moment as an entry
/// before them.
#[test]
fn generated_ledgers_hold_corrections_of_corrections() {
    let mut runner = TestRunner::deterministic();
    let strategy = case();
    let (mut with, mut of_corrections, mut of_amendments, mut same_time) = (0, 0, 0, 0);
    let cases = 200;
    for _ in 0..cases {
        let case = strategy.new_tree(&mut runner).expect("a case").current();
        let log = build(&case);
        let mut kinds = BTreeMap::new();
        let mut prev_time = String::new();
        let (mut has, mut cc, mut ca, mut st) = (false, false, false, false);
        replay_with(&log, None, |e, _| {
            kinds.insert(e.seq.0, e.event.type_name());
            if let Event::Correction(c) = &e.event {
                has = true;
                cc |= kinds.get(&c.target) == Some(&"correction");
                ca |= c.review.is_none();
                st |= e.recorded_at == prev_time;
            }
            prev_time = e.recorded_at.clone();
            ControlFlow::Continue(())
        })
        .expect("the log replays");
        with += usize::from(has);
        of_corrections += usize::from(cc);
        of_amendments += usize::from(ca);
        same_time += usize::from(st);
    }
    assert!(
        with * 10 >= cases * 7,
        "{with} of {cases} ledgers have corrections"
    );
    assert!(
        of_corrections * 10 >= cases * 3,
        "{of_corrections} of {cases} have corrections of corrections"
    );
    assert!(
        of_amendments * 10 >= cases,
        "{of_amendments} of {cases} correct amendments"
    );
    assert!(
        same_time * 10 >= cases,
        "{same_time} of {cases} have same-time corrections"
    );
}

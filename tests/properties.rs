//! Property tests of the append path, verification and replay.
//!
//! (a) Any sequence of valid commands, appended in any batch sizes, gives a ledger that
//!     verifies (fast and strict), the same bytes in memory and on disk, and a plan that
//!     replay rebuilds exactly and that agrees with a simple reference model.
//! (b) Flipping any bits of any one byte of an exported log is caught by fast verification,
//!     at exactly the tampered entry.
//! (c) An invalid event anywhere in a batch refuses the whole batch and leaves the log and
//!     the plan exactly as they were.

use std::collections::BTreeMap;
use std::path::Path;

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;
use proptest::sample::Index;

use readiness_ledger::batch::BatchError;
use readiness_ledger::clock::FixedClock;
use readiness_ledger::entry::Seq;
use readiness_ledger::event::{
    ActionAdded, ActionAmended, AreaAdded, Event, PlanCreated, ReviewScheduled, StatusRecorded,
    AMENDABLE_FIELDS,
};
use readiness_ledger::plan::{Plan, RuleError};
use readiness_ledger::scale::{Rag, ScaleStatus, StatusScale};
use readiness_ledger::store::{DirLedger, EntrySource, JsonlFile, MemoryLog, StoreError};
use readiness_ledger::verify::{replay, verify, VerifyOptions, VerifyReport};

// ---------------------------------------------------------------------------------------
// Generators
// ---------------------------------------------------------------------------------------

/// Characters for free text: plain, JSON-special, control, non-ASCII and astral.
const CHARS: &[char] = &[
    'a', 'b', 'Z', '0', '9', ' ', ' ', '.', ',', ':', '{', '}', '[', '"', '\\', '/', '\t', '\n',
    '\r', '\u{0}', '\u{1f}', '\u{7f}', 'é', 'ß', '€', '\u{2028}', '\u{fffd}', '😀', '𝄞',
];

/// Free text of up to `max` characters, possibly empty or blank.
fn text(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(proptest::sample::select(CHARS), 0..=max)
        .prop_map(|cs| cs.into_iter().collect())
}

/// Text that is never blank (what required fields need).
fn solid_text(max: usize) -> impl Strategy<Value = String> {
    text(max).prop_map(|s| format!("t{s}"))
}

/// A valid status scale: York's, or a few distinct names in any order.
fn scale() -> impl Strategy<Value = StatusScale> {
    const NAMES: &[&str] = &[
        "Red",
        "Amber",
        "Green",
        "Blue",
        "Not started",
        "Ünderway",
        "On hold – waiting",
        "Done ✓",
    ];
    const RAGS: &[Rag] = &[Rag::Red, Rag::Amber, Rag::Green, Rag::Blue];
    prop_oneof![
        Just(StatusScale::york()),
        proptest::sample::subsequence(NAMES, 1..=NAMES.len())
            .prop_shuffle()
            .prop_flat_map(|names| {
                let n = names.len();
                (
                    Just(names),
                    proptest::collection::vec(proptest::sample::select(RAGS), n),
                )
            })
            .prop_map(|(names, rags)| StatusScale(
                names
                    .into_iter()
                    .zip(rags)
                    .map(|(name, rag)| ScaleStatus {
                        name: name.to_string(),
                        rag
                    })
                    .collect()
            )),
    ]
}

/// A valid date in `YYYY-MM-DD` form.
fn date() -> impl Strategy<Value = String> {
    (2018i32..2032, 1u32..=365).prop_map(|(y, d)| {
        NaiveDate::from_yo_opt(y, d)
            .expect("day 1..=365 exists every year")
            .format("%Y-%m-%d")
            .to_string()
    })
}

/// One valid command; indices pick among what exists when it is applied.
#[derive(Debug, Clone)]
enum Cmd {
    Status {
        action: Index,
        review: Index,
        status: Index,
        note: Option<String>,
    },
    Amend {
        action: Index,
        changes: Vec<(Index, String)>,
        reason: String,
    },
    NewAction {
        area: Index,
        text: String,
        lead: Option<String>,
    },
    NewArea {
        title: String,
        finding: Option<String>,
    },
    NewReview {
        date: String,
    },
}

fn cmd() -> impl Strategy<Value = Cmd> {
    prop_oneof![
        6 => (any::<Index>(), any::<Index>(), any::<Index>(), proptest::option::of(text(12)))
            .prop_map(|(action, review, status, note)| Cmd::Status { action, review, status, note }),
        2 => (
            any::<Index>(),
            proptest::collection::vec((any::<Index>(), text(10)), 1..4),
            solid_text(10),
        )
            .prop_map(|(action, changes, reason)| Cmd::Amend { action, changes, reason }),
        1 => (any::<Index>(), solid_text(12), proptest::option::of(text(8)))
            .prop_map(|(area, text, lead)| Cmd::NewAction { area, text, lead }),
        1 => (solid_text(10), proptest::option::of(text(10)))
            .prop_map(|(title, finding)| Cmd::NewArea { title, finding }),
        1 => date().prop_map(|date| Cmd::NewReview { date }),
    ]
}

/// A plan to start from and commands to run on it.
#[derive(Debug, Clone)]
struct Scenario {
    scale: StatusScale,
    title: String,
    areas: usize,
    /// Area (by index) of each initial action.
    actions: Vec<Index>,
    reviews: Vec<String>,
    cmds: Vec<Cmd>,
    /// Batch sizes, used in turn (cycled) to cut the event stream into appends.
    batches: Vec<usize>,
    /// Per-batch clock offsets from a base time, in microseconds: they may go backwards, by
    /// less than the 5 minutes after which an append refuses a last entry "in the future".
    times: Vec<i64>,
    actors: Vec<String>,
}

fn scenario(max_cmds: usize, max_batch: usize) -> impl Strategy<Value = Scenario> {
    (
        scale(),
        solid_text(16),
        1usize..4,
        proptest::collection::vec(any::<Index>(), 1..6),
        proptest::collection::vec(date(), 1..4),
        proptest::collection::vec(cmd(), 0..=max_cmds),
        proptest::collection::vec(1usize..=max_batch, 1..6),
        proptest::collection::vec(0i64..290_000_000, 1..6),
        proptest::collection::vec(
            proptest::sample::select(&["alice", "Bob Ö", "c \"d\""][..]),
            1..3,
        ),
    )
        .prop_map(
            |(scale, title, areas, actions, reviews, cmds, batches, times, actors)| Scenario {
                scale,
                title,
                areas,
                actions,
                reviews,
                cmds,
                batches,
                times,
                actors: actors.into_iter().map(str::to_string).collect(),
            },
        )
}

// ---------------------------------------------------------------------------------------
// The reference model: what the plan should say, computed without the library's fold
// ---------------------------------------------------------------------------------------

/// Action fields as the model keeps them (the amendable ones plus id and area).
#[derive(Debug, Clone, PartialEq, Eq)]
struct ModelAction {
    id: String,
    area: String,
    fields: BTreeMap<String, String>,
}

#[derive(Debug, Clone, Default)]
struct Model {
    statuses_in_scale: Vec<String>,
    areas: Vec<String>,
    actions: Vec<ModelAction>,
    reviews: Vec<String>,
    /// Last recorded status for each (action, review).
    status: BTreeMap<(String, String), String>,
    events: usize,
}

impl Model {
    fn pick<'a>(items: &'a [String], i: &Index) -> &'a String {
        &items[i.index(items.len())]
    }

    fn new_area(&mut self, title: String, finding: Option<String>) -> Event {
        let id = format!("{}", self.areas.len() + 1);
        self.areas.push(id.clone());
        Event::AreaAdded(AreaAdded { id, title, finding })
    }

    fn new_action(&mut self, area: &Index, text: String, lead: Option<String>) -> Event {
        let area = Model::pick(&self.areas, area).clone();
        let id = format!("{area}.{}", self.actions.len() + 1);
        let mut fields = BTreeMap::new();
        fields.insert("action".to_string(), text.clone());
        if let Some(lead) = lead.as_ref().filter(|l| !l.is_empty()) {
            fields.insert("lead".to_string(), lead.clone());
        }
        self.actions.push(ModelAction {
            id: id.clone(),
            area: area.clone(),
            fields,
        });
        Event::ActionAdded(ActionAdded {
            id,
            area,
            action: text,
            // An empty optional field is the same as none: keep the model simple.
            lead: lead.filter(|l| !l.is_empty()),
            ..Default::default()
        })
    }

    fn new_review(&mut self, date: String) -> Event {
        let label = format!("Review {} ✓", self.reviews.len() + 1);
        self.reviews.push(label.clone());
        Event::ReviewScheduled(ReviewScheduled { label, date })
    }

    /// The event for `cmd`, with the model updated as if it were appended.
    fn event(&mut self, cmd: &Cmd) -> Event {
        self.events += 1;
        match cmd {
            Cmd::Status {
                action,
                review,
                status,
                note,
            } => {
                let action = self.actions[action.index(self.actions.len())].id.clone();
                let review = Model::pick(&self.reviews, review).clone();
                let status = Model::pick(&self.statuses_in_scale, status).clone();
                self.status
                    .insert((action.clone(), review.clone()), status.clone());
                Event::StatusRecorded(StatusRecorded {
                    action,
                    review,
                    status,
                    note: note.clone(),
                })
            }
            Cmd::Amend {
                action,
                changes,
                reason,
            } => {
                let i = action.index(self.actions.len());
                let mut map = BTreeMap::new();
                for (field, value) in changes {
                    let field = AMENDABLE_FIELDS[field.index(AMENDABLE_FIELDS.len())];
                    let value = if field == "action" && value.trim().is_empty() {
                        format!("x{value}")
                    } else {
                        value.clone()
                    };
                    map.insert(field.to_string(), value);
                }
                let model = &mut self.actions[i];
                for (field, value) in &map {
                    if value.is_empty() {
                        model.fields.remove(field);
                    } else {
                        model.fields.insert(field.clone(), value.clone());
                    }
                }
                Event::ActionAmended(ActionAmended {
                    id: model.id.clone(),
                    changes: map,
                    reason: reason.clone(),
                    from: None,
                })
            }
            Cmd::NewAction { area, text, lead } => {
                self.new_action(area, text.clone(), lead.clone())
            }
            Cmd::NewArea { title, finding } => self.new_area(title.clone(), finding.clone()),
            Cmd::NewReview { date } => self.new_review(date.clone()),
        }
    }

    /// The whole event stream of a scenario: the plan, then its commands.
    fn events(s: &Scenario) -> (Model, Vec<Event>) {
        let mut model = Model {
            statuses_in_scale: s.scale.names().into_iter().map(str::to_string).collect(),
            ..Model::default()
        };
        let mut events = vec![Event::PlanCreated(PlanCreated {
            title: s.title.clone(),
            origin: "prop-test".into(),
            scale: s.scale.clone(),
        })];
        for i in 0..s.areas {
            events.push(model.new_area(format!("Area {i}"), None));
        }
        for area in &s.actions {
            events.push(model.new_action(area, "Do the thing".into(), None));
        }
        for date in &s.reviews {
            events.push(model.new_review(date.clone()));
        }
        model.events = events.len();
        for cmd in &s.cmds {
            events.push(model.event(cmd));
        }
        (model, events)
    }

    /// Checks a plan says exactly what the model says.
    fn check(&self, plan: &Plan) -> Result<(), TestCaseError> {
        prop_assert_eq!(plan.len(), self.events as u64);
        let areas: Vec<&String> = plan.areas.iter().map(|a| &a.id).collect();
        prop_assert_eq!(areas, self.areas.iter().collect::<Vec<_>>());
        let reviews: Vec<&String> = plan.reviews.iter().map(|r| &r.label).collect();
        prop_assert_eq!(reviews, self.reviews.iter().collect::<Vec<_>>());
        let actions: Vec<ModelAction> = plan
            .actions
            .iter()
            .map(|a| ModelAction {
                id: a.fields.id.clone(),
                area: a.fields.area.clone(),
                fields: AMENDABLE_FIELDS
                    .iter()
                    .filter_map(|f| a.fields.field(f).map(|v| (f.to_string(), v.to_string())))
                    .collect(),
            })
            .collect();
        prop_assert_eq!(&actions, &self.actions);
        let mut status = BTreeMap::new();
        for a in &plan.actions {
            for (review, recorded) in &a.statuses {
                status.insert(
                    (a.fields.id.clone(), review.to_string()),
                    recorded.status.to_string(),
                );
            }
        }
        prop_assert_eq!(&status, &self.status);
        Ok(())
    }
}

// ---------------------------------------------------------------------------------------
// Appending to both stores
// ---------------------------------------------------------------------------------------

fn base_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2021, 3, 1, 9, 0, 0).unwrap()
}

/// An in-memory log and a real ledger directory, appended to in lock step.
struct Both {
    mem: MemoryLog,
    dir: DirLedger,
    _tmp: tempfile::TempDir,
}

impl Both {
    fn new() -> Both {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = DirLedger::create_empty(&tmp.path().join("ledger")).expect("create ledger");
        Both {
            mem: MemoryLog::new(),
            dir,
            _tmp: tmp,
        }
    }

    fn disk_bytes(&self) -> Vec<u8> {
        std::fs::read(self.dir.log_path()).expect("read the log")
    }

    /// Appends the scenario's events in its batch sizes; both stores must accept each batch.
    fn append_all(&mut self, s: &Scenario, events: Vec<Event>) -> Result<(), TestCaseError> {
        let mut events = events.into_iter().peekable();
        let mut n = 0;
        while events.peek().is_some() {
            let size = s.batches[n % s.batches.len()];
            let batch: Vec<Event> = events.by_ref().take(size).collect();
            let clock =
                FixedClock(base_time() + Duration::microseconds(s.times[n % s.times.len()]));
            let actor = &s.actors[n % s.actors.len()];
            let r = self.mem.append(actor, &clock, batch.clone());
            prop_assert!(r.is_ok(), "memory append {n} refused: {:?}", r);
            let r = self.dir.append(actor, &clock, batch);
            prop_assert!(r.is_ok(), "directory append {n} refused: {:?}", r.err());
            let r = r.unwrap();
            prop_assert!(r.warnings.is_empty(), "{:?}", r.warnings);
            n += 1;
        }
        Ok(())
    }
}

fn verify_ok(
    source: &dyn EntrySource,
    strict: bool,
    plan: &Plan,
) -> Result<VerifyReport, TestCaseError> {
    let report = verify(
        source,
        VerifyOptions {
            expect: plan.head,
            not_after: None,
        },
    )
    .map_err(|e| TestCaseError::fail(format!("verify could not read: {e}")))?;
    prop_assert!(report.ok(), "strict={} {:?}", strict, report);
    prop_assert_eq!(report.entries, plan.len());
    prop_assert_eq!(report.head.map(|h| (Seq(h.seq), h.hash)), plan.head);
    Ok(report)
}

fn write_export(dir: &Path, bytes: &[u8]) -> JsonlFile {
    let path = dir.join("export.jsonl");
    std::fs::write(&path, bytes).expect("write export");
    JsonlFile::open(&path).expect("open export")
}

// ---------------------------------------------------------------------------------------
// (a) valid commands
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn valid_commands_give_a_ledger_that_verifies_and_replays(s in scenario(60, 12)) {
        let (model, events) = Model::events(&s);
        let mut both = Both::new();
        both.append_all(&s, events)?;

        // Same bytes in memory and on disk.
        let jsonl = both.mem.to_jsonl();
        prop_assert!(jsonl == both.disk_bytes(), "memory and directory logs differ");
        let dir_plan = both.dir.plan().unwrap();
        prop_assert_eq!(both.mem.plan(), &dir_plan);

        // Verifies, fast and strict, as memory, directory and export.
        let tmp = tempfile::tempdir().unwrap();
        let export = write_export(tmp.path(), &jsonl);
        for strict in [false, true] {
            verify_ok(&both.mem, strict, both.mem.plan())?;
            verify_ok(&both.dir, strict, &dir_plan)?;
            verify_ok(&export, strict, both.mem.plan())?;
        }

        // Replay rebuilds the appender's plan, deterministically, from any source.
        let replayed = replay(&both.mem).unwrap();
        prop_assert_eq!(&replayed, both.mem.plan());
        prop_assert_eq!(&replay(&both.mem).unwrap(), &replayed);
        prop_assert_eq!(&replay(&both.dir).unwrap(), &replayed);
        prop_assert_eq!(&replay(&export).unwrap(), &replayed);

        // And agrees with the reference model.
        model.check(both.mem.plan())?;
        model.check(&replayed)?;

        // Reopening (index state) and rebuilding (no index) give the same plan.
        let path = both.dir.dir().to_path_buf();
        drop(both.dir);
        let mut reopened = DirLedger::open(&path, &mut || {}).unwrap();
        prop_assert_eq!(reopened.damage(), None);
        prop_assert_eq!(&reopened.plan().unwrap(), &replayed);
        drop(reopened);
        std::fs::remove_dir_all(path.join("derived")).unwrap();
        let mut rebuilt = DirLedger::open(&path, &mut || {}).unwrap();
        prop_assert_eq!(&rebuilt.plan().unwrap(), &replayed);
        prop_assert!(std::fs::read(rebuilt.log_path()).unwrap() == jsonl);
    }
}

// ---------------------------------------------------------------------------------------
// (b) tampering
// ---------------------------------------------------------------------------------------

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    /// What is guaranteed: every entry before the tampered one is untouched, so they verify;
    /// the tampered line (its bytes or its newline) can no longer be the entry with that seq,
    /// so fast verification fails at exactly that seq and line. Strict mode agrees.
    #[test]
    fn any_single_byte_flip_is_detected_at_the_tampered_entry(
        s in scenario(12, 6),
        entry in any::<Index>(),
        byte in any::<Index>(),
        mask in 1u8..=255,
    ) {
        let (_, events) = Model::events(&s);
        let mut mem = MemoryLog::new();
        for (n, batch) in events.chunks(s.batches[0]).enumerate() {
            let clock = FixedClock(base_time() + Duration::microseconds(s.times[n % s.times.len()]));
            mem.append("alice", &clock, batch.to_vec()).unwrap();
        }
        let jsonl = mem.to_jsonl();
        // Each entry's line with its newline: flipping the newline counts as tampering with it.
        let lines: Vec<&[u8]> = jsonl.split_inclusive(|b| *b == b'\n').collect();
        let i = entry.index(lines.len());
        let start: usize = lines[..i].iter().map(|l| l.len()).sum();
        let pos = start + byte.index(lines[i].len());
        let mut tampered = jsonl.clone();
        tampered[pos] ^= mask;

        let tmp = tempfile::tempdir().unwrap();
        let export = write_export(tmp.path(), &tampered);
        let seq = i as u64 + 1;
        let report = verify(&export, VerifyOptions::default()).unwrap();
        prop_assert!(!report.ok(), "flip of byte {} (entry {}) not detected", pos, seq);
        let failure = report.failure.unwrap();
        prop_assert_eq!(failure.seq, seq, "{}", failure.reason);
        prop_assert_eq!(failure.line, seq);
        prop_assert_eq!(report.entries, seq - 1);
    }
}

// ---------------------------------------------------------------------------------------
// (c) invalid events
// ---------------------------------------------------------------------------------------

/// Ways to make an event the rules must refuse.
#[derive(Debug, Clone, Copy)]
enum Bad {
    StatusUnknownAction,
    /// A review label that differs only in case: lookups are exact.
    StatusReviewWrongCase,
    StatusUnknownReview,
    /// A status spelt in another case, or not in the scale at all.
    StatusNotInScale,
    DuplicateActionExisting,
    /// The same new action id twice in one batch.
    DuplicateActionInBatch,
    ActionUnknownArea,
    DuplicateArea,
    /// A review label that exists in another case.
    DuplicateReview,
    InvalidDate,
    AmendUnknownAction,
    AmendUnknownField,
    AmendNoChanges,
    AmendBlankReason,
    SecondPlan,
}

const ALL_BAD: &[Bad] = &[
    Bad::StatusUnknownAction,
    Bad::StatusReviewWrongCase,
    Bad::StatusUnknownReview,
    Bad::StatusNotInScale,
    Bad::DuplicateActionExisting,
    Bad::DuplicateActionInBatch,
    Bad::ActionUnknownArea,
    Bad::DuplicateArea,
    Bad::DuplicateReview,
    Bad::InvalidDate,
    Bad::AmendUnknownAction,
    Bad::AmendUnknownField,
    Bad::AmendNoChanges,
    Bad::AmendBlankReason,
    Bad::SecondPlan,
];

/// The invalid event and a check that the refusal names the right rule.
fn bad_event(bad: Bad, model: &Model, pick: &Index) -> (Event, fn(&RuleError) -> bool) {
    let action = Model::pick(
        &model
            .actions
            .iter()
            .map(|a| a.id.clone())
            .collect::<Vec<_>>(),
        pick,
    )
    .clone();
    let review = Model::pick(&model.reviews, pick).clone();
    let status = |action: String, review: String, status: String| {
        Event::StatusRecorded(StatusRecorded {
            action,
            review,
            status,
            note: None,
        })
    };
    let amend = |id: String, changes: &[(&str, &str)], reason: &str| {
        Event::ActionAmended(ActionAmended {
            id,
            changes: changes
                .iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            reason: reason.into(),
            from: None,
        })
    };
    let ok_status = Model::pick(&model.statuses_in_scale, pick).clone();
    match bad {
        Bad::StatusUnknownAction => (status("no-such-action".into(), review, ok_status), |e| {
            matches!(e, RuleError::UnknownAction { .. })
        }),
        Bad::StatusReviewWrongCase => (status(action, review.to_uppercase(), ok_status), |e| {
            matches!(e, RuleError::UnknownReview { .. })
        }),
        Bad::StatusUnknownReview => (status(action, "Never scheduled".into(), ok_status), |e| {
            matches!(e, RuleError::UnknownReview { .. })
        }),
        Bad::StatusNotInScale => {
            let lower = ok_status.to_lowercase();
            let wrong = if lower != ok_status && !model.statuses_in_scale.contains(&lower) {
                lower
            } else {
                "Bogus".to_string()
            };
            (status(action, review, wrong), |e| {
                matches!(e, RuleError::UnknownStatus { .. })
            })
        }
        Bad::DuplicateActionExisting | Bad::DuplicateActionInBatch => {
            let area = model.areas[0].clone();
            (
                Event::ActionAdded(ActionAdded {
                    id: if matches!(bad, Bad::DuplicateActionInBatch) {
                        model.actions.last().unwrap().id.clone()
                    } else {
                        action
                    },
                    area,
                    action: "again".into(),
                    ..Default::default()
                }),
                |e| matches!(e, RuleError::DuplicateAction(_)),
            )
        }
        Bad::ActionUnknownArea => (
            Event::ActionAdded(ActionAdded {
                id: "new-action".into(),
                area: "no-such-area".into(),
                action: "x".into(),
                ..Default::default()
            }),
            |e| matches!(e, RuleError::UnknownArea { .. }),
        ),
        Bad::DuplicateArea => (
            Event::AreaAdded(AreaAdded {
                id: Model::pick(&model.areas, pick).clone(),
                title: "again".into(),
                finding: None,
            }),
            |e| matches!(e, RuleError::DuplicateArea(_)),
        ),
        Bad::DuplicateReview => (
            Event::ReviewScheduled(ReviewScheduled {
                label: review.to_lowercase(),
                date: "2022-01-31".into(),
            }),
            |e| matches!(e, RuleError::DuplicateReview(_)),
        ),
        Bad::InvalidDate => (
            Event::ReviewScheduled(ReviewScheduled {
                label: "A new review".into(),
                date: ["2021-02-30", "2021-1-05", "31/01/2021", ""][pick.index(4)].into(),
            }),
            |e| matches!(e, RuleError::BadDate(_)),
        ),
        Bad::AmendUnknownAction => (
            amend("no-such-action".into(), &[("lead", "x")], "because"),
            |e| matches!(e, RuleError::UnknownAction { .. }),
        ),
        Bad::AmendUnknownField => (
            amend(action, &[("lead", "x"), ("colour", "red")], "because"),
            |e| matches!(e, RuleError::UnknownField { .. }),
        ),
        Bad::AmendNoChanges => (amend(action, &[], "because"), |e| {
            matches!(e, RuleError::NoChanges)
        }),
        Bad::AmendBlankReason => (amend(action, &[("lead", "x")], " \t"), |e| {
            matches!(e, RuleError::Empty { .. })
        }),
        Bad::SecondPlan => (
            Event::PlanCreated(PlanCreated {
                title: "Another".into(),
                origin: "o".into(),
                scale: StatusScale::york(),
            }),
            |e| matches!(e, RuleError::PlanExists(_)),
        ),
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn invalid_events_are_refused_and_change_nothing(
        s in scenario(15, 8),
        bad in proptest::sample::select(ALL_BAD),
        valid_before in proptest::collection::vec(cmd(), 0..4),
        valid_after in proptest::collection::vec(cmd(), 0..3),
        pick in any::<Index>(),
        blank_actor in proptest::bool::weighted(0.1),
    ) {
        let (model, events) = Model::events(&s);
        let mut both = Both::new();
        both.append_all(&s, events)?;
        let bytes_before = both.mem.to_jsonl();
        let plan_before = both.mem.plan().clone();

        // A batch of valid events with the invalid one among them; the model is a scratch
        // copy, since none of it may stick.
        let mut scratch = model.clone();
        let mut batch: Vec<Event> = valid_before.iter().map(|c| scratch.event(c)).collect();
        if matches!(bad, Bad::DuplicateActionInBatch) {
            batch.push(scratch.new_action(&pick, "first".into(), None));
        }
        let (event, is_expected) = bad_event(bad, &scratch, &pick);
        let index = batch.len();
        batch.push(event);
        batch.extend(valid_after.iter().map(|c| scratch.event(c)));
        let total = batch.len();

        let actor = if blank_actor { "  " } else { "mallory" };
        let clock = FixedClock(base_time() + Duration::days(400));
        let results = [
            both.mem.append(actor, &clock, batch.clone()).err(),
            both.dir.append(actor, &clock, batch).err(),
        ];
        for err in results {
            match (blank_actor, err) {
                (true, Some(StoreError::Batch(BatchError::NoActor))) => {}
                (false, Some(StoreError::Batch(BatchError::Rule { index: i, total: t, source }))) => {
                    prop_assert_eq!((i, t), (index, total), "{}", source);
                    prop_assert!(is_expected(&source), "{:?} refused for the wrong reason: {}", bad, source);
                }
                (_, other) => prop_assert!(false, "{:?}: expected a refusal, got {:?}", bad, other),
            }
        }

        // Nothing changed, in memory or on disk.
        prop_assert!(both.mem.to_jsonl() == bytes_before, "memory log changed");
        prop_assert!(both.disk_bytes() == bytes_before, "directory log changed");
        prop_assert_eq!(both.mem.plan(), &plan_before);
        prop_assert_eq!(&both.dir.plan().unwrap(), &plan_before);
        verify_ok(&both.dir, true, &plan_before)?;
        model.check(&both.dir.plan().unwrap())?;

        // And the next valid append lands right after, identically in both.
        let mut model = model;
        let next: Vec<Event> = valid_before.iter().chain(&valid_after).map(|c| model.event(c)).collect();
        if !next.is_empty() {
            both.mem.append("alice", &clock, next.clone()).unwrap();
            both.dir.append("alice", &clock, next).unwrap();
        }
        prop_assert!(both.mem.to_jsonl() == both.disk_bytes(), "logs differ after a refusal");
        model.check(&both.dir.plan().unwrap())?;
        let plan = both.dir.plan().unwrap();
        verify_ok(&both.dir, false, &plan)?;
        let path = both.dir.dir().to_path_buf();
        drop(both.dir);
        let mut reopened = DirLedger::open(&path, &mut || {}).unwrap();
        prop_assert!(reopened.damage().is_none());
        prop_assert_eq!(reopened.plan().unwrap().head, both.mem.plan().head);
    }
}

// ---------------------------------------------------------------------------------------
// Reopening in the same process
// ---------------------------------------------------------------------------------------

/// A ledger dropped and at once reopened in the same process must open. sled releases its
/// file lock from a background thread after `Drop` returns, which made `DirLedger::open`
/// fail now and then with "could not acquire lock" under load (several threads at once).
#[test]
fn a_ledger_reopens_right_after_it_is_dropped() {
    let handles: Vec<_> = (0..4)
        .map(|t| {
            std::thread::spawn(move || {
                let tmp = tempfile::tempdir().unwrap();
                let path = tmp.path().join("ledger");
                let mut model = Model::default();
                let events = vec![
                    Event::PlanCreated(PlanCreated {
                        title: "t".into(),
                        origin: "o".into(),
                        scale: StatusScale::york(),
                    }),
                    model.new_area("A".into(), None),
                    model.new_action(&any_index(), "x".into(), None),
                    model.new_review("2020-01-01".into()),
                ];
                let status = Event::StatusRecorded(StatusRecorded {
                    action: model.actions[0].id.clone(),
                    review: model.reviews[0].clone(),
                    status: "Completed".into(),
                    note: None,
                });
                let clock = FixedClock(base_time());
                let mut ledger = DirLedger::create_empty(&path).unwrap();
                ledger.append("a", &clock, events).unwrap();
                drop(ledger);
                for i in 0..100 {
                    let mut ledger = DirLedger::open(&path, &mut || {})
                        .unwrap_or_else(|e| panic!("thread {t}: reopen {i} failed: {e}"));
                    ledger.append("a", &clock, vec![status.clone()]).unwrap();
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
}

/// Some index: with one area there is only one to pick.
fn any_index() -> Index {
    use proptest::strategy::ValueTree;
    any::<Index>()
        .new_tree(&mut proptest::test_runner::TestRunner::deterministic())
        .unwrap()
        .current()
}

//! Property: the plan at any review equals a reference computed directly from the generated
//! history (last record for a review wins; otherwise the last earlier review's status, marked
//! carried forward; otherwise nothing).

use std::collections::BTreeMap;

use chrono::TimeZone;
use proptest::prelude::*;
use readiness_ledger::asof::resolve;
use readiness_ledger::clock::FixedClock;
use readiness_ledger::event::*;
use readiness_ledger::plan::view::plan_at;
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::MemoryLog;
use readiness_ledger::verify::replay;

#[derive(Debug, Clone)]
struct Scenario {
    actions: usize,
    /// Day offsets of the reviews; made distinct and kept in scheduling order (not date order).
    review_days: Vec<u32>,
    /// (action, review, status index), in the order recorded.
    records: Vec<(usize, usize, usize)>,
}

fn scenario() -> impl Strategy<Value = Scenario> {
    (1usize..6, prop::collection::btree_set(0u32..2000, 1..8)).prop_flat_map(|(actions, days)| {
        let days: Vec<u32> = days.into_iter().collect();
        let n = days.len();
        (
            Just(actions),
            Just(days).prop_shuffle(),
            prop::collection::vec((0..actions, 0..n, 0usize..6), 0..40),
        )
            .prop_map(|(actions, review_days, records)| Scenario {
                actions,
                review_days,
                records,
            })
    })
}

fn date(day: u32) -> String {
    (chrono::NaiveDate::from_ymd_opt(2020, 1, 1).unwrap() + chrono::Days::new(u64::from(day)))
        .format("%Y-%m-%d")
        .to_string()
}

fn build(s: &Scenario) -> MemoryLog {
    let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2022, 1, 1, 0, 0, 0).unwrap());
    let mut log = MemoryLog::new();
    let mut events = vec![
        Event::PlanCreated(PlanCreated {
            title: "P".into(),
            origin: "o".into(),
            scale: StatusScale::york(),
        }),
        Event::AreaAdded(AreaAdded {
            id: "1".into(),
            title: "A".into(),
            finding: None,
        }),
    ];
    for a in 0..s.actions {
        events.push(Event::ActionAdded(ActionAdded {
            id: format!("1.{a}"),
            area: "1".into(),
            action: "do".into(),
            ..Default::default()
        }));
    }
    for (r, day) in s.review_days.iter().enumerate() {
        events.push(Event::ReviewScheduled(ReviewScheduled {
            label: format!("R{r}"),
            date: date(*day),
        }));
    }
    log.append("setup", &clock, events).unwrap();
    let names = StatusScale::york()
        .names()
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>();
    for (a, r, st) in &s.records {
        log.append(
            "lead",
            &clock,
            vec![Event::StatusRecorded(StatusRecorded {
                action: format!("1.{a}"),
                review: format!("R{r}"),
                status: names[*st].clone(),
                note: None,
            })],
        )
        .unwrap();
    }
    log
}

/// (status, carried_forward, recorded-for review) expected for `action` at review `target`.
fn reference(s: &Scenario, action: usize, target: usize) -> Option<(String, bool, String)> {
    let names = StatusScale::york()
        .names()
        .iter()
        .map(|n| n.to_string())
        .collect::<Vec<_>>();
    let mut last: BTreeMap<usize, usize> = BTreeMap::new();
    for (a, r, st) in &s.records {
        if *a == action {
            last.insert(*r, *st);
        }
    }
    let target_day = s.review_days[target];
    let mut earlier: Vec<usize> = (0..s.review_days.len())
        .filter(|r| s.review_days[*r] <= target_day)
        .collect();
    earlier.sort_by_key(|r| s.review_days[*r]);
    earlier.iter().rev().find_map(|r| {
        last.get(r)
            .map(|st| (names[*st].clone(), *r != target, format!("R{r}")))
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    #[test]
    fn plan_at_every_review_matches_the_reference(s in scenario()) {
        let log = build(&s);
        let plan = replay(&log).unwrap();
        prop_assert_eq!(&plan, log.plan());
        for target in 0..s.review_days.len() {
            let point = resolve(&format!("R{target}"), &plan.reviews).unwrap();
            let view = plan_at(&plan, Some(&point));
            for (a, got) in view.areas[0].actions.iter().enumerate() {
                let got = got.status.as_ref().map(|st| (st.status.to_string(), st.carried_forward, st.review.clone()));
                prop_assert_eq!(got, reference(&s, a, target), "action 1.{} at R{}", a, target);
            }
            // Asking by date gives the same review as asking by label.
            let by_date = resolve(&date(s.review_days[target]), &plan.reviews).unwrap();
            prop_assert_eq!(by_date.label, format!("R{target}"));
        }
    }
}

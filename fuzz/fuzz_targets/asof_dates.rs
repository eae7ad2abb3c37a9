//! As-of points and dates: `asof::resolve`, `dates::parse_date_text`,
//! `dates::parse_review_label`, `dates::last_day_of_month` and the `--since`/`--until`/
//! `--known-at` parser `bounds::time_bound`.
//!
//! The first line of the input is the text read; further lines `LABEL|YYYY-MM-DD` add
//! reviews to a fixed set (only ones the plan rules would accept: a non-empty label not
//! taken ignoring case, a real date written exactly `YYYY-MM-DD`).
#![no_main]

use libfuzzer_sys::fuzz_target;
use readiness_ledger::asof;
use readiness_ledger::bounds::time_bound as parse_bound;
use readiness_ledger::dates::{last_day_of_month, parse_date_text, parse_review_label};
use readiness_ledger::entry::{parse_timestamp, Seq};
use readiness_ledger::plan::Review;

const FIXED: &[(&str, &str)] = &[
    ("RAG May 20", "2020-05-31"),
    ("RAG August 20", "2020-08-31"),
    ("RAG November 20", "2020-11-30"),
    ("RAG February 21", "2021-02-28"),
    ("Autumn review", "2021-10-15"),
];

fn valid_date(s: &str) -> bool {
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .is_ok_and(|d| d.format("%Y-%m-%d").to_string() == s)
}

fn reviews(extra: &[&str]) -> Vec<Review> {
    let mut out: Vec<Review> = Vec::new();
    let mut add = |label: &str, date: &str, former: Vec<String>| {
        let lower = label.to_lowercase();
        if label.trim().is_empty()
            || !valid_date(date)
            || out.iter().any(|r| r.label.to_lowercase() == lower)
        {
            return;
        }
        out.push(Review {
            label: label.to_string(),
            date: date.to_string(),
            seq: Seq(out.len() as u64 + 1),
            former_labels: former,
        });
    };
    for (label, date) in FIXED {
        let former = if label.starts_with("Autumn") {
            vec!["RAG October 21".to_string()]
        } else {
            Vec::new()
        };
        add(label, date, former);
    }
    for line in extra {
        if let Some((label, date)) = line.split_once('|') {
            add(label, date, Vec::new());
        }
    }
    out
}

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let mut lines = text.split('\n');
    let point = lines.next().unwrap_or("");
    let extra: Vec<&str> = lines.take(16).collect();

    let d = parse_date_text(point);
    assert_eq!(d.text, point);
    if let Some(m) = d.month {
        assert!((1..=12).contains(&m.month));
        let _ = last_day_of_month(m);
    }
    if let Some(m) = parse_review_label(point) {
        assert!((1..=12).contains(&m.month));
        let _ = last_day_of_month(m);
    }
    for end_of_day in [false, true] {
        if let Ok(t) = parse_bound("--known-at", point, end_of_day) {
            // A bound is always an entry timestamp (a signed year, once found here, is refused:
            // tests/fuzz_regressions.rs).
            assert!(parse_timestamp(&t).is_some(), "{point:?} gave bound {t:?}");
        }
    }
    let all = reviews(&extra);
    for list in [&all[..], &all[..2], &[][..]] {
        if let Ok(r) = asof::resolve(point, list) {
            assert!(
                list.iter().any(|x| x.label == r.label && x.date == r.date),
                "{point:?} resolved to {r:?}, not a review"
            );
        }
    }
});

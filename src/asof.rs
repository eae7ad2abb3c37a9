//! Reading a review name as people type it: "RAG November 20" in any case and spacing,
//! a month ("Nov 2020", "2020-11"), a day ("2020-11-30", "30/11/2020", "30 November 2020")
//! or "latest" → the review it names (no I/O, no clock). The one resolver behind every
//! option that takes a review: `--as-of`, `--from`, `--to`, `--since` and `--review`.

use chrono::{Datelike, NaiveDate};

use crate::dates::{parse_date_text, read_day, DayError, YearMonth};
use crate::names::{edit_distance, fold, folds_to, SUGGESTIONS};
use crate::plan::Review;

/// The review a point resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPoint {
    pub label: String,
    pub date: String,
}

/// Why a name names no single review.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsOfError {
    #[error("the plan has no reviews yet, so there is no point {0:?} to show")]
    NoReviews(String),
    #[error("{point:?} matches no review; {nearest}; to add one: readiness review add {point:?} --date YYYY-MM-DD")]
    Unknown { point: String, nearest: String },
    #[error("unknown review {label:?}; {nearest}; to add one: readiness review add {label:?} --date YYYY-MM-DD")]
    UnknownReview { label: String, nearest: String },
    #[error("a new entry names its review, so \"latest\" (for views) is not taken here; the latest review is {latest:?}: give {latest:?}")]
    LatestForWrite { latest: String },
    #[error("unknown review {label:?}: that review was renamed {now:?}; give its current label")]
    Renamed { label: String, now: String },
    #[error("{point:?} matches several reviews ({matches}); give the full label")]
    Ambiguous { point: String, matches: String },
    #[error("no review is on or before {date}; the first is {first}")]
    BeforeFirst { date: String, first: String },
    #[error(transparent)]
    BadDate(#[from] DayError),
}

/// What a review name is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Use {
    /// A point to show (`--as-of`, `--from`, `--to`): also "latest", a former label, or a
    /// day meaning the latest review on or before it.
    Point,
    /// The review a new entry is for (`--review`): a current label, or a day or month
    /// that exactly one review falls in, so a write never lands on a review nobody named.
    Write,
}

fn describe(r: &Review) -> String {
    format!("{:?} ({})", r.label, r.date)
}

fn found(r: &Review) -> ResolvedPoint {
    ResolvedPoint {
        label: r.label.clone(),
        date: r.date.clone(),
    }
}

/// Resolves a point to show against the plan's reviews (in any order).
///
/// In order: `latest`; a label, current or former (ignoring case and spacing); a day
/// (the latest review on or before it); a month ("November 20", "Nov 2020", "2020-11"),
/// matching the review dated in that month or labelled with it.
pub fn resolve(point: &str, reviews: &[Review]) -> Result<ResolvedPoint, AsOfError> {
    find(point, reviews, Use::Point)
}

/// The label of the review `given` names, for options that write (`--review`): its current
/// label in any case and spacing, or a day or month ("Nov 2020", "2020-11", "30/11/2020")
/// that exactly one review falls in. Former labels and "latest" are left to `--as-of`.
pub fn review_label(given: &str, reviews: &[Review]) -> Result<String, AsOfError> {
    find(given, reviews, Use::Write).map(|p| p.label)
}

fn find(given: &str, reviews: &[Review], want: Use) -> Result<ResolvedPoint, AsOfError> {
    let mut by_date: Vec<&Review> = reviews.iter().collect();
    by_date.sort_by(|a, b| a.date.cmp(&b.date).then(a.seq.cmp(&b.seq)));
    let Some(last) = by_date.last() else {
        return Err(unknown(given, &by_date, want));
    };
    let wanted = fold(given);
    if want == Use::Point && wanted == "latest" {
        return Ok(found(last));
    }
    if let Some(r) = by_date.iter().find(|r| folds_to(&r.label, &wanted)) {
        return Ok(found(r));
    }
    if let Some(r) = by_date
        .iter()
        .find(|r| r.former_labels.iter().any(|l| folds_to(l, &wanted)))
    {
        return match want {
            Use::Point => Ok(found(r)),
            Use::Write => Err(AsOfError::Renamed {
                label: given.trim().to_string(),
                now: r.label.clone(),
            }),
        };
    }
    let day = read_day(given)?;
    if let Some(d) = day {
        let d = d.format("%Y-%m-%d").to_string();
        match want {
            Use::Point => {
                return match by_date.iter().rev().find(|r| r.date <= d) {
                    Some(r) => Ok(found(r)),
                    None => Err(AsOfError::BeforeFirst {
                        date: d,
                        first: describe(by_date[0]),
                    }),
                }
            }
            Use::Write => {
                if let Some(r) = by_date.iter().find(|r| r.date == d) {
                    return Ok(found(r));
                }
            }
        }
    }
    if let Some(ym) = month_of(given, day) {
        let matches: Vec<&&Review> = by_date.iter().filter(|r| falls_in(r, ym)).collect();
        match matches.as_slice() {
            [one] => return Ok(found(one)),
            [] => {}
            many => {
                return Err(AsOfError::Ambiguous {
                    point: given.to_string(),
                    matches: many
                        .iter()
                        .map(|r| describe(r))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        }
    }
    Err(unknown(given, &by_date, want))
}

/// The month `given` names, read from its day if it is one.
fn month_of(given: &str, day: Option<NaiveDate>) -> Option<YearMonth> {
    if let Some(d) = day {
        return YearMonth::new(d.year(), d.month());
    }
    let month = parse_date_text(given);
    month.note.is_none().then_some(month.month).flatten()
}

fn falls_in(r: &Review, ym: YearMonth) -> bool {
    review_month(r) == Some(ym) || label_month(r) == Some(ym)
}

/// An unknown name's error, with the nearest reviews: those in its month first, then in
/// its year, each group by how few edits turn one label into the other.
fn unknown(given: &str, by_date: &[&Review], want: Use) -> AsOfError {
    if want == Use::Point && by_date.is_empty() {
        return AsOfError::NoReviews(given.to_string());
    }
    let ym = month_of(given, read_day(given).ok().flatten());
    let wanted = fold(given);
    let mut scored: Vec<(u8, usize, usize, &Review)> = by_date
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let tier = match ym {
                Some(ym) if falls_in(r, ym) => 0,
                Some(ym)
                    if [review_month(r), label_month(r)]
                        .iter()
                        .any(|m| m.is_some_and(|m| m.year == ym.year)) =>
                {
                    1
                }
                _ => 2,
            };
            (tier, edit_distance(&wanted, &fold(&r.label)), i, *r)
        })
        .collect();
    scored.sort_by_key(|&(tier, distance, i, _)| (tier, distance, i));
    let nearest = if scored.is_empty() {
        "the plan has no reviews yet".to_string()
    } else {
        let names: Vec<String> = scored
            .iter()
            .take(SUGGESTIONS)
            .map(|(.., r)| describe(r))
            .collect();
        format!("nearest: {}", names.join(", "))
    };
    let given = given.trim().to_string();
    if want == Use::Write && fold(&given) == "latest" {
        if let Some(last) = by_date.last() {
            return AsOfError::LatestForWrite {
                latest: last.label.clone(),
            };
        }
    }
    match want {
        Use::Point => AsOfError::Unknown {
            point: given,
            nearest,
        },
        Use::Write => AsOfError::UnknownReview {
            label: given,
            nearest,
        },
    }
}

fn review_month(r: &Review) -> Option<YearMonth> {
    let d = NaiveDate::parse_from_str(&r.date, "%Y-%m-%d").ok()?;
    YearMonth::new(d.year(), d.month())
}

fn label_month(r: &Review) -> Option<YearMonth> {
    let m = parse_date_text(&r.label);
    m.note.is_none().then_some(m.month).flatten()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Seq;

    #[test]
    fn a_review_option_reads_a_label_in_any_case_or_its_month() {
        let r = reviews();
        for given in [
            "RAG November 20",
            "rag  november 20",
            "Nov 2020",
            "2020-11",
            "2020-11-30",
        ] {
            assert_eq!(
                review_label(given, &r).unwrap(),
                "RAG November 20",
                "{given}"
            );
        }
        // Not for a write: "latest" (or a former label) could land on a review nobody named.
        for given in ["latest", "RAG June 30", "June 2020"] {
            assert!(review_label(given, &r).is_err(), "{given}");
        }
    }

    #[test]
    fn a_review_option_reads_uk_and_long_days_in_its_month() {
        let r = reviews();
        for given in ["30/11/2020", "1/11/2020", "30 November 2020", "2 Nov 2020"] {
            assert_eq!(
                review_label(given, &r).unwrap(),
                "RAG November 20",
                "{given}"
            );
        }
        let e = review_label("31/02/2021", &r).unwrap_err();
        assert!(matches!(e, AsOfError::BadDate(_)), "{e}");
        let mut renamed = reviews();
        renamed[0].former_labels.push("RAG April 20".into());
        assert_eq!(
            review_label("rag april 20", &renamed).unwrap_err(),
            AsOfError::Renamed {
                label: "rag april 20".into(),
                now: "RAG May 20".into()
            }
        );
        assert_eq!(
            resolve("rag april 20", &renamed).unwrap().label,
            "RAG May 20"
        );
    }

    #[test]
    fn an_unknown_review_lists_the_nearest_three_and_how_to_add_one() {
        let e = review_label("RAG Novmber 21", &reviews()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown review \"RAG Novmber 21\"; nearest: \"RAG November 20\" (2020-11-30), \
             \"RAG May 20\" (2020-05-31), \"RAG February 21\" (2021-02-28); \
             to add one: readiness review add \"RAG Novmber 21\" --date YYYY-MM-DD"
        );
        // A month names its neighbours in the same year first.
        let e = resolve("Dec 2020", &reviews()).unwrap_err().to_string();
        assert!(
            e.starts_with("\"Dec 2020\" matches no review; nearest: \"RAG May 20\""),
            "{e}"
        );
        assert!(!e.contains("February 21"), "{e}");
        let e = review_label("RAG May 20", &[]).unwrap_err().to_string();
        assert!(e.contains("the plan has no reviews yet"), "{e}");
    }

    fn reviews() -> Vec<Review> {
        [
            ("RAG May 20", "2020-05-31"),
            ("RAG August 20", "2020-08-31"),
            ("RAG November 20", "2020-11-30"),
            ("RAG February 21", "2021-02-28"),
        ]
        .iter()
        .enumerate()
        .map(|(i, (l, d))| Review {
            label: l.to_string(),
            date: d.to_string(),
            seq: Seq(i as u64 + 1),
            former_labels: Vec::new(),
        })
        .collect()
    }

    #[test]
    fn every_spelling_of_november_2020_finds_its_review() {
        for p in [
            "RAG November 20",
            "rag  november 20",
            "November 20",
            "Nov 2020",
            "2020-11",
            "2020-11-30",
            "2020-12-15",
            "15/12/2020",
            "15 December 2020",
            "1 dec 2020",
        ] {
            assert_eq!(
                resolve(p, &reviews()).unwrap().label,
                "RAG November 20",
                "{p}"
            );
        }
        assert_eq!(
            resolve("latest", &reviews()).unwrap().label,
            "RAG February 21"
        );
    }

    #[test]
    fn unknown_early_and_ambiguous_points_list_the_reviews() {
        let e = resolve("RAG June 20", &reviews()).unwrap_err();
        assert!(e.to_string().contains("\"RAG May 20\" (2020-05-31)"), "{e}");
        let e = resolve("2020-01-01", &reviews()).unwrap_err();
        assert!(matches!(e, AsOfError::BeforeFirst { .. }), "{e}");
        let e = resolve("31/02/2021", &reviews()).unwrap_err();
        assert!(
            e.to_string().contains("February 2021 (it has 28 days)"),
            "{e}"
        );
        let mut two = reviews();
        two.push(Review {
            label: "Extra November board".into(),
            date: "2020-11-15".into(),
            seq: Seq(9),
            former_labels: Vec::new(),
        });
        let e = resolve("Nov 2020", &two).unwrap_err();
        assert!(matches!(e, AsOfError::Ambiguous { .. }), "{e}");
        assert!(matches!(resolve("x", &[]), Err(AsOfError::NoReviews(_))));
    }
}

//! Reading a point in the plan's life: "RAG November 20", "Nov 2020", "2020-11",
//! "2020-11-30" or "latest" → the review it names (no I/O, no clock).

use chrono::NaiveDate;

use crate::dates::{parse_date_text, YearMonth};
use crate::plan::Review;

/// The review a point resolved to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ResolvedPoint {
    pub label: String,
    pub date: String,
}

/// Why a point names no single review.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AsOfError {
    #[error("the plan has no reviews yet, so there is no point {0:?} to show")]
    NoReviews(String),
    #[error("{point:?} matches no review; reviews in this plan: {known}")]
    Unknown { point: String, known: String },
    #[error("{point:?} matches several reviews ({matches}); give the full label")]
    Ambiguous { point: String, matches: String },
    #[error("no review is on or before {date}; the first is {first}")]
    BeforeFirst { date: String, first: String },
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
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

/// Resolves `point` against the plan's reviews (in any order).
///
/// In order: `latest`; an exact label (ignoring case and spacing); a date `YYYY-MM-DD`
/// (the latest review on or before it); a month ("November 20", "Nov 2020", "2020-11"),
/// matching the review dated in that month or labelled with it.
pub fn resolve(point: &str, reviews: &[Review]) -> Result<ResolvedPoint, AsOfError> {
    let mut by_date: Vec<&Review> = reviews.iter().collect();
    by_date.sort_by(|a, b| a.date.cmp(&b.date).then(a.seq.cmp(&b.seq)));
    let known = || {
        if by_date.is_empty() {
            "(none)".to_string()
        } else {
            by_date
                .iter()
                .map(|r| describe(r))
                .collect::<Vec<_>>()
                .join(", ")
        }
    };
    let Some(last) = by_date.last() else {
        return Err(AsOfError::NoReviews(point.to_string()));
    };
    let wanted = normalise(point);
    if wanted == "latest" {
        return Ok(found(last));
    }
    let named = |r: &&&Review| {
        normalise(&r.label) == wanted || r.former_labels.iter().any(|l| normalise(l) == wanted)
    };
    if let Some(r) = by_date.iter().find(named) {
        return Ok(found(r));
    }
    if let Ok(d) = NaiveDate::parse_from_str(point.trim(), "%Y-%m-%d") {
        let d = d.format("%Y-%m-%d").to_string();
        return match by_date.iter().rev().find(|r| r.date <= d) {
            Some(r) => Ok(found(r)),
            None => Err(AsOfError::BeforeFirst {
                date: d,
                first: describe(by_date[0]),
            }),
        };
    }
    let month = parse_date_text(point);
    if let (Some(ym), None) = (month.month, month.note) {
        let matches: Vec<&&Review> = by_date
            .iter()
            .filter(|r| review_month(r) == Some(ym) || label_month(r) == Some(ym))
            .collect();
        match matches.as_slice() {
            [one] => return Ok(found(one)),
            [] => {}
            many => {
                return Err(AsOfError::Ambiguous {
                    point: point.to_string(),
                    matches: many
                        .iter()
                        .map(|r| describe(r))
                        .collect::<Vec<_>>()
                        .join(", "),
                })
            }
        }
    }
    Err(AsOfError::Unknown {
        point: point.to_string(),
        known: known(),
    })
}

/// The label of the review `given` names, for options that write (`--review`): its current
/// label in any case and spacing, or its month ("Nov 2020", "2020-11", a date in it) when
/// exactly one review falls in it. Former labels and "latest" are left to `--as-of`: a write
/// must not land on a review the user did not name. A name that matches nothing is returned as given, and
/// the plan's rules refuse it, listing the reviews there are.
pub fn review_label(given: &str, reviews: &[Review]) -> String {
    let wanted = normalise(given);
    if let Some(r) = reviews.iter().find(|r| normalise(&r.label) == wanted) {
        return r.label.clone();
    }
    let month = parse_date_text(given);
    if let (Some(ym), None) = (month.month, month.note) {
        let mut matches = reviews
            .iter()
            .filter(|r| review_month(r) == Some(ym) || label_month(r) == Some(ym));
        if let (Some(one), None) = (matches.next(), matches.next()) {
            return one.label.clone();
        }
    }
    given.to_string()
}

fn review_month(r: &Review) -> Option<YearMonth> {
    let d = NaiveDate::parse_from_str(&r.date, "%Y-%m-%d").ok()?;
    use chrono::Datelike;
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
            assert_eq!(review_label(given, &r), "RAG November 20", "{given}");
        }
        // Not for a write: "latest" (or a former label) could land on a review nobody named.
        for given in ["latest", "RAG June 30", "June 2020"] {
            assert_eq!(review_label(given, &r), given);
        }
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

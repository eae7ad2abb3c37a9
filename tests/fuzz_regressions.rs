//! Inputs the fuzz targets under `fuzz/` found, kept as tests (see docs/fuzzing.md).
//!
//! Each test names the target that found its input, and failed until the finding was fixed.

use readiness_ledger::bounds::time_bound as parse_bound;
use readiness_ledger::entry::parse_timestamp;

/// What `parse_bound` makes of `input`, when it is not an entry timestamp.
fn bad_bounds(inputs: &[&str]) -> Vec<String> {
    let mut bad = Vec::new();
    for input in inputs {
        for end_of_day in [false, true] {
            if let Ok(t) = parse_bound("--known-at", input, end_of_day) {
                if parse_timestamp(&t).is_none() {
                    bad.push(format!("{input:?} (end of day {end_of_day}) -> {t:?}"));
                }
            }
        }
    }
    bad
}

/// Target `asof_dates`: bounds inside years 0000..=9999 are entry timestamps, which
/// `--since`, `--until` and `--known-at` compare as strings with `recorded_at`.
#[test]
fn bounds_in_four_digit_years_are_entry_timestamps() {
    let bad = bad_bounds(&[
        "2020-11-30",
        "0000-01-01",
        "9999-12-31",
        "2021-01-15T09:30:00Z",
        "2021-01-15T09:30:00.123456789+05:30",
        "9999-12-31T22:59:59-01:00",
    ]);
    assert!(bad.is_empty(), "{bad:#?}");
}

/// Target `asof_dates` found `-2021-10-1`: a year outside 0000..=9999 (written so, or
/// reached by an RFC 3339 offset) becomes a bound with a sign, `-2021-10-01T00:00:00.000000Z`
/// or `+10000-01-01T…`, which is no entry timestamp. Compared as a string, '+' and '-'
/// sort before every digit, so `--until +10000-01-01` or
/// `--known-at 9999-12-31T23:59:59-01:00` (a time after every entry) selects nothing,
/// as if before the first entry. Fixed: `cli::log::parse_bound` refuses such years.
#[test]
fn bounds_outside_four_digit_years_are_refused_or_entry_timestamps() {
    let bad = bad_bounds(&[
        "-2021-10-1",
        "+10000-01-01",
        "9999-12-31T23:59:59-01:00",
        "0000-01-01T00:00:00+01:00",
    ]);
    assert!(bad.is_empty(), "{bad:#?}");
}

//! Reading a point in transaction time (`--known-at`, `--since`, `--until`, the server's
//! `known_at`) as the entries write their times, so bounds compare with them as text.

use chrono::{DateTime, Utc};

use crate::dates::read_day;
use crate::entry::format_timestamp;

/// Why a time bound could not be read; the message names the option it was given to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct BoundError(pub String);

/// A day in any form [`read_day`] reads (its first or last microsecond, by `end_of_day`) or
/// an RFC 3339 time, in entry timestamp form; `flag` names the option in errors.
pub fn time_bound(flag: &str, s: &str, end_of_day: bool) -> Result<String, BoundError> {
    let forms = "give a date (2021-01-15, 15/01/2021 or 15 January 2021) or an RFC 3339 time (2021-01-15T09:30:00Z)";
    let day = read_day(s).map_err(|e| BoundError(format!("{flag} {e}; {forms}")))?;
    let bound = if let Some(t) = day.and_then(|d| {
        if end_of_day {
            d.and_hms_micro_opt(23, 59, 59, 999_999)
        } else {
            d.and_hms_opt(0, 0, 0)
        }
    }) {
        format_timestamp(t.and_utc())
    } else {
        DateTime::parse_from_rfc3339(s)
            .map(|t| format_timestamp(t.with_timezone(&Utc)))
            .map_err(|_| BoundError(format!("{flag} {s:?}: {forms}")))?
    };
    // Bounds compare with entry times as text: only the entries' own four-digit-year form
    // compares right (a signed year such as "+10000-..." sorts before every entry).
    if crate::entry::parse_timestamp(&bound).is_none() {
        return Err(BoundError(format!(
            "{flag} {s:?}: the year (in UTC) must be from 0000 to 9999"
        )));
    }
    Ok(bound)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_cover_their_whole_day_and_times_are_kept() {
        assert_eq!(
            time_bound("--known-at", "15/01/2021", true).unwrap(),
            "2021-01-15T23:59:59.999999Z"
        );
        assert_eq!(
            time_bound("--since", "2021-01-15", false).unwrap(),
            "2021-01-15T00:00:00.000000Z"
        );
        assert_eq!(
            time_bound("--known-at", "2021-01-15T09:30:00+01:00", true).unwrap(),
            "2021-01-15T08:30:00.000000Z"
        );
        let e = time_bound("--known-at", "soon", true).unwrap_err();
        assert!(e.0.starts_with("--known-at \"soon\""), "{e}");
    }
}

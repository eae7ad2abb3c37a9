//! Dates as a UK reader writes them ("28 February 2021"), for the board report's body.

use chrono::NaiveDate;

/// "2021-02-28" or an RFC 3339 time ("2021-02-28T10:00:00Z") as "28 February 2021"; text
/// that starts with no such date is returned as it is.
pub fn uk_date(iso: &str) -> String {
    iso.get(..10)
        .and_then(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok())
        .map_or_else(|| iso.to_string(), |d| d.format("%-d %B %Y").to_string())
}

/// A review's date as a chart label in two short lines: ("Feb", "21").
pub fn month_year_short(iso: &str) -> Option<(String, String)> {
    let d = NaiveDate::parse_from_str(iso.get(..10)?, "%Y-%m-%d").ok()?;
    Some((d.format("%b").to_string(), d.format("%y").to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_uk_way() {
        assert_eq!(uk_date("2021-02-28"), "28 February 2021");
        assert_eq!(uk_date("2026-11-03T11:41:12.970876Z"), "3 November 2026");
        assert_eq!(uk_date("Phase 2"), "Phase 2");
        assert_eq!(
            month_year_short("2020-08-31"),
            Some(("Aug".to_string(), "20".to_string()))
        );
    }
}

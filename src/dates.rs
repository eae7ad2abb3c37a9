//! Reads the free-text dates found in WSoA tables ("February 2020", "Phase 1: October 2020",
//! "RAG November 20") down to a year and month, keeping the original text alongside.
//!
//! Plans only ever schedule and review by month, so a month is all that is extracted; the text
//! is always kept because it is the authority when the reading is doubtful.

use chrono::NaiveDate;

/// A calendar month of a given year, the granularity at which plans schedule and review.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct YearMonth {
    pub year: i32,
    pub month: u32,
}

impl YearMonth {
    /// Builds a year-month, refusing month numbers outside 1..=12 so bad input never becomes a date.
    pub fn new(year: i32, month: u32) -> Option<YearMonth> {
        (1..=12)
            .contains(&month)
            .then_some(YearMonth { year, month })
    }
}

impl std::fmt::Display for YearMonth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}", self.year, self.month)
    }
}

/// A date cell as written, plus the month read from it when there is one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DateText {
    /// The cell text exactly as given.
    pub text: String,
    /// The month read from the text; `None` when no month and year could be found.
    pub month: Option<YearMonth>,
    /// Set when the month was read by correcting or choosing (a typo, several dates), so the
    /// caller can warn that the reading deserves a human look.
    pub note: Option<String>,
}

const MONTHS: [&str; 12] = [
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
];

/// Reads a month and year out of free text, keeping the text unchanged.
///
/// Accepted forms: a month name or abbreviation ("Sept", "Oct.") followed by a 4-digit or
/// 2-digit year (2-digit years are 20xx), optionally with a day between ("October 15, 2020");
/// "Oct-20"; numeric "2020-10", "2020-10-15", "10/2020", "15/10/2020" (day first, as in the
/// UK). Surrounding words such as "Phase 1:" are ignored. When several months appear the first
/// is used and `note` says so.
///
/// A year written with a hyphen in place of a zero ("March 2-21") is read as that year (2021)
/// and `note` says so: '-' sits next to '0' on the keyboard, published plans contain this typo,
/// and a month with a warning is more useful than none. The alternative reading, a day range
/// "2nd to 21st March" with no year, would be no date at all.
pub fn parse_date_text(text: &str) -> DateText {
    let tokens: Vec<&str> = text
        .split(|c: char| c.is_whitespace() || ",;:()–—".contains(c))
        .map(|t| t.trim_end_matches('.'))
        .filter(|t| !t.is_empty())
        .collect();
    let mut found: Vec<(YearMonth, Option<String>)> = Vec::new();
    let mut i = 0;
    while i < tokens.len() {
        let (hit, used) = read_at(&tokens, i);
        if let Some(hit) = hit {
            found.push(hit);
        }
        i += used.max(1);
    }
    let mut found = found.into_iter();
    let Some((month, mut note)) = found.next() else {
        return DateText {
            text: text.to_string(),
            month: None,
            note: None,
        };
    };
    if found.any(|(other, _)| other != month) {
        let several = format!("several dates in the text; used the first ({month})");
        note = Some(match note {
            Some(n) => format!("{n}; {several}"),
            None => several,
        });
    }
    DateText {
        text: text.to_string(),
        month: Some(month),
        note,
    }
}

/// Tries to read a date starting at token `i`; returns what was read and how many tokens it used.
fn read_at(tokens: &[&str], i: usize) -> (Option<(YearMonth, Option<String>)>, usize) {
    let token = tokens[i];
    // "Oct-20" / "October-2020": name and year in one token.
    if let Some((name, year)) = token.split_once('-') {
        if let (Some(m), Some((y, note))) = (month_number(name), parse_year(year)) {
            return (YearMonth::new(y, m).map(|ym| (ym, note)), 1);
        }
    }
    if let Some(m) = month_number(token) {
        let next = tokens.get(i + 1).copied();
        let after = tokens.get(i + 2).copied();
        // "October 15 2020" / "October 15th, 2020": skip the day when a 4-digit year follows it.
        if let (Some(day), Some(year)) = (next, after) {
            if is_day(day) && is_four_digits(year) {
                let y = year.parse().ok();
                return (y.and_then(|y| YearMonth::new(y, m)).map(|ym| (ym, None)), 3);
            }
        }
        if let Some((y, note)) = next.and_then(parse_year) {
            return (YearMonth::new(y, m).map(|ym| (ym, note)), 2);
        }
        return (None, 1);
    }
    (numeric_date(token).map(|ym| (ym, None)), 1)
}

/// Month number for a full English month name or a 3+ letter abbreviation ("Sept", "Sep").
fn month_number(word: &str) -> Option<u32> {
    let word = word.trim_end_matches('.').to_lowercase();
    if word.len() < 3 || !word.chars().all(|c| c.is_ascii_alphabetic()) {
        return None;
    }
    let index = MONTHS.iter().position(|m| m.starts_with(word.as_str()))?;
    u32::try_from(index + 1).ok()
}

/// Reads a year token: "2020", "20" or "'20" (20xx), or the "2-21" typo (returned with a note).
fn parse_year(token: &str) -> Option<(i32, Option<String>)> {
    let token = token.trim_start_matches(['\'', '’']);
    if is_four_digits(token) {
        return token.parse().ok().map(|y| (y, None));
    }
    if token.len() == 2 && token.chars().all(|c| c.is_ascii_digit()) {
        return token.parse::<i32>().ok().map(|y| (2000 + y, None));
    }
    let hyphens = token.chars().filter(|&c| c == '-').count();
    if token.len() == 4 && hyphens == 1 && token.chars().all(|c| c == '-' || c.is_ascii_digit()) {
        let fixed = token.replace('-', "0");
        let year: i32 = fixed.parse().ok()?;
        if (2000..=2099).contains(&year) {
            let note = format!("read the year \"{token}\" as {year} (a '-' typed for a '0')");
            return Some((year, Some(note)));
        }
    }
    None
}

/// Numeric dates: "2020-10", "2020/10/15", "10/2020", "15/10/2020", "15.10.20" (day first).
fn numeric_date(token: &str) -> Option<YearMonth> {
    let parts: Vec<&str> = token.split(['-', '/', '.']).collect();
    if parts.len() < 2
        || !parts
            .iter()
            .all(|p| !p.is_empty() && p.chars().all(|c| c.is_ascii_digit()))
    {
        return None;
    }
    let num = |s: &str| s.parse::<u32>().ok();
    let (year, month) = match parts.as_slice() {
        [y, m] | [y, m, _] if y.len() == 4 && m.len() <= 2 => (y.parse().ok()?, num(m)?),
        [m, y] if y.len() == 4 && m.len() <= 2 => (y.parse().ok()?, num(m)?),
        [d, m, y] if d.len() <= 2 && m.len() <= 2 && (y.len() == 4 || y.len() == 2) => {
            let y: i32 = y.parse().ok()?;
            (if y < 100 { 2000 + y } else { y }, num(m)?)
        }
        _ => return None,
    };
    YearMonth::new(year, month)
}

fn is_four_digits(s: &str) -> bool {
    s.len() == 4 && s.chars().all(|c| c.is_ascii_digit())
}

/// A day of the month such as "15" or "15th", which may sit between a month name and its year.
fn is_day(s: &str) -> bool {
    let digits = s.trim_end_matches(|c: char| c.is_ascii_alphabetic());
    let suffix = &s[digits.len()..];
    (1..=2).contains(&digits.len())
        && digits.chars().all(|c| c.is_ascii_digit())
        && ["", "st", "nd", "rd", "th"].contains(&suffix.to_lowercase().as_str())
}

/// Reads the month a review column stands for: "RAG November 20" is the review of November 2020.
///
/// The label must start with the word "RAG"; the rest is read like a date cell but must not
/// need correcting, because a review date drives every status in its column.
pub fn parse_review_label(label: &str) -> Option<YearMonth> {
    let label = label.trim();
    let prefix = label.get(..3)?;
    let rest = &label[3..];
    if !prefix.eq_ignore_ascii_case("rag") || !rest.starts_with(char::is_whitespace) {
        return None;
    }
    let date = parse_date_text(rest);
    if date.note.is_some() {
        return None;
    }
    date.month
}

/// Why text typed as a calendar day (`--date`, `--as-of`, `--known-at`) names no day.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DayError {
    #[error("{0:?} is not a date: write it as 2020-12-31, 31/12/2020 or 31 December 2020")]
    Unreadable(String),
    #[error("{text:?} is not a date: there is no month {month}")]
    NoMonth { text: String, month: u32 },
    #[error("{text:?} is not a date: there is no day {day} in {month} (it has {days} days)")]
    NoDay {
        text: String,
        day: u32,
        month: String,
        days: u32,
    },
}

/// Reads a calendar day typed by a user: `2020-12-31`, `31/12/2020` (day first, as in the
/// UK; one or two digits for day and month) or `31 December 2020` / `31 Dec 2020` /
/// `31st December 2020`. Years have four digits.
///
/// `Ok(None)` when the text is not written as a day at all (it may be a review label or a
/// month); an error when it is written as one that does not exist (`31/02/2021`).
pub fn read_day(text: &str) -> Result<Option<NaiveDate>, DayError> {
    let Some((year, month, day)) = day_parts(text.trim()) else {
        return Ok(None);
    };
    let Some(ym) = YearMonth::new(year, month) else {
        return Err(DayError::NoMonth {
            text: text.to_string(),
            month,
        });
    };
    match NaiveDate::from_ymd_opt(year, month, day) {
        Some(d) => Ok(Some(d)),
        None => {
            use chrono::Datelike;
            let name = MONTHS[month as usize - 1];
            Err(DayError::NoDay {
                text: text.to_string(),
                day,
                month: format!("{}{} {year}", name[..1].to_uppercase(), &name[1..]),
                days: last_day_of_month(ym).day(),
            })
        }
    }
}

/// [`read_day`] for a value that must be a day.
pub fn parse_day(text: &str) -> Result<NaiveDate, DayError> {
    read_day(text)?.ok_or_else(|| DayError::Unreadable(text.to_string()))
}

/// Year, month and day of a day written in one of [`read_day`]'s forms, unchecked.
fn day_parts(t: &str) -> Option<(i32, u32, u32)> {
    let digits = |s: &str, min: usize, max: usize| {
        (min..=max).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_digit())
    };
    let num = |s: &str| s.parse::<u32>().ok();
    if let [y, m, d] = t.split('-').collect::<Vec<_>>()[..] {
        if digits(y, 4, 4) && digits(m, 1, 2) && digits(d, 1, 2) {
            return Some((y.parse().ok()?, num(m)?, num(d)?));
        }
    }
    if let [d, m, y] = t.split('/').collect::<Vec<_>>()[..] {
        if digits(d, 1, 2) && digits(m, 1, 2) && digits(y, 4, 4) {
            return Some((y.parse().ok()?, num(m)?, num(d)?));
        }
    }
    let words: Vec<&str> = t
        .split(|c: char| c.is_whitespace() || c == ',')
        .filter(|w| !w.is_empty())
        .collect();
    if let [d, m, y] = words[..] {
        let d = d.trim_end_matches(|c: char| c.is_ascii_alphabetic());
        if is_day(words[0]) && digits(d, 1, 2) && digits(y, 4, 4) {
            return Some((y.parse().ok()?, month_number(m)?, num(d)?));
        }
    }
    None
}

/// The label a review of `ym` gets when a table names it only by its month ("Nov 2020",
/// "30/11/2020"): "RAG November 20", as the published tables write them; a year outside
/// 2000-2099 is written in full so [`parse_review_label`] reads it back.
pub fn review_label_of(ym: YearMonth) -> String {
    let name = MONTHS[(ym.month.clamp(1, 12) - 1) as usize];
    let mut chars = name.chars();
    let name: String = chars
        .next()
        .map(|c| c.to_ascii_uppercase())
        .into_iter()
        .chain(chars)
        .collect();
    if (2000..=2099).contains(&ym.year) {
        format!("RAG {name} {:02}", ym.year - 2000)
    } else {
        format!("RAG {name} {}", ym.year)
    }
}

/// True when `text` is only a month and year ("Nov 2020", "Nov-20", "30/11/2020",
/// "2020-11"), with no other words, read without correction.
pub fn is_month_only(text: &str) -> bool {
    let words = text
        .split(|c: char| c.is_whitespace() || ",-/.'".contains(c))
        .filter(|w| !w.is_empty());
    let mut any = false;
    for w in words {
        any = true;
        if !w.chars().all(|c| c.is_ascii_digit()) && month_number(w).is_none() {
            return false;
        }
    }
    let date = parse_date_text(text);
    any && date.month.is_some() && date.note.is_none()
}

/// The last day of a month, the date a monthly review is taken to fall on.
///
/// Months outside 1..=12 (only possible by building `YearMonth` by hand) are clamped; years
/// beyond chrono's range give `NaiveDate::MAX` or `NaiveDate::MIN` rather than panicking.
pub fn last_day_of_month(ym: YearMonth) -> NaiveDate {
    let month = ym.month.clamp(1, 12);
    let (year, next) = if month == 12 {
        (ym.year.saturating_add(1), 1)
    } else {
        (ym.year, month + 1)
    };
    NaiveDate::from_ymd_opt(year, next, 1)
        .and_then(|d| d.pred_opt())
        .unwrap_or(if ym.year < 0 {
            NaiveDate::MIN
        } else {
            NaiveDate::MAX
        })
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_month_alone_gets_a_rag_label_that_reads_back() {
        for (ym, label) in [
            (YearMonth::new(2020, 11), "RAG November 20"),
            (YearMonth::new(2021, 2), "RAG February 21"),
            (YearMonth::new(1999, 5), "RAG May 1999"),
        ] {
            let ym = ym.unwrap();
            assert_eq!(review_label_of(ym), label);
            assert_eq!(parse_review_label(label), Some(ym));
        }
    }

    #[test]
    fn month_only_text_has_no_other_words() {
        for yes in ["Nov 2020", "Nov-20", "30/11/2020", "2020-11", "November 20"] {
            assert!(is_month_only(yes), "{yes}");
        }
        for no in [
            "Comments Nov 2020",
            "Start date",
            "",
            "Phase 1: October 2020",
            "Nov",
        ] {
            assert!(!is_month_only(no), "{no}");
        }
    }

    use super::*;

    fn ym(year: i32, month: u32) -> Option<YearMonth> {
        YearMonth::new(year, month)
    }

    fn month(text: &str) -> Option<YearMonth> {
        parse_date_text(text).month
    }

    #[test]
    fn reads_plain_month_year_forms() {
        assert_eq!(month("February 2020"), ym(2020, 2));
        assert_eq!(month("  july 2020 "), ym(2020, 7));
        assert_eq!(month("Sept 2020"), ym(2020, 9));
        assert_eq!(month("Sep. 2020"), ym(2020, 9));
        assert_eq!(month("Oct-20"), ym(2020, 10));
        assert_eq!(month("December '21"), ym(2021, 12));
        assert_eq!(month("15 October 2020"), ym(2020, 10));
        assert_eq!(month("October 15th, 2020"), ym(2020, 10));
    }

    #[test]
    fn reads_numeric_forms() {
        assert_eq!(month("2020-10"), ym(2020, 10));
        assert_eq!(month("2020/10/15"), ym(2020, 10));
        assert_eq!(month("10/2020"), ym(2020, 10));
        assert_eq!(month("15/10/2020"), ym(2020, 10));
        assert_eq!(month("15.10.20"), ym(2020, 10));
        assert_eq!(month("2020-13"), None);
    }

    #[test]
    fn ignores_surrounding_words_and_keeps_text() {
        let d = parse_date_text("Phase 1: October 2020");
        assert_eq!(d.text, "Phase 1: October 2020");
        assert_eq!(d.month, ym(2020, 10));
        assert_eq!(d.note, None);
        assert_eq!(month("Phase 2: January 2021"), ym(2021, 1));
    }

    #[test]
    fn hyphen_for_zero_typo_is_read_with_a_note() {
        let d = parse_date_text("March 2-21");
        assert_eq!(d.month, ym(2021, 3));
        let note = d.note.unwrap_or_default();
        assert!(note.contains("2-21") && note.contains("2021"), "{note}");
    }

    #[test]
    fn several_dates_use_the_first_with_a_note() {
        let d = parse_date_text("Phase 1: October 2020, Phase 2: January 2021");
        assert_eq!(d.month, ym(2020, 10));
        assert!(d.note.is_some());
    }

    #[test]
    fn text_without_month_and_year_gives_none() {
        for text in [
            "",
            "TBC",
            "Ongoing",
            "2021",
            "March",
            "Spring 2021",
            "21/22",
            "Q3 2020",
        ] {
            let d = parse_date_text(text);
            assert_eq!(d.month, None, "{text}");
            assert_eq!(d.text, text);
        }
    }

    #[test]
    fn review_labels() {
        assert_eq!(parse_review_label("RAG November 20"), ym(2020, 11));
        assert_eq!(parse_review_label("RAG May 20"), ym(2020, 5));
        assert_eq!(parse_review_label("rag August 2022"), ym(2022, 8));
        assert_eq!(parse_review_label("RAG Sept 21"), ym(2021, 9));
        assert_eq!(parse_review_label("November 20"), None);
        assert_eq!(parse_review_label("RAGNovember 20"), None);
        assert_eq!(parse_review_label("RAG"), None);
        assert_eq!(parse_review_label("RAG March 2-21"), None);
        assert_eq!(parse_review_label("RAG rating"), None);
    }

    #[test]
    fn reads_a_typed_day_in_iso_uk_and_long_forms() {
        let d = NaiveDate::from_ymd_opt(2020, 12, 31);
        for text in [
            "2020-12-31",
            " 31/12/2020 ",
            "31 December 2020",
            "31 Dec 2020",
            "31 Dec. 2020",
            "31st december, 2020",
        ] {
            assert_eq!(read_day(text), Ok(d), "{text}");
        }
        assert_eq!(
            read_day("1/2/2021"),
            Ok(NaiveDate::from_ymd_opt(2021, 2, 1))
        );
        assert_eq!(
            read_day("2021-2-1"),
            Ok(NaiveDate::from_ymd_opt(2021, 2, 1))
        );
    }

    #[test]
    fn text_that_is_not_a_day_is_left_to_other_readings() {
        for text in [
            "RAG November 20",
            "Nov 2020",
            "2020-11",
            "11/2020",
            "latest",
            "31/12/20",
            "31 Smarch 2020",
            "",
        ] {
            assert_eq!(read_day(text), Ok(None), "{text}");
        }
        assert_eq!(
            parse_day("soon").unwrap_err().to_string(),
            "\"soon\" is not a date: write it as 2020-12-31, 31/12/2020 or 31 December 2020"
        );
    }

    #[test]
    fn a_day_that_does_not_exist_is_an_error_saying_why() {
        assert_eq!(
            read_day("31/02/2021").unwrap_err().to_string(),
            "\"31/02/2021\" is not a date: there is no day 31 in February 2021 (it has 28 days)"
        );
        assert!(matches!(
            read_day("29 Feb 2021"),
            Err(DayError::NoDay { days: 28, .. })
        ));
        assert_eq!(
            read_day("29/2/2020"),
            Ok(NaiveDate::from_ymd_opt(2020, 2, 29))
        );
        assert!(matches!(
            read_day("2021-13-01"),
            Err(DayError::NoMonth { month: 13, .. })
        ));
        assert!(matches!(read_day("0/1/2021"), Err(DayError::NoDay { .. })));
    }

    #[test]
    fn last_days() {
        let d = |y, m, day| NaiveDate::from_ymd_opt(y, m, day);
        let last = |y, m| YearMonth::new(y, m).map(last_day_of_month);
        assert_eq!(last(2020, 11), d(2020, 11, 30));
        assert_eq!(last(2020, 2), d(2020, 2, 29));
        assert_eq!(last(2021, 2), d(2021, 2, 28));
        assert_eq!(last(2022, 12), d(2022, 12, 31));
        assert_eq!(last(2020, 5), d(2020, 5, 31));
        let huge = YearMonth {
            year: i32::MAX,
            month: 12,
        };
        assert_eq!(last_day_of_month(huge), NaiveDate::MAX);
    }
}

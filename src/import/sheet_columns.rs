//! Names a tracker's columns from their header text ("No.", "Action owner", "RAG Nov 20",
//! "30/11/2020"), case-insensitively, so the reader finds them wherever they stand.

use super::wsoa::ReviewColumn;
use crate::dates::{
    is_month_only, last_day_of_month, parse_date_text, parse_review_label, review_label_of,
};

/// A text column of an action row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Number,
    Outcome,
    Action,
    Start,
    End,
    Lead,
    Measures,
    Evidence,
}

impl Field {
    /// The column's name in messages.
    pub fn name(self) -> &'static str {
        match self {
            Field::Number => "Number",
            Field::Outcome => "Outcomes",
            Field::Action => "Action",
            Field::Start => "Start date",
            Field::End => "End date",
            Field::Lead => "Lead",
            Field::Measures => "Measures of success",
            Field::Evidence => "Evidence and impact",
        }
    }
}

/// What a header cell names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Column {
    Field(Field),
    /// A status column for one review.
    Review(ReviewColumn),
}

/// Words a status column's header may start with before its month ("Status Nov-20").
const STATUS_WORDS: [&str; 3] = ["status", "review", "progress"];

/// A header starting "RAG" with no month and year in it: a status column that must not be
/// skipped silently.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnreadableRag;

/// Reads a header cell; `Ok(None)` is a column the importer does not read.
pub fn classify(text: &str) -> Result<Option<Column>, UnreadableRag> {
    let text = text.trim();
    let lower = text.to_lowercase();
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let Some(&first) = words.first() else {
        return Ok(None);
    };
    let has = |set: &[&str]| words.iter().any(|w| set.contains(w));
    let field = match words.as_slice() {
        ["number" | "no" | "num" | "ref" | "reference" | "id"]
        | ["action" | "item" | "ref", "number" | "no" | "num" | "ref" | "reference" | "id"] => {
            Some(Field::Number)
        }
        _ if has(&[
            "lead",
            "leads",
            "owner",
            "owners",
            "responsible",
            "responsibility",
        ]) =>
        {
            Some(Field::Lead)
        }
        ["start", ..] => Some(Field::Start),
        ["end" | "due" | "deadline", ..] | ["target" | "completion", "date"] => Some(Field::End),
        ["action" | "actions", ..] => Some(Field::Action),
        _ if has(&["outcome", "outcomes"]) => Some(Field::Outcome),
        _ if has(&["measure", "measures", "success"]) => Some(Field::Measures),
        _ if has(&["evidence", "impact"]) => Some(Field::Evidence),
        _ => None,
    };
    if let Some(f) = field {
        return Ok(Some(Column::Field(f)));
    }
    if first == "rag" {
        let month = parse_review_label(text).ok_or(UnreadableRag)?;
        return Ok(Some(review(text.to_string(), month)));
    }
    let rest = match text.split_once(char::is_whitespace) {
        Some((word, rest)) if STATUS_WORDS.contains(&word.to_lowercase().as_str()) => rest,
        _ => text,
    };
    if is_month_only(rest) {
        if let Some(month) = parse_date_text(rest).month {
            return Ok(Some(review(review_label_of(month), month)));
        }
    }
    Ok(None)
}

fn review(label: String, month: crate::dates::YearMonth) -> Column {
    Column::Review(ReviewColumn {
        label,
        date: last_day_of_month(month),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn field(text: &str) -> Option<Field> {
        match classify(text) {
            Ok(Some(Column::Field(f))) => Some(f),
            _ => None,
        }
    }

    fn label(text: &str) -> Option<String> {
        match classify(text) {
            Ok(Some(Column::Review(r))) => Some(r.label),
            _ => None,
        }
    }

    #[test]
    fn text_columns_are_found_by_name_in_any_case() {
        let cases = [
            ("Number", Field::Number),
            ("No.", Field::Number),
            ("REF", Field::Number),
            ("ID", Field::Number),
            ("Action No", Field::Number),
            ("Action", Field::Action),
            ("Actions", Field::Action),
            ("Outcomes", Field::Outcome),
            ("Expected outcome", Field::Outcome),
            ("Lead", Field::Lead),
            ("Action owner", Field::Lead),
            ("Responsible officer", Field::Lead),
            ("Start date", Field::Start),
            ("start", Field::Start),
            ("End date", Field::End),
            ("Due", Field::End),
            ("Due date", Field::End),
            ("Deadline", Field::End),
            ("Measures of success", Field::Measures),
            ("Success measures", Field::Measures),
            ("Evidence and impact", Field::Evidence),
            ("Impact", Field::Evidence),
        ];
        for (text, want) in cases {
            assert_eq!(field(text), Some(want), "{text}");
        }
    }

    #[test]
    fn status_columns_are_named_by_a_review_label_or_a_month() {
        assert_eq!(label("RAG Nov 20").as_deref(), Some("RAG Nov 20"));
        assert_eq!(label("RAG November 20").as_deref(), Some("RAG November 20"));
        assert_eq!(label("Nov 2020").as_deref(), Some("RAG November 20"));
        assert_eq!(label("Status Nov-20").as_deref(), Some("RAG November 20"));
        assert_eq!(label("30/11/2020").as_deref(), Some("RAG November 20"));
        assert_eq!(label("2021-02-28").as_deref(), Some("RAG February 21"));
        let Ok(Some(Column::Review(r))) = classify("Nov 2020") else {
            panic!("a review");
        };
        assert_eq!(r.date.to_string(), "2020-11-30");
    }

    #[test]
    fn other_headers_are_not_read_and_an_unreadable_rag_header_is_refused() {
        for text in ["Comments", "Notes Nov 2020", "Date", "", "Status"] {
            assert_eq!(classify(text), Ok(None), "{text}");
        }
        assert_eq!(classify("RAG status"), Err(UnreadableRag));
        assert_eq!(classify("RAG Nov 2x"), Err(UnreadableRag));
    }
}

//! How the dashboard writes dates, RAG marks and links: "28 February 2021", a shape and a
//! word beside every colour, query strings escaped.

use maud::{html, Markup};

use crate::scale::Rag;

/// "2021-02-28" (or an RFC 3339 time) as "28 February 2021"; other text as it is.
pub fn uk_date(iso: &str) -> String {
    let day = iso.get(..10).unwrap_or(iso);
    match chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d") {
        Ok(d) => d.format("%-d %B %Y").to_string(),
        Err(_) => iso.to_string(),
    }
}

/// An RFC 3339 entry time as "28 February 2021, 09:30 UTC".
pub fn uk_time(rfc3339: &str) -> String {
    match rfc3339.get(11..16) {
        Some(hm) if rfc3339.len() > 16 => format!("{}, {hm} UTC", uk_date(rfc3339)),
        _ => uk_date(rfc3339),
    }
}

/// Percent-encodes `value` for a query string or a path segment.
pub fn query_escape(value: &str) -> String {
    crate::cli::http_client::encode(value)
}

/// The shape that stands for each RAG, so that colour is never the only sign.
pub fn rag_shape(rag: Rag) -> &'static str {
    match rag {
        Rag::Red => "\u{25B2}",   // triangle: needs attention
        Rag::Amber => "\u{25C6}", // diamond
        Rag::Green => "\u{25CF}", // circle
        Rag::Blue => "\u{2605}",  // star: done
    }
}

/// A status as the dashboard shows it: shape, text, and the RAG named for screen readers.
pub fn status_mark(text: &str, rag: Option<Rag>) -> Markup {
    html! {
        @if let Some(r) = rag {
            span.shape aria-hidden="true" { (rag_shape(r)) } " "
            (text)
            span.sr { " (" (r.as_str()) ")" }
        } @else {
            (text)
        }
    }
}

/// The class of a RAG-coloured cell.
pub fn rag_class(rag: Option<Rag>) -> &'static str {
    match rag {
        Some(Rag::Red) => "rag rag-red",
        Some(Rag::Amber) => "rag rag-amber",
        Some(Rag::Green) => "rag rag-green",
        Some(Rag::Blue) => "rag rag-blue",
        None => "",
    }
}

/// The key to the shapes and colours.
pub fn legend() -> Markup {
    html! {
        ul.legend aria-label="RAG key" {
            @for r in [Rag::Red, Rag::Amber, Rag::Green, Rag::Blue] {
                li class=(rag_class(Some(r))) {
                    span.shape aria-hidden="true" { (rag_shape(r)) } " " (r.as_str())
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_read_the_uk_way() {
        assert_eq!(uk_date("2021-02-28"), "28 February 2021");
        assert_eq!(uk_date("2020-11-01T09:30:00Z"), "1 November 2020");
        assert_eq!(
            uk_time("2020-11-01T09:30:00.123Z"),
            "1 November 2020, 09:30 UTC"
        );
        assert_eq!(uk_date("Phase 1: October 2020"), "Phase 1: October 2020");
    }
}

//! The plan's status vocabulary: ordered statuses, each with a RAG colour.
//!
//! The order matters: it is how "improved" and "worsened" are decided between reviews.

use serde::{Deserialize, Serialize};

/// A RAG colour (plus blue, which many plans use for "embedded" or "complete and sustained").
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rag {
    Red,
    Amber,
    Green,
    Blue,
}

impl Rag {
    /// The lowercase name used in the entry format and in reports.
    pub fn as_str(self) -> &'static str {
        match self {
            Rag::Red => "red",
            Rag::Amber => "amber",
            Rag::Green => "green",
            Rag::Blue => "blue",
        }
    }

    /// The colour a word names ("Red", " blue "), ignoring case and surrounding spaces.
    pub fn from_word(word: &str) -> Option<Rag> {
        [Rag::Red, Rag::Amber, Rag::Green, Rag::Blue]
            .into_iter()
            .find(|r| r.as_str().eq_ignore_ascii_case(word.trim()))
    }
}

/// One status of the scale.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScaleStatus {
    pub name: String,
    pub rag: Rag,
}

/// The ordered statuses a plan uses, worst first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct StatusScale(pub Vec<ScaleStatus>);

impl StatusScale {
    /// The City of York WSoA scale, the default for new plans.
    pub fn york() -> StatusScale {
        let s = |name: &str, rag| ScaleStatus {
            name: name.to_string(),
            rag,
        };
        StatusScale(vec![
            s("Not started", Rag::Red),
            s("Started but delayed", Rag::Red),
            s("Progressing but delayed", Rag::Amber),
            s("Progressing and on track", Rag::Green),
            s("Completed", Rag::Green),
            s("Embedded", Rag::Blue),
        ])
    }

    /// Position of a status in the scale (0 = worst), matched exactly.
    pub fn rank(&self, status: &str) -> Option<usize> {
        self.0.iter().position(|s| s.name == status)
    }

    /// The scale's own spelling of `input`, ignoring case and repeated spaces.
    pub fn resolve(&self, input: &str) -> Option<&ScaleStatus> {
        let wanted = normalise(input);
        self.0.iter().find(|s| normalise(&s.name) == wanted)
    }

    /// The RAG colour of an exactly spelt status.
    pub fn rag(&self, status: &str) -> Option<Rag> {
        self.0.iter().find(|s| s.name == status).map(|s| s.rag)
    }

    /// Status names in order, for messages and for the importer.
    pub fn names(&self) -> Vec<&str> {
        self.0.iter().map(|s| s.name.as_str()).collect()
    }

    /// Checks the scale is usable: at least one status, no blank or repeated names.
    pub fn check(&self) -> Result<(), String> {
        if self.0.is_empty() {
            return Err("the status scale has no statuses".into());
        }
        for (i, s) in self.0.iter().enumerate() {
            if s.name.trim().is_empty() || s.name.trim() != s.name {
                return Err(format!(
                    "status {} of the scale has a blank name or surrounding spaces",
                    i + 1
                ));
            }
            if self.0[..i]
                .iter()
                .any(|t| normalise(&t.name) == normalise(&s.name))
            {
                return Err(format!("status {:?} appears twice in the scale", s.name));
            }
        }
        Ok(())
    }
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn york_scale_is_ordered_worst_first() {
        let s = StatusScale::york();
        assert!(s.rank("Not started") < s.rank("Completed"));
        assert_eq!(s.rank("Embedded"), Some(5));
        assert_eq!(s.rag("Progressing but delayed"), Some(Rag::Amber));
        assert!(s.check().is_ok());
    }

    #[test]
    fn resolve_ignores_case_and_spacing_but_rank_is_exact() {
        let s = StatusScale::york();
        assert_eq!(
            s.resolve("progressing  AND on track").unwrap().name,
            "Progressing and on track"
        );
        assert!(s.resolve("Progresing").is_none());
        assert_eq!(s.rank("completed"), None);
    }

    #[test]
    fn colour_words_are_read_in_any_case() {
        assert_eq!(Rag::from_word(" BLUE "), Some(Rag::Blue));
        assert_eq!(Rag::from_word("amber"), Some(Rag::Amber));
        assert_eq!(Rag::from_word("Bluish"), None);
    }

    #[test]
    fn check_rejects_duplicates_and_blanks() {
        let mut s = StatusScale::york();
        s.0.push(ScaleStatus {
            name: "completed".into(),
            rag: Rag::Green,
        });
        assert!(s.check().unwrap_err().contains("twice"));
        assert!(StatusScale(vec![]).check().is_err());
    }
}

//! A council's status legend: the scale it defines and the words its tables use for each
//! step ("Red", "Blue", "On track"), read from a small text file; pure (bytes in, data out).
//!
//! The file, one entry a line (blank lines and lines starting with `#` are skipped):
//!
//! ```text
//! # The scale, worst first: each status with its RAG colour in brackets
//! Off track (red)
//! On track (green)
//! Complete (blue)
//! # Words a table uses, each read as one of the scale's statuses
//! Red = Off track
//! Green = On track
//! Blue = Complete
//! ```
//!
//! `init --scale` makes the scale from the first kind of line; `import --legend` reads the
//! second kind against the plan's scale (first-kind lines there must agree with it). A colour
//! means different things in different councils, so a colour word is only ever read through a
//! line of the legend that says what it means.

use std::collections::HashMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use super::error::ImportError;
use super::wsoa::WsoaTable;
use crate::scale::{Rag, ScaleStatus, StatusScale};

/// A legend file as read: its scale lines and its word lines, each with its line number.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Legend {
    pub used: LegendUsed,
    /// "Name (colour)" lines, in the file's order (worst first).
    pub steps: Vec<(usize, ScaleStatus)>,
    /// "Word = Status" lines: the word as written and the status it names, as written.
    pub words: Vec<(usize, String, String)>,
}

/// Which legend a table was read with, for the record: its file name and the SHA-256 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LegendUsed {
    pub file_name: String,
    pub sha256: String,
}

impl Legend {
    /// Reads a legend file; `file_name` names it in messages.
    pub fn parse(file_name: &str, bytes: &[u8]) -> Result<Legend, ImportError> {
        let bad = |line: usize, detail: String| ImportError::LegendLine {
            file: file_name.to_string(),
            line,
            detail,
        };
        let text = std::str::from_utf8(bytes).map_err(|e| {
            bad(
                1,
                format!("not UTF-8 text (invalid byte at {})", e.valid_up_to()),
            )
        })?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut legend = Legend {
            used: LegendUsed {
                file_name: file_name.to_string(),
                sha256: crate::hex::encode(&Sha256::digest(bytes)),
            },
            steps: Vec::new(),
            words: Vec::new(),
        };
        let mut seen: HashMap<String, usize> = HashMap::new();
        for (i, raw) in text.lines().enumerate() {
            let (line, entry) = (i + 1, raw.trim());
            if entry.is_empty() || entry.starts_with('#') {
                continue;
            }
            let name = if let Some((word, status)) = entry.split_once('=') {
                let (word, status) = (word.trim(), status.trim());
                if word.is_empty() || status.is_empty() {
                    return Err(bad(line, format!("\"{entry}\" needs a word before \"=\" and a status after it, like \"Blue = Completed\"")));
                }
                legend
                    .words
                    .push((line, word.to_string(), status.to_string()));
                word
            } else if let Some((name, colour)) = step(entry) {
                let Some(rag) = Rag::from_word(colour) else {
                    return Err(bad(line, format!("\"{colour}\" is not a RAG colour; write red, amber, green or blue in the brackets")));
                };
                legend.steps.push((
                    line,
                    ScaleStatus {
                        name: name.to_string(),
                        rag,
                    },
                ));
                name
            } else {
                return Err(bad(line, format!("\"{entry}\" is neither a status with its colour, like \"Completed (green)\", nor a word with its status, like \"Blue = Completed\"")));
            };
            if let Some(first) = seen.insert(normalise(name), line) {
                return Err(bad(
                    line,
                    format!("\"{name}\" is already given on line {first}; give each word once"),
                ));
            }
        }
        if legend.steps.is_empty() && legend.words.is_empty() {
            return Err(bad(1, "the legend has no entries; give lines like \"Completed (green)\" or \"Blue = Completed\"".into()));
        }
        Ok(legend)
    }

    /// The scale the legend defines, worst first, for a new plan (`init --scale`); its word
    /// lines are checked against it.
    pub fn scale(&self) -> Result<StatusScale, ImportError> {
        if self.steps.is_empty() {
            return Err(ImportError::LegendLine {
                file: self.used.file_name.clone(),
                line: 1,
                detail: "the legend defines no statuses; give each status of the scale, worst first, with its colour, like \"Completed (green)\"".into(),
            });
        }
        let scale = StatusScale(self.steps.iter().map(|(_, s)| s.clone()).collect());
        scale.check().map_err(|detail| ImportError::LegendLine {
            file: self.used.file_name.clone(),
            line: self.steps[0].0,
            detail,
        })?;
        self.vocabulary(&scale)?;
        Ok(scale)
    }

    /// The words tables may use against `scale`: every word line must name one of its
    /// statuses, and every status line must be one of them, with the same colour.
    pub fn vocabulary(&self, scale: &StatusScale) -> Result<Vocabulary, ImportError> {
        let file = &self.used.file_name;
        let names = || scale.names().join(", ");
        for (line, step) in &self.steps {
            let line = *line;
            match scale.resolve(&step.name) {
                None => {
                    return Err(ImportError::LegendStatus {
                        file: file.clone(),
                        line,
                        status: step.name.clone(),
                        scale: names(),
                    })
                }
                Some(s) if s.rag != step.rag => {
                    return Err(ImportError::LegendLine {
                        file: file.clone(),
                        line,
                        detail: format!(
                            "the legend gives \"{}\" the colour {}, the plan's scale gives it {}; make them agree",
                            step.name,
                            step.rag.as_str(),
                            s.rag.as_str()
                        ),
                    })
                }
                Some(_) => {}
            }
        }
        let mut words = Vec::with_capacity(self.words.len());
        for (line, word, status) in &self.words {
            let line = *line;
            let Some(target) = scale.resolve(status) else {
                return Err(ImportError::LegendStatus {
                    file: file.clone(),
                    line,
                    status: status.clone(),
                    scale: names(),
                });
            };
            if let Some(own) = scale.resolve(word).filter(|s| s.name != target.name) {
                return Err(ImportError::LegendLine {
                    file: file.clone(),
                    line,
                    detail: format!(
                        "\"{word}\" is a status of the plan's scale (\"{}\") and cannot also mean \"{}\"",
                        own.name, target.name
                    ),
                });
            }
            words.push((word.clone(), target.name.clone()));
        }
        Ok(Vocabulary {
            scale: scale.names().into_iter().map(String::from).collect(),
            words,
            used: Some(self.used.clone()),
        })
    }
}

/// "Name (colour)": the name and the word in the closing brackets.
fn step(entry: &str) -> Option<(&str, &str)> {
    let inner = entry.strip_suffix(')')?;
    let (name, colour) = inner.rsplit_once('(')?;
    let name = name.trim();
    (!name.is_empty()).then_some((name, colour.trim()))
}

fn normalise(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// The words a table's status cells may hold (the scale's statuses and a legend's words)
/// and how each reads as a status of the scale.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Vocabulary {
    scale: Vec<String>,
    /// A legend's words, as written, with the scale status each means.
    words: Vec<(String, String)>,
    used: Option<LegendUsed>,
}

impl Vocabulary {
    /// The scale's own statuses only: no legend.
    pub fn plain(scale: &StatusScale) -> Vocabulary {
        Vocabulary {
            scale: scale.names().into_iter().map(String::from).collect(),
            words: Vec::new(),
            used: None,
        }
    }

    /// Every word a status cell may hold, for the table readers.
    pub fn words(&self) -> Vec<&str> {
        let legend = self.words.iter().map(|(w, _)| w.as_str());
        self.scale
            .iter()
            .map(String::as_str)
            .chain(legend)
            .collect()
    }

    /// Replaces each status a reader gave (spelt as in [`Vocabulary::words`]) with the scale
    /// status it means, and records the legend used on the table.
    pub fn apply(&self, table: &mut WsoaTable) {
        let meaning: HashMap<&str, &str> = self
            .words
            .iter()
            .map(|(w, s)| (w.as_str(), s.as_str()))
            .collect();
        for area in &mut table.areas {
            for row in &mut area.rows {
                for status in row.statuses.iter_mut().flatten() {
                    if let Some(s) = meaning.get(status.as_str()) {
                        *status = s.to_string();
                    }
                }
            }
        }
        table.legend = self.used.clone();
    }
}

#[cfg(test)]
#[path = "legend_tests.rs"]
mod tests;

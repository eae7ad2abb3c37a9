//! Names as people type them: folding case and spacing, finding an action id, and
//! suggesting the nearest names when one matches nothing (no I/O).

/// A name folded for matching: lower case, runs of white space as one space, trimmed.
pub fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether `s` folds to `folded` (a name already [`fold`]ed): `fold(s) == folded`, without
/// making the folded copy when `s` is ASCII, as labels and ids nearly always are (a write
/// looks its review up by label, and folding every label was a few percent of it).
pub fn folds_to(s: &str, folded: &str) -> bool {
    if !s.is_ascii() {
        return fold(s) == folded;
    }
    let mut rest = folded.as_bytes();
    for (i, word) in s.split_whitespace().enumerate() {
        if i > 0 {
            match rest.split_first() {
                Some((b' ', after)) => rest = after,
                _ => return false,
            }
        }
        let word = word.as_bytes();
        let Some((head, after)) = rest.split_at_checked(word.len()) else {
            return false;
        };
        if !head
            .iter()
            .zip(word)
            .all(|(f, w)| *f == w.to_ascii_lowercase())
        {
            return false;
        }
        rest = after;
    }
    rest.is_empty()
}

/// Levenshtein distance in characters: how many single-character edits turn `a` into `b`.
pub fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let above = row[j + 1];
            row[j + 1] = if ca == *cb {
                diagonal
            } else {
                1 + diagonal.min(above).min(row[j])
            };
            diagonal = above;
        }
    }
    row[b.len()]
}

/// How many suggestions an unknown name gets.
pub const SUGGESTIONS: usize = 3;

/// The (at most [`SUGGESTIONS`]) candidates nearest to `given` by edit distance after
/// folding, nearest first; ties keep the candidates' own order.
pub fn nearest<'a>(given: &str, candidates: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let wanted = fold(given);
    let mut scored: Vec<(usize, usize, &str)> = candidates
        .into_iter()
        .enumerate()
        .map(|(i, c)| (edit_distance(&wanted, &fold(c)), i, c))
        .collect();
    scored.sort_unstable();
    scored
        .into_iter()
        .take(SUGGESTIONS)
        .map(|(_, _, c)| c)
        .collect()
}

/// Why a typed action id names no single action.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActionIdError {
    #[error("unknown action {id:?}; {}to add one: readiness action add {id:?} --area AREA --action TEXT", nearest_note(.nearest))]
    Unknown { id: String, nearest: Vec<String> },
    #[error("action {id:?} could be any of {}, which differ only in case; type one exactly as shown", .matches.join(", "))]
    Ambiguous { id: String, matches: Vec<String> },
}

fn nearest_note(nearest: &[String]) -> String {
    if nearest.is_empty() {
        "the plan has no actions yet; ".to_string()
    } else {
        format!("nearest: {}; ", nearest.join(", "))
    }
}

/// The stored id of the action `typed` names: the id exactly as typed (surrounding spaces
/// aside), else the one id equal to it ignoring case. Several ids differing only in case
/// (possible in ledgers written before that was refused) must be typed exactly.
pub fn action_id<'a>(
    typed: &str,
    ids: impl IntoIterator<Item = &'a str> + Clone,
) -> Result<String, ActionIdError> {
    let typed = typed.trim();
    if let Some(exact) = ids.clone().into_iter().find(|id| *id == typed) {
        return Ok(exact.to_string());
    }
    let wanted = fold(typed);
    let matches: Vec<&str> = ids
        .clone()
        .into_iter()
        .filter(|id| fold(id) == wanted)
        .collect();
    match matches.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(ActionIdError::Unknown {
            id: typed.to_string(),
            nearest: nearest(typed, ids).into_iter().map(String::from).collect(),
        }),
        _ => Err(ActionIdError::Ambiguous {
            id: typed.to_string(),
            matches: matches.iter().map(|m| m.to_string()).collect(),
        }),
    }
}

/// A file name made safe to print: control characters and backslashes escaped
/// (`\n`, `\u{1b}`, `\\`), everything else as given.
pub fn escape_name(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if c.is_control() || c == '\\' {
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    out
}

/// [`escape_name`], cut to at most `max` characters with "…" for tables.
pub fn display_name(name: &str, max: usize) -> String {
    let escaped = escape_name(name);
    if escaped.chars().count() <= max {
        return escaped;
    }
    let mut cut: String = escaped.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    const IDS: [&str; 6] = ["1.1", "1.2", "1.3A", "1.3B", "1.4", "1.5"];

    #[test]
    fn folds_to_answers_as_folding_does() {
        let cases = [
            ("RAG  May 21", "rag may 21", true),
            (" RAG May 21\t", "rag may 21", true),
            ("RAG May 21", "rag may 2", false),
            ("RAG May 2", "rag may 21", false),
            ("RAG May21", "rag may 21", false),
            ("", "", true),
            ("  ", "", true),
            ("RAG", "RAG", false),
            ("Édition 1", "édition 1", true),
            ("ΟΔΟΣ", &fold("ΟΔΟΣ"), true),
        ];
        for (s, folded, same) in cases {
            assert_eq!(folds_to(s, folded), same, "{s:?} {folded:?}");
            assert_eq!(fold(s) == folded, same, "{s:?} {folded:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn folds_to_is_fold_then_compare(
            s in "[a-zA-Z0-9 \t\u{b}\u{c}\r\nÉé]{0,12}",
            t in "[a-zA-Z0-9 \t\u{b}Éé]{0,12}",
        ) {
            let folded = fold(&t);
            proptest::prop_assert_eq!(folds_to(&s, &folded), fold(&s) == folded);
            proptest::prop_assert!(folds_to(&t, &folded));
            // Not only folded targets: raw text, with its capitals and runs of spaces.
            proptest::prop_assert_eq!(folds_to(&s, &t), fold(&s) == t);
        }
    }

    #[test]
    fn folding_ignores_case_and_spacing() {
        assert_eq!(fold("  RAG   November\t20 "), "rag november 20");
    }

    #[test]
    fn edit_distances() {
        assert_eq!(edit_distance("", "abc"), 3);
        assert_eq!(edit_distance("kitten", "sitting"), 3);
        assert_eq!(edit_distance("1.3b", "1.3b"), 0);
        assert_eq!(edit_distance("novmber", "november"), 1);
    }

    #[test]
    fn an_action_id_is_found_in_any_case_and_given_as_stored() {
        assert_eq!(action_id("1.3b", IDS).unwrap(), "1.3B");
        assert_eq!(action_id(" 1.3A ", IDS).unwrap(), "1.3A");
        assert_eq!(action_id("1.1", IDS).unwrap(), "1.1");
    }

    #[test]
    fn an_unknown_action_lists_the_nearest_and_how_to_add_one() {
        let e = action_id("1.3C", IDS).unwrap_err();
        assert_eq!(
            e.to_string(),
            "unknown action \"1.3C\"; nearest: 1.3A, 1.3B, 1.1; \
             to add one: readiness action add \"1.3C\" --area AREA --action TEXT"
        );
        let e = action_id("1.1", []).unwrap_err();
        assert!(e.to_string().contains("no actions yet"), "{e}");
    }

    #[test]
    fn ids_differing_only_in_case_must_be_typed_exactly() {
        let old = ["1.3b", "1.3B"];
        assert_eq!(action_id("1.3b", old).unwrap(), "1.3b");
        assert_eq!(action_id("1.3B", old).unwrap(), "1.3B");
        let e = action_id(" 1.3b", ["1.3B", "1.3b "]).unwrap_err();
        assert_eq!(
            e,
            ActionIdError::Ambiguous {
                id: "1.3b".into(),
                matches: vec!["1.3B".into(), "1.3b ".into()]
            }
        );
    }
}

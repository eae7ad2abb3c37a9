//! Hex identifiers as people type them back: the whole 64 digits, or the short form a
//! listing printed ("3f5a09c2b1e4…"), accepted when exactly one candidate starts with it.
//! Keys and evidence are named this way by the command line and the server alike.

use crate::names::escape_name;

/// The fewest digits a short form may have: fewer would match too much to be meant.
pub const MIN_DIGITS: usize = 6;

/// Why a typed identifier names no one candidate.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ShortHexError {
    #[error("{shown:?} is not {} {what}: give its 64 hex digits, or the first {MIN_DIGITS} or more of them, as `{listing}` shows", article(what))]
    NotHex {
        shown: String,
        what: &'static str,
        listing: &'static str,
    },
    #[error("no {what} in this ledger starts with {wanted}; `{listing}` shows them")]
    Unknown {
        wanted: String,
        what: &'static str,
        listing: &'static str,
    },
    #[error("{wanted} starts {} {what}s: {}; give more digits", found.len(), found.join(", "))]
    Ambiguous {
        wanted: String,
        what: &'static str,
        found: Vec<String>,
    },
}

fn article(what: &str) -> &'static str {
    if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    }
}

/// The one candidate `typed` names (in full, or by a prefix of at least [`MIN_DIGITS`] hex
/// digits, a trailing "…" or "..." allowed), or an error naming `what`, the candidates a
/// prefix fits, and `listing` (the command that shows them).
pub fn resolve<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    what: &'static str,
    listing: &'static str,
) -> Result<String, ShortHexError> {
    let wanted = typed
        .trim()
        .trim_end_matches('…')
        .trim_end_matches("...")
        .to_ascii_lowercase();
    let hex = wanted.bytes().all(|b| b.is_ascii_hexdigit());
    if wanted.len() < MIN_DIGITS || wanted.len() > 64 || !hex {
        return Err(ShortHexError::NotHex {
            shown: escape_name(typed),
            what,
            listing,
        });
    }
    let mut found: Vec<&str> = candidates
        .into_iter()
        .filter(|c| c.starts_with(&wanted))
        .collect();
    found.sort_unstable();
    found.dedup();
    match found.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(ShortHexError::Unknown {
            wanted,
            what,
            listing,
        }),
        many => Err(ShortHexError::Ambiguous {
            wanted,
            what,
            found: many.iter().map(|s| s.to_string()).collect(),
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3f5a09c2b1e4aaaa000000000000000000000000000000000000000000000000";
    const B: &str = "3f5a09c2b1e4bbbb000000000000000000000000000000000000000000000000";

    fn msg(r: Result<String, ShortHexError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn a_short_form_names_its_one_candidate() {
        assert_eq!(resolve("3F5A09C2B1E4AA…", [A, B], "x", "l").unwrap(), A);
        assert_eq!(resolve(B, [A, B], "x", "l").unwrap(), B);
        let both = msg(resolve("3f5a09c2b1e4…", [A, B], "x", "l"));
        assert!(both.contains(A) && both.contains(B), "{both}");
        assert!(both.starts_with("3f5a09c2b1e4 starts 2 xs: "), "{both}");
        assert!(msg(resolve("3f5", [A], "x", "l"))
            .contains("not a x: give its 64 hex digits, or the first 6 or more"));
        assert_eq!(
            msg(resolve("ffffff", [A], "x", "l")),
            "no x in this ledger starts with ffffff; `l` shows them"
        );
        assert!(msg(resolve("nothex", [A], "x", "l")).contains("not a x"));
        assert!(msg(resolve("nothex", [A], "evidence", "l")).contains("not an evidence"));
    }
}

//! Hex identifiers as people type them back: the whole 64 digits, or the short form a
//! listing printed ("3f5a09c2b1e4…"), accepted when exactly one candidate starts with it.

use super::CliError;

/// The fewest digits a short form may have: fewer would match too much to be meant.
pub const MIN_DIGITS: usize = 6;

/// The one candidate `typed` names (in full, or by a prefix of at least [`MIN_DIGITS`] hex
/// digits, a trailing "…" or "..." allowed), or an error naming `what`, the candidates a
/// prefix fits, and `listing` (the command that shows them).
pub fn resolve<'a>(
    typed: &str,
    candidates: impl IntoIterator<Item = &'a str>,
    what: &str,
    listing: &str,
) -> Result<String, CliError> {
    let wanted = typed
        .trim()
        .trim_end_matches('…')
        .trim_end_matches("...")
        .to_ascii_lowercase();
    let shown = crate::store::evidence::escape_name(typed);
    let a = if what.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "an"
    } else {
        "a"
    };
    let hex = wanted.bytes().all(|b| b.is_ascii_hexdigit());
    if wanted.len() < MIN_DIGITS || wanted.len() > 64 || !hex {
        return Err(CliError::Usage(format!(
            "{shown:?} is not {a} {what}: give its 64 hex digits, or the first {MIN_DIGITS} or more of them, as `{listing}` shows"
        )));
    }
    let mut found: Vec<&str> = candidates
        .into_iter()
        .filter(|c| c.starts_with(&wanted))
        .collect();
    found.sort_unstable();
    found.dedup();
    match found.as_slice() {
        [one] => Ok(one.to_string()),
        [] => Err(CliError::Usage(format!(
            "no {what} in this ledger starts with {wanted}; `{listing}` shows them"
        ))),
        many => Err(CliError::Usage(format!(
            "{wanted} starts {} {what}s: {}; give more digits",
            many.len(),
            many.join(", ")
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const A: &str = "3f5a09c2b1e4aaaa000000000000000000000000000000000000000000000000";
    const B: &str = "3f5a09c2b1e4bbbb000000000000000000000000000000000000000000000000";

    fn msg(r: Result<String, CliError>) -> String {
        r.unwrap_err().to_string()
    }

    #[test]
    fn a_short_form_names_its_one_candidate() {
        assert_eq!(resolve("3F5A09C2B1E4AA…", [A, B], "x", "l").unwrap(), A);
        assert_eq!(resolve(B, [A, B], "x", "l").unwrap(), B);
        let both = msg(resolve("3f5a09c2b1e4…", [A, B], "x", "l"));
        assert!(both.contains(A) && both.contains(B), "{both}");
        assert!(msg(resolve("3f5", [A], "x", "l"))
            .contains("not a x: give its 64 hex digits, or the first 6 or more"));
        assert!(msg(resolve("ffffff", [A], "x", "l")).contains("no x"));
        assert!(msg(resolve("nothex", [A], "x", "l")).contains("not a x"));
        assert!(msg(resolve("nothex", [A], "evidence", "l")).contains("not an evidence"));
    }
}

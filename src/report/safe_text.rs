//! Text made safe to show: what the ledger holds, never what a terminal or a spreadsheet
//! would make of it.
//!
//! Every text the binary writes for people goes through [`terminal`] (one value: a cell, a
//! field, a summary) or [`terminal_lines`] (a whole message that may run over lines); every
//! CSV cell goes through [`csv_cell`]. JSON, Markdown and HTML have their own escaping and
//! do not come here.
//!
//! # The escape form
//!
//! A character a terminal would act on instead of showing is written as Rust writes it in
//! a string literal (the form `{:?}` already gives in error messages): `\t`, `\n`, `\r`, and
//! `\u{HEX}` for the rest, e.g. `\u{1b}` for ESC, `\u{7f}` for DEL, `\u{9b}` for the C1
//! CSI and `\u{202e}` for RIGHT-TO-LEFT OVERRIDE. Those characters are:
//!
//! - the C0 controls U+0000–U+001F (tab and newline included: a value never breaks a line
//!   or a table cell), DEL U+007F, and the C1 controls U+0080–U+009F;
//! - the bidirectional embeddings, overrides and isolates U+202A–U+202E and U+2066–U+2069,
//!   which reorder the text shown around them.
//!
//! Everything else, backslashes included, is shown as it is, so ordinary text looks the
//! same as before; `--format json` gives the exact text when it matters whether a `\u{1b}`
//! seen in a table was one character or six.

use std::borrow::Cow;

/// True for a character that must not reach a terminal raw: C0, DEL, C1 and the
/// bidirectional overrides and isolates.
pub fn is_unsafe(c: char) -> bool {
    matches!(
        c,
        '\u{0}'..='\u{1f}' | '\u{7f}'..='\u{9f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}'
    )
}

/// One value (a table cell, a name, a summary) for a terminal: every unsafe character,
/// newline and tab included, written as its escape (`\n`, `\u{1b}`, `\u{202e}`).
pub fn terminal(s: &str) -> Cow<'_, str> {
    escape(s, is_unsafe)
}

/// A message for a terminal (an error, a warning, an acknowledgement): like [`terminal`],
/// but its line breaks stay line breaks.
pub fn terminal_lines(s: &str) -> Cow<'_, str> {
    escape(s, |c| c != '\n' && is_unsafe(c))
}

fn escape(s: &str, unsafe_char: impl Fn(char) -> bool) -> Cow<'_, str> {
    let Some(first) = s.find(&unsafe_char) else {
        return Cow::Borrowed(s);
    };
    let mut out = String::with_capacity(s.len() + 8);
    out.push_str(&s[..first]);
    for c in s[first..].chars() {
        if unsafe_char(c) {
            // Named escapes for \t, \n, \r; `\u{HEX}` for every other unsafe character.
            out.extend(c.escape_default());
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// A CSV cell's text, before quoting: one starting with `=`, `+`, `-`, `@`, a tab or a
/// carriage return gets a leading `'` so a spreadsheet shows it as text rather than
/// running it as a formula (OWASP's rule for CSV injection). `raw` leaves it as recorded.
pub fn csv_cell(s: &str, raw: bool) -> Cow<'_, str> {
    match s.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') if !raw => Cow::Owned(format!("'{s}")),
        _ => Cow::Borrowed(s),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ordinary_text_is_borrowed_unchanged() {
        for s in [
            "",
            "Completed",
            "1.3B",
            "a\\x1b b",
            "é – “q” 😀 ‘'’ \u{a0}",
            "=1+1",
        ] {
            assert!(matches!(terminal(s), Cow::Borrowed(t) if t == s), "{s:?}");
            assert!(
                matches!(terminal_lines(s), Cow::Borrowed(t) if t == s),
                "{s:?}"
            );
        }
    }

    #[test]
    fn controls_and_bidi_become_escapes() {
        assert_eq!(terminal("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
        assert_eq!(terminal("x\ry"), "x\\ry");
        assert_eq!(terminal("l1\nl2\tz"), "l1\\nl2\\tz");
        assert_eq!(terminal("\u{1b}]0;pwned\u{7}"), "\\u{1b}]0;pwned\\u{7}");
        assert_eq!(terminal("\0\u{1f}\u{7f}"), "\\u{0}\\u{1f}\\u{7f}");
        assert_eq!(
            terminal("\u{80}\u{85}\u{9b}\u{9f}"),
            "\\u{80}\\u{85}\\u{9b}\\u{9f}"
        );
        assert_eq!(terminal("abc\u{202e}fed"), "abc\\u{202e}fed");
        assert_eq!(
            terminal("\u{202a}\u{202b}\u{202c}\u{202d}\u{2066}\u{2067}\u{2068}\u{2069}"),
            "\\u{202a}\\u{202b}\\u{202c}\\u{202d}\\u{2066}\\u{2067}\\u{2068}\\u{2069}"
        );
    }

    #[test]
    fn neighbours_of_the_ranges_are_kept() {
        for c in [
            ' ', '~', '\u{a0}', '\u{a1}', '\u{2029}', '\u{202f}', '\u{2065}', '\u{206a}',
        ] {
            assert!(!is_unsafe(c), "{c:?}");
            assert_eq!(terminal(&c.to_string()), c.to_string());
        }
    }

    #[test]
    fn lines_keep_newlines_only() {
        assert_eq!(terminal_lines("a\nb\r\u{1b}c\t"), "a\nb\\r\\u{1b}c\\t");
    }

    #[test]
    fn nothing_unsafe_is_left_and_escaping_is_idempotent() {
        let all: String = (0u32..0x3000).filter_map(char::from_u32).collect();
        let once = terminal(&all).into_owned();
        assert!(!once.chars().any(is_unsafe));
        assert_eq!(terminal(&once), once.as_str());
        let lines = terminal_lines(&all).into_owned();
        assert!(!lines.chars().any(|c| c != '\n' && is_unsafe(c)));
        assert_eq!(lines.matches('\n').count(), 1);
    }

    #[test]
    fn csv_cells_that_could_be_formulas_get_a_quote() {
        for s in ["=1+1", "+x", "-x", "@x", "\tx", "\rx", "=", "- item"] {
            assert_eq!(csv_cell(s, false), format!("'{s}"), "{s:?}");
            assert_eq!(csv_cell(s, true), s, "{s:?}");
        }
        for s in ["", "1.1", "x=1", " =1", "'=1", "Completed", "\nx", "1-2"] {
            assert!(
                matches!(csv_cell(s, false), Cow::Borrowed(t) if t == s),
                "{s:?}"
            );
        }
    }
}

//! A direct reader for stored entry lines in canonical form: the fast path of
//! [`crate::wire::decode_entry`], several times quicker than a general JSON parser.
//!
//! A canonical line has its six members in one fixed order, no whitespace, and (for most
//! events) only strings and integers inside `event`. This reads exactly that, borrowing
//! every string that has no escape, into the same [`WireParts`] the general parser fills, so
//! both paths build the entry with the same code. Anything else (an object or array inside
//! the event, a key out of place, an unusual escape) gives `None`, and the caller falls back
//! to serde_json, which also words any error: this path never decides that a line is bad.

use std::borrow::Cow;

/// The members of a line, as the general parser reads them.
pub(crate) struct WireParts<'a> {
    pub seq: u64,
    pub recorded_at: Cow<'a, str>,
    pub actor: Cow<'a, str>,
    /// (key, value) of each event member, in the line's order.
    pub event: Vec<(&'a str, Value<'a>)>,
    pub prev: Cow<'a, str>,
    pub hash: Cow<'a, str>,
}

/// An event member's value: the only kinds this path reads.
pub(crate) enum Value<'a> {
    Text(Cow<'a, str>),
    Int(u64),
}

struct Reader<'a> {
    s: &'a str,
    at: usize,
}

impl<'a> Reader<'a> {
    fn eat(&mut self, lit: &str) -> Option<()> {
        if self.s[self.at..].starts_with(lit) {
            self.at += lit.len();
            Some(())
        } else {
            None
        }
    }

    fn peek(&self) -> Option<u8> {
        self.s.as_bytes().get(self.at).copied()
    }

    /// A string value (after its opening quote has not yet been read).
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.eat("\"")?;
        let start = self.at;
        let bytes = self.s.as_bytes();
        let end = start + memchr::memchr2(b'"', b'\\', &bytes[start..])?;
        if bytes[end] == b'"' {
            self.at = end + 1;
            return Some(Cow::Borrowed(&self.s[start..end]));
        }
        // Escapes: copy, decoding the forms canonical JSON writes.
        let mut out = String::with_capacity(end - start + 16);
        let mut i = start;
        loop {
            let next = i + memchr::memchr2(b'"', b'\\', &bytes[i..])?;
            out.push_str(&self.s[i..next]);
            if bytes[next] == b'"' {
                self.at = next + 1;
                return Some(Cow::Owned(out));
            }
            let (c, used) = match bytes.get(next + 1)? {
                b'"' => ('"', 2),
                b'\\' => ('\\', 2),
                b'/' => ('/', 2),
                b'b' => ('\u{8}', 2),
                b'f' => ('\u{c}', 2),
                b'n' => ('\n', 2),
                b'r' => ('\r', 2),
                b't' => ('\t', 2),
                b'u' => {
                    let hex = self.s.get(next + 2..next + 6)?;
                    // Surrogate pairs never occur in canonical form: leave them to serde.
                    (char::from_u32(u32::from_str_radix(hex, 16).ok()?)?, 6)
                }
                _ => return None,
            };
            out.push(c);
            i = next + used;
        }
    }

    fn integer(&mut self) -> Option<u64> {
        let bytes = self.s.as_bytes();
        let digits = bytes[self.at..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count();
        if digits == 0 || digits > 19 || (digits > 1 && bytes[self.at] == b'0') {
            return None;
        }
        let n = self.s[self.at..self.at + digits].parse().ok()?;
        self.at += digits;
        Some(n)
    }

    /// The event object: string and integer members only.
    fn event(&mut self) -> Option<Vec<(&'a str, Value<'a>)>> {
        self.eat("{")?;
        let mut members = Vec::with_capacity(8);
        if self.eat("}").is_some() {
            return Some(members);
        }
        loop {
            let key = match self.string()? {
                Cow::Borrowed(k) => k,
                Cow::Owned(_) => return None,
            };
            self.eat(":")?;
            let value = match self.peek()? {
                b'"' => Value::Text(self.string()?),
                b'0'..=b'9' => Value::Int(self.integer()?),
                _ => return None,
            };
            members.push((key, value));
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    return Some(members);
                }
                _ => return None,
            }
        }
    }
}

/// Reads a canonical line, or `None` when it is not one this path reads.
pub(crate) fn parts(line: &str) -> Option<WireParts<'_>> {
    let mut r = Reader { s: line, at: 0 };
    r.eat("{\"actor\":")?;
    let actor = r.string()?;
    r.eat(",\"event\":")?;
    let event = r.event()?;
    r.eat(",\"hash\":")?;
    let hash = r.string()?;
    r.eat(",\"prev\":")?;
    let prev = r.string()?;
    r.eat(",\"recorded_at\":")?;
    let recorded_at = r.string()?;
    r.eat(",\"seq\":")?;
    let seq = r.integer()?;
    r.eat("}")?;
    (r.at == line.len()).then_some(WireParts {
        seq,
        recorded_at,
        actor,
        event,
        prev,
        hash,
    })
}

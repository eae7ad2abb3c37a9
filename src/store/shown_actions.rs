//! A snapshot's actions as `plan` and `matrix` read them: the fields their tables show,
//! left in the parts they were read into, and each action's statuses beside them. Ten
//! thousand actions then cost a small place each, not an [`Action`] and five strings: those
//! were most of the fresh memory the views touched, and fresh memory is dear once the host
//! has taken back what other processes freed (BENCHMARKS.md, "Fourteenth round").
//!
//! Only an action ever amended, withdrawn, attached to or signed (a record of JSON) is made
//! whole, as the plan's fold makes it.

use crate::plan::statuses::Statuses;
use crate::plan::Action;

use super::action_records::{Split, Text, JSON, PLAIN};
use super::codec::{bad, CodecError, Reader};

/// Where a field is in its part's text.
#[derive(Debug, Clone, Copy)]
struct Span {
    at: u32,
    len: u32,
}

/// `Span::len` of an optional field that is absent.
const ABSENT: u32 = u32::MAX;

/// Where an action's shown fields are, or which whole action it is.
#[derive(Debug)]
enum Place {
    Plain {
        part: u32,
        id: Span,
        area: Span,
        start: Span,
        end: Span,
        lead: Span,
    },
    Full(u32),
}

/// One action as a view reads it.
pub enum Shown<'a> {
    /// An action only ever added: its fields as added.
    Plain(PlainFields<'a>),
    /// Any other, whole (its statuses are kept apart: [`ShownActions::statuses`]).
    Full(&'a Action),
}

/// The fields of an action only ever added that a table of the plan shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PlainFields<'a> {
    pub id: &'a str,
    pub area: &'a str,
    pub start: Option<&'a str>,
    pub end: Option<&'a str>,
    pub lead: Option<&'a str>,
}

/// A snapshot's actions, in plan order, and their statuses as filled so far.
#[derive(Debug, Default)]
pub struct ShownActions {
    parts: Vec<Split>,
    places: Vec<Place>,
    full: Vec<Action>,
    statuses: Vec<Statuses>,
}

impl ShownActions {
    /// Takes in a part [`super::action_records::split_part`] made, checking every record
    /// (a damaged one is an error now, never a field missing later).
    pub fn push_part(&mut self, split: Split) -> Result<(), CodecError> {
        let part = u32::try_from(self.parts.len()).map_err(|_| bad("too many parts"))?;
        let mut r = Reader {
            bytes: &split.records,
            at: 0,
        };
        let mut text = TextAt(Text {
            text: &split.text,
            at: 0,
        });
        self.places.reserve(split.count);
        for _ in 0..split.count {
            let place = match r.take(1)?[0] {
                PLAIN => {
                    let (id, area) = (text.span(&mut r)?, text.span(&mut r)?);
                    text.span(&mut r)?; // the action's own text
                    text.optional(&mut r)?; // outcome
                    let (start, end, lead) = (
                        text.optional(&mut r)?,
                        text.optional(&mut r)?,
                        text.optional(&mut r)?,
                    );
                    text.optional(&mut r)?; // measures
                    text.optional(&mut r)?; // evidence of impact
                    r.varint()?; // the entry that added it
                    Place::Plain {
                        part,
                        id,
                        area,
                        start,
                        end,
                        lead,
                    }
                }
                JSON => {
                    let len = r.varint()? as usize;
                    let json = text.0.take(len)?;
                    let action: Action =
                        serde_json::from_str(json).map_err(|e| CodecError(e.to_string()))?;
                    if !action.statuses.is_empty() {
                        return Err(bad("statuses outside their columns"));
                    }
                    let n = u32::try_from(self.full.len()).map_err(|_| bad("too many actions"))?;
                    self.full.push(action);
                    Place::Full(n)
                }
                _ => return Err(bad("unknown action record")),
            };
            self.places.push(place);
        }
        if r.at != split.records.len() || text.0.at != split.text.len() {
            return Err(bad("trailing bytes after the actions"));
        }
        self.parts.push(split);
        self.statuses
            .resize_with(self.places.len(), Statuses::default);
        Ok(())
    }

    /// How many actions there are.
    pub fn len(&self) -> usize {
        self.places.len()
    }

    /// True when the plan has no action.
    pub fn is_empty(&self) -> bool {
        self.places.is_empty()
    }

    /// Action `i`, if there is one.
    pub fn get(&self, i: usize) -> Option<Shown<'_>> {
        Some(match *self.places.get(i)? {
            Place::Plain {
                part,
                id,
                area,
                start,
                end,
                lead,
            } => {
                let text = &self.parts.get(part as usize)?.text;
                let field = |s: Span| text.get(s.at as usize..(s.at + s.len) as usize);
                let optional = |s: Span| if s.len == ABSENT { None } else { field(s) };
                Shown::Plain(PlainFields {
                    id: field(id)?,
                    area: field(area)?,
                    start: optional(start),
                    end: optional(end),
                    lead: optional(lead),
                })
            }
            Place::Full(n) => Shown::Full(self.full.get(n as usize)?),
        })
    }

    /// The id of action `i`.
    pub fn id(&self, i: usize) -> Option<&str> {
        match self.get(i)? {
            Shown::Plain(f) => Some(f.id),
            Shown::Full(a) => Some(&a.fields.id),
        }
    }

    /// The statuses of every action, by its number: filled from the snapshot's columns and
    /// the entries after it.
    pub fn statuses(&self) -> &[Statuses] {
        &self.statuses
    }

    /// [`ShownActions::statuses`], to fill.
    pub fn statuses_mut(&mut self) -> &mut [Statuses] {
        &mut self.statuses
    }
}

/// A part's text being read, span by span, each checked as [`Text::take`] checks a field.
struct TextAt<'a>(Text<'a>);

impl TextAt<'_> {
    /// The next field, `len` bytes long, as a span (the text is at most 4 GB).
    fn next(&mut self, len: usize) -> Result<Span, CodecError> {
        let at = self.0.at;
        self.0.take(len)?;
        match (u32::try_from(at), u32::try_from(len)) {
            (Ok(at), Ok(len)) if len != ABSENT && at.checked_add(len).is_some() => {
                Ok(Span { at, len })
            }
            _ => Err(bad("action text too long")),
        }
    }

    fn span(&mut self, r: &mut Reader<'_>) -> Result<Span, CodecError> {
        let len = r.varint()? as usize;
        self.next(len)
    }

    fn optional(&mut self, r: &mut Reader<'_>) -> Result<Span, CodecError> {
        match r.varint()? as usize {
            0 => Ok(Span { at: 0, len: ABSENT }),
            n => self.next(n - 1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::entry::Seq;
    use crate::event::ActionAdded;
    use crate::plan::state::Withdrawal;
    use crate::store::action_records::{split_part, PartWriter};

    fn added(id: &str, lead: Option<&str>) -> Action {
        let fields = ActionAdded {
            id: id.into(),
            area: "2".into(),
            action: "Publish the local offer: \u{e9}t\u{e9}".into(),
            outcome: Some("families know".into()),
            lead: lead.map(Into::into),
            start: Some("April 2020".into()),
            end: Some(String::new()),
            ..ActionAdded::default()
        };
        Action::from_added(fields, Seq(7))
    }

    fn part(actions: &[Action]) -> Vec<u8> {
        let mut w = PartWriter::default();
        actions.iter().for_each(|a| w.put(a));
        w.finish()
    }

    fn shown(parts: &[Vec<u8>]) -> Result<ShownActions, CodecError> {
        let mut shown = ShownActions::default();
        for p in parts {
            shown.push_part(split_part(p.clone())?)?;
        }
        Ok(shown)
    }

    #[test]
    fn plain_fields_are_read_in_place_and_others_whole() {
        let mut withdrawn = added("2.3", None);
        withdrawn.later_mut().withdrawn = Some(Withdrawal {
            seq: Seq(9),
            reason: "merged".into(),
            recorded_at: "2021-01-01T00:00:00Z".into(),
            actor: "me".into(),
            from: None,
        });
        let first = part(&[added("2.1", Some("CYC")), withdrawn.clone()]);
        let second = part(&[added("2.4", None)]);
        let s = shown(&[first, second]).unwrap();
        assert_eq!((s.len(), s.statuses().len()), (3, 3));
        let Some(Shown::Plain(f)) = s.get(0) else {
            panic!("2.1 is plain")
        };
        assert_eq!(
            f,
            PlainFields {
                id: "2.1",
                area: "2",
                start: Some("April 2020"),
                end: Some(""),
                lead: Some("CYC"),
            }
        );
        assert!(matches!(s.get(1), Some(Shown::Full(a)) if *a == withdrawn));
        assert_eq!(s.id(2), Some("2.4"));
        assert!(matches!(s.get(2), Some(Shown::Plain(f)) if f.lead.is_none()));
        assert!(s.get(3).is_none());
    }

    #[test]
    fn a_cut_or_changed_part_is_an_error_not_a_panic() {
        let bytes = part(&[added("2.1", Some("CYC")), added("2.2", None)]);
        for cut in 0..bytes.len() {
            assert!(shown(&[bytes[..cut].to_vec()]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            if let Ok(s) = shown(&[b]) {
                // Whatever still reads has every action it counts.
                assert!((0..s.len()).all(|i| s.get(i).is_some()), "byte {i}");
            }
        }
    }
}

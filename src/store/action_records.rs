//! A snapshot's actions (without their statuses) as compact records: an action that was
//! only ever added (the usual case, nearly all of a large plan) is its fields' lengths; any
//! other is the length of its JSON. All their text is kept apart, in one block, so a part
//! is proved UTF-8 in one pass (on another thread, with its checksum: see
//! [`super::codec`]) and each field is then a slice of it. Reading ten thousand actions this
//! way costs a few milliseconds where parsing their JSON cost tens.
//!
//! A part: the record count, the text block's length, the text block, then the records.

use crate::entry::Seq;
use crate::event::ActionAdded;
use crate::plan::Action;

use super::codec::{bad, put_varint, CodecError, Reader};

/// The record's first byte: how the rest is written.
pub(super) const PLAIN: u8 = 0;
pub(super) const JSON: u8 = 1;

/// A part of actions being written.
#[derive(Default)]
pub struct PartWriter {
    count: u64,
    text: Vec<u8>,
    records: Vec<u8>,
}

impl PartWriter {
    /// Adds one action, its statuses left out (the caller has taken them).
    pub fn put(&mut self, a: &Action) {
        self.count += 1;
        if !a.only_added() {
            self.records.push(JSON);
            let json = serde_json::to_vec(a).unwrap_or_default();
            self.put_text(&json);
            return;
        }
        self.records.push(PLAIN);
        let ActionAdded {
            id,
            area,
            action,
            outcome,
            start,
            end,
            lead,
            measures,
            evidence_impact,
        } = &a.fields;
        for s in [id, area, action] {
            self.put_text(s.as_bytes());
        }
        for s in [outcome, start, end, lead, measures, evidence_impact] {
            match s {
                None => put_varint(&mut self.records, 0),
                Some(s) => {
                    put_varint(&mut self.records, s.len() as u64 + 1);
                    self.text.extend_from_slice(s.as_bytes());
                }
            }
        }
        put_varint(&mut self.records, a.added.0);
    }

    fn put_text(&mut self, s: &[u8]) {
        put_varint(&mut self.records, s.len() as u64);
        self.text.extend_from_slice(s);
    }

    /// Bytes written so far.
    pub fn len(&self) -> usize {
        self.text.len() + self.records.len()
    }

    /// True when no action was put.
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// The part, and a writer for the next.
    pub fn finish(&mut self) -> Vec<u8> {
        let PartWriter {
            count,
            text,
            records,
        } = std::mem::take(self);
        let mut part = Vec::with_capacity(text.len() + records.len() + 10);
        put_varint(&mut part, count);
        put_varint(&mut part, text.len() as u64);
        part.extend_from_slice(&text);
        part.extend_from_slice(&records);
        part
    }
}

/// A part's text proved UTF-8, and its records: what [`split_part`] hands to [`get_actions`].
#[derive(Debug)]
pub struct Split {
    /// How many actions the part holds.
    pub count: usize,
    pub(super) text: String,
    pub(super) records: Vec<u8>,
}

/// Splits a part into its text, proved UTF-8, and its records. The text stays where it was
/// read (only the records, a few bytes an action, are copied out): a plan's action text is
/// megabytes, and a second copy of it was most of the pages this step touched.
pub fn split_part(mut part: Vec<u8>) -> Result<Split, CodecError> {
    let mut r = Reader {
        bytes: &part,
        at: 0,
    };
    let count = r.varint()? as usize;
    let len = r.varint()? as usize;
    let start = r.at;
    r.take(len)?;
    let records = part.split_off(r.at);
    // Every record takes at least a byte: a larger count is damage, not room to reserve.
    if count > records.len() {
        return Err(bad("more actions than records"));
    }
    part.drain(..start);
    let text = String::from_utf8(part).map_err(|_| bad("action text is not UTF-8"))?;
    Ok(Split {
        count,
        text,
        records,
    })
}

/// Which of an action's texts [`get_actions`] makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActionText {
    /// Every field: a plan that may be shown whole, compared, stored or served.
    All,
    /// Only those a table of the plan or the RAG matrix shows (id, area, lead, start, end):
    /// the action's own text, its outcome, measures and evidence of impact are left empty.
    /// They are most of a plan's bytes and allocations, and `plan` and `matrix` print their
    /// rows and drop the plan. Actions ever amended, withdrawn, attached to or signed keep
    /// every field.
    Shown,
}

/// The text block being read, field by field.
pub(super) struct Text<'a> {
    pub(super) text: &'a str,
    /// Where the next field starts.
    pub(super) at: usize,
}

impl<'a> Text<'a> {
    /// The next field, `len` bytes: an error unless it lies within the text, on character
    /// boundaries.
    pub(super) fn take(&mut self, len: usize) -> Result<&'a str, CodecError> {
        let end = self
            .at
            .checked_add(len)
            .ok_or_else(|| bad("action text overflow"))?;
        let s = (self.text.get(self.at..end)).ok_or_else(|| bad("action text out of range"))?;
        self.at = end;
        Ok(s)
    }

    fn owned(&mut self, r: &mut Reader<'_>) -> Result<String, CodecError> {
        let len = r.varint()? as usize;
        self.take(len).map(str::to_owned)
    }

    fn optional(&mut self, r: &mut Reader<'_>) -> Result<Option<String>, CodecError> {
        match r.varint()? as usize {
            0 => Ok(None),
            n => self.take(n - 1).map(|s| Some(s.to_owned())),
        }
    }

    /// Passes over a field read by [`Text::owned`] (`optional` false) or
    /// [`Text::optional`], checking that it is there.
    fn skip(&mut self, r: &mut Reader<'_>, optional: bool) -> Result<(), CodecError> {
        match (r.varint()? as usize, optional) {
            (0, true) => Ok(()),
            (n, true) => self.take(n - 1).map(drop),
            (n, false) => self.take(n).map(drop),
        }
    }

    /// An optional field, made only when `wanted`.
    fn optional_if(
        &mut self,
        r: &mut Reader<'_>,
        wanted: bool,
    ) -> Result<Option<String>, CodecError> {
        match wanted {
            true => self.optional(r),
            false => self.skip(r, true).map(|()| None),
        }
    }
}

/// Appends to `actions` those of a part [`split_part`] from what a [`PartWriter`] made, with
/// the texts `wanted`.
pub fn get_actions(
    part: &Split,
    actions: &mut Vec<Action>,
    wanted: ActionText,
) -> Result<(), CodecError> {
    let all = wanted == ActionText::All;
    let mut r = Reader {
        bytes: &part.records,
        at: 0,
    };
    let mut text = Text {
        text: &part.text,
        at: 0,
    };
    actions.reserve(part.count);
    for _ in 0..part.count {
        let kind = r.take(1)?[0];
        let action = match kind {
            PLAIN => {
                let (id, area) = (text.owned(&mut r)?, text.owned(&mut r)?);
                let action = match all {
                    true => text.owned(&mut r)?,
                    false => text.skip(&mut r, false).map(|()| String::new())?,
                };
                let fields = ActionAdded {
                    id,
                    area,
                    action,
                    outcome: text.optional_if(&mut r, all)?,
                    start: text.optional(&mut r)?,
                    end: text.optional(&mut r)?,
                    lead: text.optional(&mut r)?,
                    measures: text.optional_if(&mut r, all)?,
                    evidence_impact: text.optional_if(&mut r, all)?,
                };
                Action::from_added(fields, Seq(r.varint()?))
            }
            JSON => {
                let len = r.varint()? as usize;
                serde_json::from_str(text.take(len)?).map_err(|e| CodecError(e.to_string()))?
            }
            _ => return Err(bad("unknown action record")),
        };
        actions.push(action);
    }
    if r.at != part.records.len() || text.at != part.text.len() {
        return Err(bad("trailing bytes after the actions"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::state::Withdrawal;

    fn added(id: &str, lead: Option<&str>) -> Action {
        let fields = ActionAdded {
            id: id.into(),
            area: "1".into(),
            action: "Publish the local offer: \u{e9}t\u{e9}".into(),
            lead: lead.map(Into::into),
            end: Some(String::new()),
            ..ActionAdded::default()
        };
        Action::from_added(fields, Seq(7))
    }

    fn part(actions: &[Action]) -> Vec<u8> {
        let mut w = PartWriter::default();
        for a in actions {
            w.put(a);
        }
        w.finish()
    }

    fn read(part: &[u8]) -> Result<Vec<Action>, CodecError> {
        let mut actions = Vec::new();
        get_actions(&split_part(part.to_vec())?, &mut actions, ActionText::All)?;
        Ok(actions)
    }

    #[test]
    fn plain_and_other_actions_read_back_as_written() {
        let mut withdrawn = added("1.3", None);
        withdrawn.later_mut().withdrawn = Some(Withdrawal {
            seq: Seq(9),
            reason: "merged into 1.1".into(),
            recorded_at: "2021-01-01T00:00:00Z".into(),
            actor: "me".into(),
            from: None,
        });
        let actions = vec![added("1.1", Some("CYC")), added("1.2", None), withdrawn];
        let bytes = part(&actions);
        assert_eq!(read(&bytes).unwrap(), actions);
        assert!(read(&part(&[])).unwrap().is_empty());
    }

    #[test]
    fn shown_texts_leave_out_only_what_no_table_shows() {
        let mut full = added("1.1", Some("CYC"));
        full.fields.outcome = Some("outcome".into());
        full.fields.start = Some("April 2020".into());
        full.fields.measures = Some("measures".into());
        full.fields.evidence_impact = Some("impact".into());
        let mut amended = added("1.2", None);
        amended.fields.outcome = Some("kept whole".into());
        amended
            .later_mut()
            .field_source
            .insert("lead".into(), Seq(8));
        let bytes = part(&[full.clone(), amended.clone()]);
        let mut shown = Vec::new();
        get_actions(
            &split_part(bytes.clone()).unwrap(),
            &mut shown,
            ActionText::Shown,
        )
        .unwrap();
        let f = &shown[0].fields;
        assert_eq!((f.id.as_str(), f.area.as_str()), ("1.1", "1"));
        assert_eq!(
            (f.lead.as_deref(), f.start.as_deref()),
            (Some("CYC"), Some("April 2020"))
        );
        assert_eq!(f.end.as_deref(), Some(""));
        assert_eq!(f.action, "");
        assert_eq!(
            (&f.outcome, &f.measures, &f.evidence_impact),
            (&None, &None, &None)
        );
        assert_eq!(shown[0].added, full.added);
        assert_eq!(
            shown[1], amended,
            "an action with a history keeps every field"
        );
        // Texts passed over are still checked: a cut part is an error either way.
        for cut in 0..bytes.len() {
            let split = split_part(bytes[..cut].to_vec());
            let read = split.and_then(|s| get_actions(&s, &mut Vec::new(), ActionText::Shown));
            assert!(read.is_err(), "cut at {cut}");
        }
    }

    #[test]
    fn cut_or_changed_records_are_errors_not_panics() {
        let bytes = part(&[added("1.1", Some("CYC")), added("1.2", None)]);
        for cut in 0..bytes.len() {
            assert!(read(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            let _ = read(&b);
        }
    }
}

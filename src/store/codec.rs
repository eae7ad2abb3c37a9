//! A compact encoding of plan state for derived files: JSON for the plan's shape, and the
//! statuses (most of a large plan) as a string table plus varint records.
//!
//! Statuses repeat a handful of strings (status names, actors, one `recorded_at` per
//! batch, review labels), so a status costs about ten bytes here instead of ~150 in JSON,
//! which keeps derived data well under half the size of the log. Nothing here is trusted:
//! every file holding it carries a checksum and the mark of the entry it covers.

use std::collections::HashMap;

use crate::entry::Seq;
use crate::plan::state::{Label, Shared};
use crate::plan::{Action, Plan, RecordedStatus};
use crate::sym::Sym;

use super::action_records::{self, ActionText};
use super::parts::Parts;
use super::review_columns::{self, ReviewColumns};
use super::shown_actions::ShownActions;

/// Why derived bytes could not be read back (the caller discards and rebuilds them).
#[derive(Debug, thiserror::Error)]
#[error("derived plan state is unreadable: {0}")]
pub struct CodecError(pub String);

pub(super) fn bad(what: &str) -> CodecError {
    CodecError(what.to_string())
}

pub(super) fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// A cursor over encoded bytes.
pub(super) struct Reader<'a> {
    pub(super) bytes: &'a [u8],
    pub(super) at: usize,
}

impl<'a> Reader<'a> {
    #[inline]
    pub(super) fn varint(&mut self) -> Result<u64, CodecError> {
        // Most numbers stored (gaps between actions, string numbers) fit in one byte.
        if let Some(&b) = self.bytes.get(self.at) {
            if b < 0x80 {
                self.at += 1;
                return Ok(u64::from(b));
            }
        }
        self.varint_long()
    }

    #[cold]
    fn varint_long(&mut self) -> Result<u64, CodecError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self.bytes.get(self.at).ok_or_else(|| bad("truncated"))?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(bad("varint too long"))
    }

    pub(super) fn take(&mut self, n: usize) -> Result<&'a [u8], CodecError> {
        let end = self
            .at
            .checked_add(n)
            .ok_or_else(|| bad("length overflow"))?;
        let s = self
            .bytes
            .get(self.at..end)
            .ok_or_else(|| bad("truncated"))?;
        self.at = end;
        Ok(s)
    }

    pub(super) fn index(&mut self, len: usize) -> Result<usize, CodecError> {
        let i = self.varint()? as usize;
        if i < len {
            Ok(i)
        } else {
            Err(bad("string index out of range"))
        }
    }
}

/// Interns strings in first-seen order.
#[derive(Default)]
pub(super) struct Strings<'a> {
    index: HashMap<&'a str, u64>,
    pub(super) list: Vec<&'a str>,
    /// Number + 1 of each interned [`Sym`] already seen, by its id (0: not yet): a status's
    /// strings are all interned, so a million of them cost an index each, not a hash of
    /// their text.
    by_sym: Vec<u32>,
}

impl<'a> Strings<'a> {
    /// [`Strings::id`] of an interned string: the same number its text would get.
    pub(super) fn sym(&mut self, s: Sym) -> u64 {
        let at = s.id() as usize;
        if let Some(&n) = self.by_sym.get(at).filter(|n| **n != 0) {
            return u64::from(n - 1);
        }
        let n = self.id(s.as_str());
        if self.by_sym.len() <= at {
            self.by_sym.resize(at + 1, 0);
        }
        // A table of more than 2^32 - 1 strings is not kept by id: it is still right by text.
        if let Ok(n1) = u32::try_from(n + 1) {
            self.by_sym[at] = n1;
        }
        n
    }

    pub(super) fn id(&mut self, s: &'a str) -> u64 {
        if let Some(i) = self.index.get(s) {
            return *i;
        }
        let i = self.list.len() as u64;
        self.index.insert(s, i);
        self.list.push(s);
        i
    }
}

/// Appends the statuses of `actions` (numbered by position) to `out`.
fn encode_statuses<'a>(actions: impl Iterator<Item = &'a Action> + Clone, out: &mut Vec<u8>) {
    let mut strings = Strings::default();
    let mut records = Vec::new();
    let mut count = 0u64;
    for (i, action) in actions.enumerate() {
        for (label, s) in &action.statuses {
            count += 1;
            put_varint(&mut records, i as u64);
            put_varint(&mut records, strings.sym(*label));
            put_varint(&mut records, strings.sym(s.status));
            put_varint(&mut records, s.note.map_or(0, |n| strings.sym(n) + 1));
            put_varint(&mut records, s.seq.0);
            put_varint(&mut records, s.source.0.wrapping_sub(s.seq.0));
            put_varint(&mut records, strings.sym(s.recorded_at));
            put_varint(&mut records, strings.sym(s.actor));
        }
    }
    put_varint(out, strings.list.len() as u64);
    for s in &strings.list {
        put_varint(out, s.len() as u64);
        out.extend_from_slice(s.as_bytes());
    }
    put_varint(out, count);
    out.extend_from_slice(&records);
}

/// Reads statuses written by [`encode_statuses`] into `actions`.
///
/// Each distinct string becomes one shared allocation, and each action's statuses (written
/// together, in key order) are built into their map in one go rather than inserted one by one.
fn decode_statuses(r: &mut Reader<'_>, actions: &mut [Action]) -> Result<(), CodecError> {
    let n = r.varint()? as usize;
    let mut strings = Vec::with_capacity(n.min(1 << 20));
    for _ in 0..n {
        let len = r.varint()? as usize;
        let s = std::str::from_utf8(r.take(len)?).map_err(|_| bad("string is not UTF-8"))?;
        strings.push(s);
    }
    let mut shared: Vec<Option<Shared>> = vec![None; strings.len()];
    let mut share = |i: usize| *shared[i].get_or_insert_with(|| strings[i].into());
    let count = r.varint()?;
    let mut run: Vec<(Label, RecordedStatus)> = Vec::new();
    let mut run_action = 0;
    for _ in 0..count {
        let action = r.index(actions.len())?;
        if action != run_action {
            actions[run_action].statuses.extend_latest(run.drain(..));
            run_action = action;
        }
        let label = share(r.index(strings.len())?);
        let status = share(r.index(strings.len())?);
        let note = match r.varint()? as usize {
            0 => None,
            i if i <= strings.len() => Some(Shared::rare(strings[i - 1])),
            _ => return Err(bad("note index out of range")),
        };
        let seq = r.varint()?;
        let source = seq.wrapping_add(r.varint()?);
        let recorded_at = share(r.index(strings.len())?);
        let actor = share(r.index(strings.len())?);
        run.push((
            label,
            RecordedStatus {
                status,
                note,
                seq: Seq(seq),
                source: Seq(source),
                recorded_at,
                actor,
            },
        ));
    }
    if let Some(statuses) = actions.get_mut(run_action).map(|a| &mut a.statuses) {
        statuses.extend_latest(run.drain(..));
    }
    Ok(())
}

fn frame(json: &[u8], tail: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + json.len() + tail.len());
    out.extend_from_slice(&(json.len() as u64).to_le_bytes());
    out.extend_from_slice(json);
    out.extend_from_slice(tail);
    out
}

fn unframe(bytes: &[u8]) -> Result<(&[u8], Reader<'_>), CodecError> {
    let len = bytes
        .get(..8)
        .map(|b| u64::from_le_bytes(b.try_into().unwrap_or_default()) as usize)
        .ok_or_else(|| bad("truncated"))?;
    let json = bytes.get(8..8 + len).ok_or_else(|| bad("truncated"))?;
    Ok((json, Reader { bytes, at: 8 + len }))
}

/// About how many bytes of actions go in one part: small enough that proving one part
/// overlaps making the actions of the one before (a 10,000-action plan has about twelve).
const ACTION_PART_BYTES: usize = 256 * 1024;

/// Encodes a whole plan: its parts after their directory (see [`super::parts::encode`]).
pub fn encode_plan(plan: &mut Plan) -> Vec<u8> {
    let (parts, action_parts) = encode_plan_parts(plan);
    super::parts::encode(&parts, action_parts)
}

/// A plan's parts, and how many after the first hold actions: the plan without actions
/// (JSON), the actions without statuses ([`action_records`], about [`ACTION_PART_BYTES`]
/// each), then the statuses by review ([`review_columns::encode_pieces`]).
pub fn encode_plan_parts(plan: &mut Plan) -> (Vec<Vec<u8>>, usize) {
    let mut actions = std::mem::take(&mut plan.actions);
    let shape = serde_json::to_vec(&*plan).unwrap_or_default();
    let mut parts = vec![shape];
    let mut part = action_records::PartWriter::default();
    for action in &mut actions {
        let statuses = std::mem::take(&mut action.statuses);
        part.put(action);
        action.statuses = statuses;
        if part.len() >= ACTION_PART_BYTES {
            parts.push(part.finish());
        }
    }
    if !part.is_empty() {
        parts.push(part.finish());
    }
    let action_parts = parts.len() - 1;
    plan.actions = actions;
    parts.extend(review_columns::encode_pieces(plan.actions.iter()));
    (parts, action_parts)
}

/// Decodes a plan written by [`encode_plan`].
pub fn decode_plan(bytes: &[u8]) -> Result<Plan, CodecError> {
    let parts = super::parts::MemoryParts::parse(bytes.to_vec())?;
    let (mut plan, columns) = decode_plan_lazily(Box::new(parts), ActionText::All)?;
    columns.fill_all(&mut plan.actions)?;
    Ok(plan)
}

/// Decodes the plan in `parts` without its statuses, which stay in the returned columns for
/// the caller to read as far as it needs, and with the actions' texts `wanted`.
pub fn decode_plan_lazily(
    parts: Box<dyn Parts>,
    wanted: ActionText,
) -> Result<(Plan, ReviewColumns), CodecError> {
    let action_parts = parts.directory().action_parts;
    let mut plan = decode_shape(&*parts)?;
    plan.actions = decode_actions(&*parts, 1..action_parts + 1, wanted)?;
    if plan.actions.iter().any(|a| !a.statuses.is_empty()) {
        return Err(bad("statuses outside their columns"));
    }
    let columns = ReviewColumns::parse(parts, action_parts + 1, plan.actions.len())?;
    Ok((plan, columns))
}

/// The actions in parts `range`, in order. A second thread reads each part and proves it
/// (checksum, UTF-8) while this one makes the actions of the part before: making them is
/// mostly allocating their text, which this thread's heap does faster than a new thread's.
fn decode_actions(
    parts: &dyn Parts,
    range: std::ops::Range<usize>,
    wanted: ActionText,
) -> Result<Vec<Action>, CodecError> {
    let parts_len = range.len();
    let mut actions = Vec::new();
    each_action_part(parts, range, |split| {
        if actions.is_empty() {
            // Parts hold about as many actions each: room for all, so none is moved
            // (within reason: the count is the file's word).
            actions.reserve(split.count.saturating_mul(parts_len).min(1 << 22));
        }
        action_records::get_actions(&split, &mut actions, wanted)
    })?;
    Ok(actions)
}

/// Hands `take` each action part of `range` in order, split and proved on a second thread
/// while this one takes the part before.
fn each_action_part(
    parts: &dyn Parts,
    range: std::ops::Range<usize>,
    mut take: impl FnMut(action_records::Split) -> Result<(), CodecError>,
) -> Result<(), CodecError> {
    use std::sync::mpsc;
    let (tx, rx) = mpsc::sync_channel::<Result<action_records::Split, CodecError>>(2);
    std::thread::scope(|s| {
        s.spawn(move || {
            for i in range {
                let split = parts.read(i).and_then(action_records::split_part);
                let failed = split.is_err();
                if tx.send(split).is_err() || failed {
                    return;
                }
            }
        });
        rx.into_iter().try_for_each(|split| take(split?))
    })
}

/// The plan's shape (part 0): everything but its actions and their statuses.
fn decode_shape(parts: &dyn Parts) -> Result<Plan, CodecError> {
    let plan: Plan =
        serde_json::from_slice(&parts.read(0)?).map_err(|e| CodecError(e.to_string()))?;
    if !plan.actions.is_empty() {
        return Err(bad("actions outside their parts"));
    }
    Ok(plan)
}

/// [`decode_plan_lazily`] for the `plan` table and `matrix`: the actions left as
/// [`ShownActions`], their fields where they were read.
pub fn decode_plan_shown(
    parts: Box<dyn Parts>,
) -> Result<(Plan, ShownActions, ReviewColumns), CodecError> {
    let action_parts = parts.directory().action_parts;
    let plan = decode_shape(&*parts)?;
    let mut shown = ShownActions::default();
    each_action_part(&*parts, 1..action_parts + 1, |split| shown.push_part(split))?;
    let columns = ReviewColumns::parse(parts, action_parts + 1, shown.len())?;
    Ok((plan, shown, columns))
}

/// Encodes one action.
pub fn encode_action(action: &mut Action) -> Vec<u8> {
    let mut tail = Vec::new();
    encode_statuses(std::iter::once(&*action), &mut tail);
    let statuses = std::mem::take(&mut action.statuses);
    let json = serde_json::to_vec(&*action).unwrap_or_default();
    action.statuses = statuses;
    frame(&json, &tail)
}

/// Decodes an action written by [`encode_action`].
pub fn decode_action(bytes: &[u8]) -> Result<Action, CodecError> {
    let (json, mut r) = unframe(bytes)?;
    let action: Action = serde_json::from_slice(json).map_err(|e| CodecError(e.to_string()))?;
    let mut one = [action];
    decode_statuses(&mut r, &mut one)?;
    if r.at != bytes.len() {
        return Err(bad("trailing bytes"));
    }
    let [action] = one;
    Ok(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::event::*;
    use crate::scale::StatusScale;
    use crate::store::MemoryLog;
    use chrono::TimeZone;

    fn plan() -> Plan {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = MemoryLog::new();
        let mut events = vec![
            Event::PlanCreated(PlanCreated {
                title: "P".into(),
                origin: "o".into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "A".into(),
                finding: None,
            }),
        ];
        for r in ["R1", "R2"] {
            events.push(Event::ReviewScheduled(ReviewScheduled {
                label: r.into(),
                date: "2021-01-01".into(),
            }));
        }
        for a in ["1.1", "1.2"] {
            events.push(Event::ActionAdded(ActionAdded {
                id: a.into(),
                area: "1".into(),
                action: "do".into(),
                ..ActionAdded::default()
            }));
            for (r, note) in [("R1", None), ("R2", Some("why \u{e9}".to_string()))] {
                events.push(Event::StatusRecorded(StatusRecorded {
                    action: a.into(),
                    review: r.into(),
                    status: "Completed".into(),
                    note,
                }));
            }
        }
        log.append("me", &clock, events).unwrap();
        log.plan().clone()
    }

    #[test]
    fn a_plan_and_an_action_round_trip() {
        let mut p = plan();
        let bytes = encode_plan(&mut p);
        assert_eq!(decode_plan(&bytes).unwrap(), p);
        let mut a = p.actions[1].clone();
        assert_eq!(decode_action(&encode_action(&mut a)).unwrap(), a);
    }

    #[test]
    fn damaged_bytes_are_an_error_not_a_panic() {
        let mut p = plan();
        let bytes = encode_plan(&mut p);
        for cut in 0..bytes.len() {
            assert!(decode_plan(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            let _ = decode_plan(&b);
        }
    }
}

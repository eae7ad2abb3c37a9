//! A plan's statuses laid out by review, in columns, so a view reads only what it shows.
//!
//! The statuses of a large plan are nearly all of a snapshot. `plan --as-of` needs the
//! statuses of one review (and of earlier ones only for actions with none there), and
//! `matrix` needs only each status's name: grouped by review label, each group's action
//! numbers and status names (the cells) apart from the rest of each record, each in a part
//! of its own ([`super::parts`]), a view reads and checks only the parts it uses.
//!
//! Layout: a head part (the string table, then each group's label as a string number and
//! its record count, the groups in label order), then two parts per group: the cells
//! (action number as a gap from the previous one, status) and the rest (note, seq, source
//! as a gap from seq, recorded_at, actor). Nothing here is trusted: a part that does not
//! parse to exactly its length is an error, and the caller discards the file.

use std::ops::Range;

use crate::entry::Seq;
use crate::plan::state::{Label, Shared};
use crate::plan::statuses::Statuses;
use crate::plan::{Action, RecordedStatus};

use super::codec::{bad, put_varint, CodecError, Reader, Strings};
use super::parts::Parts;

/// One review's statuses: its label's string number, its record count, and the part
/// holding its cells (the rest is in the next one).
struct Group {
    label: usize,
    count: usize,
    part: usize,
}

/// A group being written: last action number, record count, cells, rest.
type Building = (u64, u64, Vec<u8>, Vec<u8>);

/// The statuses of `actions` (numbered by position), grouped by review, in the parts they
/// are stored in: the head, then each group's cells and rest.
pub fn encode_pieces<'a>(actions: impl Iterator<Item = &'a Action>) -> Vec<Vec<u8>> {
    let mut strings = Strings::default();
    // Groups in the order first met, found by the label's interned id; put in label order
    // once all are made.
    let mut groups: Vec<(Label, Building)> = Vec::new();
    let mut group_of: Vec<u32> = Vec::new();
    for (i, action) in actions.enumerate() {
        let i = i as u64;
        for (label, s) in &action.statuses {
            let at = label.id() as usize;
            if group_of.len() <= at {
                group_of.resize(at + 1, 0);
            }
            if group_of[at] == 0 {
                groups.push((*label, Building::default()));
                group_of[at] = groups.len() as u32;
            }
            let (last, count, cells, rest) = &mut groups[group_of[at] as usize - 1].1;
            put_varint(cells, if *count == 0 { i } else { i - *last });
            put_varint(cells, strings.sym(s.status));
            put_varint(rest, s.note.map_or(0, |n| strings.sym(n) + 1));
            put_varint(rest, s.seq.0);
            put_varint(rest, s.source.0.wrapping_sub(s.seq.0));
            put_varint(rest, strings.sym(s.recorded_at));
            put_varint(rest, strings.sym(s.actor));
            *last = i;
            *count += 1;
        }
    }
    groups.sort_unstable_by(|(a, _), (b, _)| a.as_str().cmp(b.as_str()));
    let labels: Vec<u64> = groups.iter().map(|(l, _)| strings.sym(*l)).collect();
    let mut head = Vec::new();
    put_varint(&mut head, strings.list.len() as u64);
    for s in &strings.list {
        put_varint(&mut head, s.len() as u64);
        head.extend_from_slice(s.as_bytes());
    }
    put_varint(&mut head, groups.len() as u64);
    for (label, (_, (_, count, _, _))) in labels.into_iter().zip(&groups) {
        put_varint(&mut head, label);
        put_varint(&mut head, *count);
    }
    let mut pieces = vec![head];
    for (_, (_, _, cells, rest)) in groups {
        pieces.extend([cells, rest]);
    }
    pieces
}

/// Calls `f` with each (action number, status string number) of a group's cells, checking
/// them against a plan of `actions` actions and a table of `strings` strings.
fn each_id(
    count: usize,
    actions: usize,
    strings: usize,
    cells: &[u8],
    mut f: impl FnMut(usize, usize),
) -> Result<(), CodecError> {
    let mut r = Reader {
        bytes: cells,
        at: 0,
    };
    let mut action = 0usize;
    for k in 0..count {
        let gap = r.varint()? as usize;
        action = match k {
            0 => gap,
            _ if gap == 0 => return Err(bad("action repeated in a review")),
            _ => action
                .checked_add(gap)
                .ok_or_else(|| bad("action overflow"))?,
        };
        if action >= actions {
            return Err(bad("action index out of range"));
        }
        f(action, r.index(strings)?);
    }
    if r.at != cells.len() {
        return Err(bad("review cells longer than their records"));
    }
    Ok(())
}

/// What [`ReviewColumns::each_cell_numbered`] fills: status names numbered, and cells set
/// to those numbers.
pub trait NumberedCells {
    /// The number of `status`.
    fn number(&mut self, status: Shared) -> u32;
    /// Takes the cell of action number `action`, holding the name numbered `number`.
    fn cell(&mut self, action: usize, number: u32);
}

/// What [`ReviewColumns::fill_until`] fills: an action, or the statuses of one kept apart.
pub trait HasStatuses {
    fn statuses_mut(&mut self) -> &mut Statuses;
}

impl HasStatuses for Action {
    fn statuses_mut(&mut self) -> &mut Statuses {
        &mut self.statuses
    }
}

impl HasStatuses for Statuses {
    fn statuses_mut(&mut self) -> &mut Statuses {
        self
    }
}

/// Statuses by review, read on demand from the parts they were stored in.
pub struct ReviewColumns {
    parts: Box<dyn Parts>,
    /// The head part: the string table.
    head: Vec<u8>,
    strings: Vec<Range<usize>>,
    shared: Vec<Option<Shared>>,
    groups: Vec<Group>,
    actions: usize,
}

impl ReviewColumns {
    /// Reads the head written by [`encode_pieces`] from part `first` of `parts` (the groups
    /// follow it), for a plan of `actions` actions. Checks the framing, not the records.
    pub fn parse(parts: Box<dyn Parts>, first: usize, actions: usize) -> Result<Self, CodecError> {
        let head = parts.read(first)?;
        let mut r = Reader {
            bytes: &head,
            at: 0,
        };
        let n = r.varint()? as usize;
        let mut strings = Vec::with_capacity(n.min(head.len()));
        for _ in 0..n {
            let len = r.varint()? as usize;
            let start = r.at;
            std::str::from_utf8(r.take(len)?).map_err(|_| bad("string is not UTF-8"))?;
            strings.push(start..r.at);
        }
        let n = r.varint()? as usize;
        if first.checked_add(1 + 2 * n.min(usize::MAX / 4)) != Some(parts.directory().len()) {
            return Err(bad("review groups and parts disagree"));
        }
        let mut groups: Vec<Group> = Vec::with_capacity(n);
        for k in 0..n {
            let group = Group {
                label: r.index(strings.len())?,
                count: r.varint()? as usize,
                part: first + 1 + 2 * k,
            };
            if let Some(prev) = groups.last() {
                let name = |g: &Group| &head[strings[g.label].clone()];
                if name(prev) >= name(&group) {
                    return Err(bad("review groups out of order"));
                }
            }
            groups.push(group);
        }
        if r.at != head.len() {
            return Err(bad("trailing bytes"));
        }
        let shared = vec![None; strings.len()];
        Ok(ReviewColumns {
            parts,
            head,
            strings,
            shared,
            groups,
            actions,
        })
    }

    fn text(&self, i: usize) -> &str {
        std::str::from_utf8(&self.head[self.strings[i].clone()]).unwrap_or_default()
    }

    fn share(&mut self, i: usize) -> Shared {
        if let Some(s) = &self.shared[i] {
            return *s;
        }
        let s: Shared = self.text(i).into();
        self.shared[i] = Some(s);
        s
    }

    fn group(&self, label: &str) -> Option<usize> {
        self.groups
            .binary_search_by(|g| self.text(g.label).cmp(label))
            .ok()
    }

    /// Calls `f` with each (action number, status name) recorded for `label`, in action
    /// order, as they are read (a matrix reads a million, so none is gathered first). On an
    /// error, `f` may have seen some.
    pub fn each_cell(
        &mut self,
        label: &str,
        mut f: impl FnMut(usize, Shared),
    ) -> Result<(), CodecError> {
        let Some(g) = self.group(label) else {
            return Ok(());
        };
        let (count, part) = (self.groups[g].count, self.groups[g].part);
        let bytes = self.parts.read(part)?;
        let (actions, strings) = (self.actions, self.strings.len());
        each_id(count, actions, strings, &bytes, |a, s| f(a, self.share(s)))
    }

    /// [`ReviewColumns::each_cell`] for a reader that numbers status names (a million cells
    /// hold a handful): `to` numbers each name once, whatever the cells holding it, and
    /// takes each cell as (action number, the name's number). `memo` keeps the numbers,
    /// by the name's place among these columns' strings, from one call to the next.
    pub fn each_cell_numbered(
        &mut self,
        label: &str,
        memo: &mut Vec<Option<u32>>,
        to: &mut impl NumberedCells,
    ) -> Result<(), CodecError> {
        let Some(g) = self.group(label) else {
            return Ok(());
        };
        let (count, part) = (self.groups[g].count, self.groups[g].part);
        let bytes = self.parts.read(part)?;
        let (actions, strings) = (self.actions, self.strings.len());
        if memo.len() < strings {
            memo.resize(strings, None);
        }
        each_id(count, actions, strings, &bytes, |a, s| {
            let n = match memo[s] {
                Some(n) => n,
                None => *memo[s].insert(to.number(self.share(s))),
            };
            to.cell(a, n)
        })
    }

    /// The cells of a group (its part's bytes) as (action number, status string number).
    fn cell_ids(&self, count: usize, cells: &[u8]) -> Result<Vec<(usize, usize)>, CodecError> {
        let mut out = Vec::with_capacity(count.min(self.actions));
        each_id(count, self.actions, self.strings.len(), cells, |a, s| {
            out.push((a, s))
        })?;
        Ok(out)
    }

    /// Every status recorded for `label`, whole, in action order.
    pub fn records(
        &mut self,
        label: &str,
    ) -> Result<Vec<(usize, Label, RecordedStatus)>, CodecError> {
        let Some(g) = self.group(label) else {
            return Ok(Vec::new());
        };
        self.group_records(g)
    }

    fn group_records(
        &mut self,
        g: usize,
    ) -> Result<Vec<(usize, Label, RecordedStatus)>, CodecError> {
        let (count, part) = (self.groups[g].count, self.groups[g].part);
        let label = self.share(self.groups[g].label);
        let ids = self.cell_ids(count, &self.parts.read(part)?)?;
        let rest = self.parts.read(part + 1)?;
        let mut at = 0;
        let mut out = Vec::with_capacity(ids.len());
        for (action, status) in ids {
            let mut r = Reader { bytes: &rest, at };
            let n = self.strings.len();
            let note = match r.varint()? as usize {
                0 => None,
                i if i <= n => Some(i - 1),
                _ => return Err(bad("note index out of range")),
            };
            let seq = r.varint()?;
            let source = seq.wrapping_add(r.varint()?);
            let (recorded_at, actor) = (r.index(n)?, r.index(n)?);
            at = r.at;
            let record = RecordedStatus {
                status: self.share(status),
                note: note.map(|i| Shared::rare(self.text(i))),
                seq: Seq(seq),
                source: Seq(source),
                recorded_at: self.share(recorded_at),
                actor: self.share(actor),
            };
            out.push((action, label, record));
        }
        if at != rest.len() {
            return Err(bad("review records longer than their cells"));
        }
        Ok(out)
    }

    /// Puts into `actions` the statuses a view at the last of `labels` (in date order)
    /// shows: that review's, then each earlier one's only while some action still has no
    /// status at the reviews read so far. A status already in an action's map (folded in
    /// after the snapshot, so newer) is kept.
    pub fn fill_until<A: HasStatuses>(
        &mut self,
        actions: &mut [A],
        labels: &[&str],
    ) -> Result<(), CodecError> {
        let mut covered = vec![false; actions.len()];
        let mut left = actions.len();
        for label in labels.iter().rev() {
            if left == 0 {
                break;
            }
            if let Some(g) = self.group(label) {
                for (action, label, record) in self.group_records(g)? {
                    if let Some(a) = actions.get_mut(action) {
                        a.statuses_mut().insert_if_absent(label, record);
                    }
                }
            }
            for (action, done) in actions.iter_mut().zip(covered.iter_mut()) {
                if !*done && action.statuses_mut().contains_key(label) {
                    *done = true;
                    left -= 1;
                }
            }
        }
        Ok(())
    }

    /// Puts every status into `actions` (numbered as encoded): each action's map built in
    /// one go, since the groups come in label order.
    pub fn fill_all(mut self, actions: &mut [Action]) -> Result<(), CodecError> {
        let mut runs: Vec<Vec<(Label, RecordedStatus)>> = vec![Vec::new(); actions.len()];
        for g in 0..self.groups.len() {
            for (action, label, record) in self.group_records(g)? {
                runs[action].push((label, record));
            }
        }
        for (action, run) in actions.iter_mut().zip(runs) {
            if action.statuses.is_empty() {
                action.statuses = run.into_iter().collect();
            } else {
                for (label, record) in run {
                    action.statuses.insert_if_absent(label, record);
                }
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::event::*;
    use crate::store::codec::{decode_plan, decode_plan_lazily, encode_plan};
    use crate::store::parts::MemoryParts;
    use crate::store::ActionText;
    use crate::store::MemoryLog;
    use crate::test_events::{area, created, review};
    use chrono::TimeZone;

    /// Actions 1.1 and 1.2; 1.1 has statuses at R1 and R2, 1.2 only at R1.
    fn plan() -> crate::plan::Plan {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2021, 1, 1, 0, 0, 0).unwrap());
        let mut log = MemoryLog::new();
        let mut events = vec![
            created(),
            area("1"),
            review("R1", "2021-01-01"),
            review("R2", "2021-02-01"),
        ];
        for a in ["1.1", "1.2"] {
            events.push(Event::ActionAdded(ActionAdded {
                id: a.into(),
                area: "1".into(),
                action: "do".into(),
                ..ActionAdded::default()
            }));
        }
        for (a, r, s) in [
            ("1.1", "R1", "Not started"),
            ("1.2", "R1", "Completed"),
            ("1.1", "R2", "Embedded"),
        ] {
            events.push(Event::StatusRecorded(StatusRecorded {
                action: a.into(),
                review: r.into(),
                status: s.into(),
                note: Some(format!("{a} at {r}")),
            }));
        }
        log.append("me", &clock, events).unwrap();
        log.plan().clone()
    }

    fn lazily(bytes: Vec<u8>) -> Result<(crate::plan::Plan, ReviewColumns), CodecError> {
        decode_plan_lazily(Box::new(MemoryParts::parse(bytes)?), ActionText::All)
    }

    fn labels(plan: &crate::plan::Plan, action: usize) -> Vec<String> {
        plan.actions[action]
            .statuses
            .keys()
            .map(|l| l.to_string())
            .collect()
    }

    #[test]
    fn a_view_reads_earlier_reviews_only_for_actions_without_a_status() {
        let mut whole = plan();
        let bytes = encode_plan(&mut whole);
        assert_eq!(decode_plan(&bytes).unwrap(), whole);

        // At R1: only R1's group is read.
        let (mut p, mut columns) = lazily(bytes.clone()).unwrap();
        columns.fill_until(&mut p.actions, &["R1"]).unwrap();
        assert_eq!(
            (labels(&p, 0), labels(&p, 1)),
            (vec!["R1".into()], vec!["R1".into()])
        );
        assert_eq!(p.actions[1].statuses, whole.actions[1].statuses);

        // At R2: 1.2 has nothing there, so R1 is read too.
        let (mut p, mut columns) = lazily(bytes.clone()).unwrap();
        columns.fill_until(&mut p.actions, &["R1", "R2"]).unwrap();
        assert_eq!(p.actions, whole.actions);

        // A status folded in after the snapshot covers its action and wins over the columns.
        let (mut p, mut columns) = lazily(bytes.clone()).unwrap();
        let newer = RecordedStatus {
            status: "Completed".into(),
            ..whole.actions[0].statuses["R1"].clone()
        };
        p.actions[1].statuses.insert("R2".into(), newer.clone());
        columns.fill_until(&mut p.actions, &["R1", "R2"]).unwrap();
        assert_eq!(labels(&p, 0), vec!["R2".to_string()]);
        assert_eq!(p.actions[1].statuses["R2"], newer);

        // Cells: status names only, by action number.
        let (_, mut columns) = lazily(bytes).unwrap();
        let mut cells: Vec<(usize, String)> = Vec::new();
        let mut cells_of = |label: &str| {
            cells.clear();
            let got = columns.each_cell(label, |a, s| cells.push((a, s.to_string())));
            got.unwrap();
            cells.clone()
        };
        assert_eq!(
            cells_of("R1"),
            vec![(0, "Not started".into()), (1, "Completed".into())]
        );
        assert!(cells_of("R9").is_empty());
    }
}

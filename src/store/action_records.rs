//! A snapshot's actions (without their statuses) as compact records: an action that was
//! only ever added (the usual case, nearly all of a large plan) is its fields as
//! length-prefixed strings; any other is its JSON. Reading ten thousand actions this way
//! costs a few milliseconds where parsing their JSON cost tens.

use crate::entry::Seq;
use crate::event::ActionAdded;
use crate::plan::Action;

use super::codec::{bad, put_varint, CodecError, Reader};

/// The record's first byte: how the rest is written.
const PLAIN: u8 = 0;
const JSON: u8 = 1;

/// True when `a` holds nothing but its fields and the seq that added them. Every member is
/// named, so a member added to [`Action`] must be considered here.
fn plain(a: &Action) -> bool {
    let Action {
        fields: _,
        added: _,
        original,
        amendments,
        field_source,
        withdrawn,
        statuses: _,
        evidence,
        signoffs,
    } = a;
    original.is_none()
        && amendments.is_empty()
        && field_source.is_empty()
        && withdrawn.is_none()
        && evidence.is_empty()
        && signoffs.is_empty()
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_varint(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

fn put_opt(out: &mut Vec<u8>, s: &Option<String>) {
    match s {
        None => put_varint(out, 0),
        Some(s) => {
            put_varint(out, s.len() as u64 + 1);
            out.extend_from_slice(s.as_bytes());
        }
    }
}

/// Appends one action, its statuses left out (the caller has taken them).
pub fn put_action(out: &mut Vec<u8>, a: &Action) {
    if !plain(a) {
        out.push(JSON);
        let json = serde_json::to_vec(a).unwrap_or_default();
        put_varint(out, json.len() as u64);
        out.extend_from_slice(&json);
        return;
    }
    out.push(PLAIN);
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
        put_str(out, s);
    }
    for s in [outcome, start, end, lead, measures, evidence_impact] {
        put_opt(out, s);
    }
    put_varint(out, a.added.0);
}

fn text(r: &mut Reader<'_>, len: usize) -> Result<String, CodecError> {
    let bytes = r.take(len)?;
    std::str::from_utf8(bytes)
        .map(str::to_owned)
        .map_err(|_| bad("action text is not UTF-8"))
}

fn get_str(r: &mut Reader<'_>) -> Result<String, CodecError> {
    let len = r.varint()? as usize;
    text(r, len)
}

fn get_opt(r: &mut Reader<'_>) -> Result<Option<String>, CodecError> {
    match r.varint()? as usize {
        0 => Ok(None),
        n => text(r, n - 1).map(Some),
    }
}

/// Reads the actions of a part written by [`put_action`] calls after a count.
pub fn get_actions(bytes: &[u8]) -> Result<Vec<Action>, CodecError> {
    let mut r = Reader { bytes, at: 0 };
    let n = r.varint()? as usize;
    // Every record takes at least a few bytes: a larger count is damage.
    let mut actions = Vec::with_capacity(n.min(bytes.len()));
    for _ in 0..n {
        let kind = r.take(1)?[0];
        let action = match kind {
            PLAIN => {
                let (id, area, action) = (get_str(&mut r)?, get_str(&mut r)?, get_str(&mut r)?);
                let fields = ActionAdded {
                    id,
                    area,
                    action,
                    outcome: get_opt(&mut r)?,
                    start: get_opt(&mut r)?,
                    end: get_opt(&mut r)?,
                    lead: get_opt(&mut r)?,
                    measures: get_opt(&mut r)?,
                    evidence_impact: get_opt(&mut r)?,
                };
                Action {
                    fields,
                    added: Seq(r.varint()?),
                    original: None,
                    amendments: Vec::new(),
                    field_source: Default::default(),
                    withdrawn: None,
                    statuses: Default::default(),
                    evidence: Vec::new(),
                    signoffs: Vec::new(),
                }
            }
            JSON => {
                let len = r.varint()? as usize;
                serde_json::from_slice(r.take(len)?).map_err(|e| CodecError(e.to_string()))?
            }
            _ => return Err(bad("unknown action record")),
        };
        actions.push(action);
    }
    if r.at != bytes.len() {
        return Err(bad("trailing bytes after the actions"));
    }
    Ok(actions)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::state::Withdrawal;

    fn added(id: &str, lead: Option<&str>) -> Action {
        Action {
            fields: ActionAdded {
                id: id.into(),
                area: "1".into(),
                action: "Publish the local offer: \u{e9}t\u{e9}".into(),
                lead: lead.map(Into::into),
                end: Some(String::new()),
                ..ActionAdded::default()
            },
            added: Seq(7),
            original: None,
            amendments: Vec::new(),
            field_source: Default::default(),
            withdrawn: None,
            statuses: Default::default(),
            evidence: Vec::new(),
            signoffs: Vec::new(),
        }
    }

    fn part(actions: &[Action]) -> Vec<u8> {
        let mut out = Vec::new();
        put_varint(&mut out, actions.len() as u64);
        for a in actions {
            put_action(&mut out, a);
        }
        out
    }

    #[test]
    fn plain_and_other_actions_read_back_as_written() {
        let mut withdrawn = added("1.3", None);
        withdrawn.withdrawn = Some(Withdrawal {
            seq: Seq(9),
            reason: "merged into 1.1".into(),
            recorded_at: "2021-01-01T00:00:00Z".into(),
            actor: "me".into(),
            from: None,
        });
        let actions = vec![added("1.1", Some("CYC")), added("1.2", None), withdrawn];
        let bytes = part(&actions);
        assert_eq!(bytes[1 + varint_len(&bytes)], PLAIN);
        assert_eq!(get_actions(&bytes).unwrap(), actions);
        assert!(get_actions(&part(&[])).unwrap().is_empty());
    }

    fn varint_len(bytes: &[u8]) -> usize {
        bytes.iter().take_while(|b| **b >= 0x80).count()
    }

    #[test]
    fn cut_or_changed_records_are_errors_not_panics() {
        let bytes = part(&[added("1.1", Some("CYC")), added("1.2", None)]);
        for cut in 0..bytes.len() {
            assert!(get_actions(&bytes[..cut]).is_err(), "cut at {cut}");
        }
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0xff;
            let _ = get_actions(&b);
        }
    }
}

//! Fast decoding of stored entry lines for replay: one typed pass, no `serde_json::Value`.
//!
//! Every event member of every type is a field of one flat struct, so serde reads the line
//! straight into it; the event is then built by its `type`, refusing members that do not
//! belong to it. This must accept exactly what [`crate::event::Event::from_value`] accepts
//! (the unit test below holds the two together).

use std::borrow::Cow;
use std::collections::BTreeMap;

use serde::Deserialize;

use crate::entry::timestamp_shape_ok;
use crate::entry::{Entry, EntryError, EntryHash, Seq};
use crate::event::*;
use crate::scale::StatusScale;
use crate::wire_fast::Value;

type Text<'a> = Option<Cow<'a, str>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct WireEntry<'a> {
    seq: u64,
    #[serde(borrow)]
    recorded_at: Cow<'a, str>,
    #[serde(borrow)]
    actor: Cow<'a, str>,
    #[serde(borrow)]
    event: Box<WireEvent<'a>>,
    #[serde(borrow)]
    prev: Cow<'a, str>,
    #[serde(borrow)]
    hash: Cow<'a, str>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct WireEvent<'a> {
    #[serde(rename = "type", borrow)]
    kind: Cow<'a, str>,
    v: Option<u64>,
    #[serde(borrow, default)]
    action: Text<'a>,
    #[serde(borrow, default)]
    area: Text<'a>,
    #[serde(default)]
    changes: Option<BTreeMap<String, String>>,
    #[serde(borrow, default)]
    date: Text<'a>,
    #[serde(borrow, default)]
    end: Text<'a>,
    #[serde(default)]
    entries: Option<u64>,
    #[serde(borrow, default)]
    evidence_impact: Text<'a>,
    #[serde(borrow, default)]
    file_name: Text<'a>,
    #[serde(borrow, default)]
    finding: Text<'a>,
    #[serde(borrow, default)]
    format: Text<'a>,
    #[serde(borrow, default)]
    from: Text<'a>,
    #[serde(borrow, default)]
    id: Text<'a>,
    #[serde(borrow, default)]
    label: Text<'a>,
    #[serde(borrow, default)]
    lead: Text<'a>,
    #[serde(borrow, default)]
    new_label: Text<'a>,
    #[serde(borrow, default)]
    measures: Text<'a>,
    #[serde(borrow, default)]
    note: Text<'a>,
    #[serde(borrow, default)]
    origin: Text<'a>,
    #[serde(borrow, default)]
    outcome: Text<'a>,
    #[serde(borrow, default)]
    reason: Text<'a>,
    #[serde(borrow, default)]
    review: Text<'a>,
    #[serde(default)]
    scale: Option<StatusScale>,
    #[serde(borrow, default)]
    sha256: Text<'a>,
    #[serde(borrow, default)]
    start: Text<'a>,
    #[serde(borrow, default)]
    status: Text<'a>,
    #[serde(default)]
    target: Option<u64>,
    #[serde(borrow, default)]
    head_hash: Text<'a>,
    #[serde(default)]
    head_seq: Option<u64>,
    #[serde(borrow, default)]
    key_id: Text<'a>,
    #[serde(borrow, default)]
    media_type: Text<'a>,
    #[serde(borrow, default)]
    name: Text<'a>,
    #[serde(borrow, default)]
    public_key: Text<'a>,
    #[serde(borrow, default)]
    role: Text<'a>,
    #[serde(borrow, default)]
    signature: Text<'a>,
    #[serde(default)]
    size: Option<u64>,
    #[serde(borrow, default)]
    statement: Text<'a>,
    #[serde(borrow, default)]
    title: Text<'a>,
    #[serde(default)]
    warnings: Option<Vec<String>>,
}

impl<'a> WireEvent<'a> {
    /// The event from the members [`crate::wire_fast`] read; `None` for anything the general
    /// parser must see (an unknown or repeated member, a value of the wrong kind).
    fn from_members(members: Vec<(&'a str, Value<'a>)>) -> Option<WireEvent<'a>> {
        let mut w = WireEvent::default();
        let mut kind = None;
        for (key, value) in members {
            match value {
                Value::Int(n) => {
                    let slot = match key {
                        "v" => &mut w.v,
                        "entries" => &mut w.entries,
                        "target" => &mut w.target,
                        "head_seq" => &mut w.head_seq,
                        "size" => &mut w.size,
                        _ => return None,
                    };
                    if slot.replace(n).is_some() {
                        return None;
                    }
                }
                Value::Text(t) => {
                    let slot = match key {
                        "type" => &mut kind,
                        "action" => &mut w.action,
                        "area" => &mut w.area,
                        "date" => &mut w.date,
                        "end" => &mut w.end,
                        "evidence_impact" => &mut w.evidence_impact,
                        "file_name" => &mut w.file_name,
                        "finding" => &mut w.finding,
                        "format" => &mut w.format,
                        "from" => &mut w.from,
                        "id" => &mut w.id,
                        "label" => &mut w.label,
                        "lead" => &mut w.lead,
                        "new_label" => &mut w.new_label,
                        "measures" => &mut w.measures,
                        "note" => &mut w.note,
                        "origin" => &mut w.origin,
                        "outcome" => &mut w.outcome,
                        "reason" => &mut w.reason,
                        "review" => &mut w.review,
                        "sha256" => &mut w.sha256,
                        "start" => &mut w.start,
                        "status" => &mut w.status,
                        "head_hash" => &mut w.head_hash,
                        "key_id" => &mut w.key_id,
                        "media_type" => &mut w.media_type,
                        "name" => &mut w.name,
                        "public_key" => &mut w.public_key,
                        "role" => &mut w.role,
                        "signature" => &mut w.signature,
                        "statement" => &mut w.statement,
                        "title" => &mut w.title,
                        _ => return None,
                    };
                    if slot.replace(t).is_some() {
                        return None;
                    }
                }
            }
        }
        w.kind = kind?;
        Some(w)
    }
}

fn own(t: Text<'_>) -> Option<String> {
    t.map(Cow::into_owned)
}

/// Takes a required member, naming it if absent.
fn need<T>(v: Option<T>, name: &'static str, kind: &str) -> Result<T, EventError> {
    v.ok_or_else(|| EventError::Shape(format!("missing field `{name}` for {kind}")))
}

impl WireEvent<'_> {
    /// The first member that is present; used after the event's own members were taken.
    fn leftover(&self) -> Option<&'static str> {
        let present = [
            ("action", self.action.is_some()),
            ("area", self.area.is_some()),
            ("changes", self.changes.is_some()),
            ("date", self.date.is_some()),
            ("end", self.end.is_some()),
            ("entries", self.entries.is_some()),
            ("evidence_impact", self.evidence_impact.is_some()),
            ("file_name", self.file_name.is_some()),
            ("finding", self.finding.is_some()),
            ("format", self.format.is_some()),
            ("from", self.from.is_some()),
            ("id", self.id.is_some()),
            ("label", self.label.is_some()),
            ("lead", self.lead.is_some()),
            ("new_label", self.new_label.is_some()),
            ("measures", self.measures.is_some()),
            ("note", self.note.is_some()),
            ("origin", self.origin.is_some()),
            ("outcome", self.outcome.is_some()),
            ("reason", self.reason.is_some()),
            ("review", self.review.is_some()),
            ("scale", self.scale.is_some()),
            ("sha256", self.sha256.is_some()),
            ("start", self.start.is_some()),
            ("status", self.status.is_some()),
            ("target", self.target.is_some()),
            ("head_hash", self.head_hash.is_some()),
            ("head_seq", self.head_seq.is_some()),
            ("key_id", self.key_id.is_some()),
            ("media_type", self.media_type.is_some()),
            ("name", self.name.is_some()),
            ("public_key", self.public_key.is_some()),
            ("role", self.role.is_some()),
            ("signature", self.signature.is_some()),
            ("size", self.size.is_some()),
            ("statement", self.statement.is_some()),
            ("title", self.title.is_some()),
            ("warnings", self.warnings.is_some()),
        ];
        present.iter().find(|(_, p)| *p).map(|(n, _)| *n)
    }

    fn take_event(&mut self) -> Result<Event, EventError> {
        let kind = self.kind.clone();
        let k = kind.as_ref();
        let version = match self.v {
            Some(v) if v >= 1 && v <= latest_version(k) => v,
            Some(found) => return Err(EventError::UnsupportedVersion { found }),
            None => return Err(EventError::MissingVersion),
        };
        let event = match k {
            "plan_created" => Event::PlanCreated(PlanCreated {
                title: need(own(self.title.take()), "title", k)?,
                origin: need(own(self.origin.take()), "origin", k)?,
                scale: need(self.scale.take(), "scale", k)?,
            }),
            "area_added" => Event::AreaAdded(AreaAdded {
                id: need(own(self.id.take()), "id", k)?,
                title: need(own(self.title.take()), "title", k)?,
                finding: own(self.finding.take()),
            }),
            "action_added" => Event::ActionAdded(ActionAdded {
                id: need(own(self.id.take()), "id", k)?,
                area: need(own(self.area.take()), "area", k)?,
                action: need(own(self.action.take()), "action", k)?,
                outcome: own(self.outcome.take()),
                start: own(self.start.take()),
                end: own(self.end.take()),
                lead: own(self.lead.take()),
                measures: own(self.measures.take()),
                evidence_impact: own(self.evidence_impact.take()),
            }),
            "action_amended" => Event::ActionAmended(ActionAmended {
                id: need(own(self.id.take()), "id", k)?,
                changes: need(self.changes.take(), "changes", k)?,
                reason: need(own(self.reason.take()), "reason", k)?,
                from: own(self.from.take()),
            }),
            "review_scheduled" => Event::ReviewScheduled(ReviewScheduled {
                label: need(own(self.label.take()), "label", k)?,
                date: need(own(self.date.take()), "date", k)?,
            }),
            "status_recorded" => Event::StatusRecorded(StatusRecorded {
                action: need(own(self.action.take()), "action", k)?,
                review: need(own(self.review.take()), "review", k)?,
                status: need(own(self.status.take()), "status", k)?,
                note: own(self.note.take()),
            }),
            "source_imported" => Event::SourceImported(SourceImported {
                file_name: need(own(self.file_name.take()), "file_name", k)?,
                sha256: need(own(self.sha256.take()), "sha256", k)?,
                format: need(own(self.format.take()), "format", k)?,
                entries: need(self.entries.take(), "entries", k)?,
                warnings: self.warnings.take().unwrap_or_default(),
            }),
            "correction" => Event::Correction(Correction {
                target: need(self.target.take(), "target", k)?,
                action: need(own(self.action.take()), "action", k)?,
                review: own(self.review.take()),
                status: own(self.status.take()),
                note: own(self.note.take()),
                changes: self.changes.take().unwrap_or_default(),
                reason: need(own(self.reason.take()), "reason", k)?,
            }),
            "action_withdrawn" => Event::ActionWithdrawn(ActionWithdrawn {
                id: need(own(self.id.take()), "id", k)?,
                reason: need(own(self.reason.take()), "reason", k)?,
                from: own(self.from.take()),
            }),
            "review_rescheduled" => Event::ReviewRescheduled(ReviewRescheduled {
                label: need(own(self.label.take()), "label", k)?,
                new_label: own(self.new_label.take()),
                date: own(self.date.take()),
                reason: need(own(self.reason.take()), "reason", k)?,
            }),
            "evidence_attached" => Event::EvidenceAttached(EvidenceAttached {
                action: need(own(self.action.take()), "action", k)?,
                review: own(self.review.take()),
                sha256: need(own(self.sha256.take()), "sha256", k)?,
                file_name: need(own(self.file_name.take()), "file_name", k)?,
                size: need(self.size.take(), "size", k)?,
                media_type: need(own(self.media_type.take()), "media_type", k)?,
                note: own(self.note.take()),
            }),
            "evidence_redacted" => Event::EvidenceRedacted(EvidenceRedacted {
                sha256: need(own(self.sha256.take()), "sha256", k)?,
                reason: need(own(self.reason.take()), "reason", k)?,
            }),
            "key_registered" => Event::KeyRegistered(KeyRegistered {
                name: need(own(self.name.take()), "name", k)?,
                key_id: need(own(self.key_id.take()), "key_id", k)?,
                public_key: need(own(self.public_key.take()), "public_key", k)?,
                role: need(own(self.role.take()), "role", k)?,
            }),
            "key_revoked" => Event::KeyRevoked(KeyRevoked {
                key_id: need(own(self.key_id.take()), "key_id", k)?,
                reason: need(own(self.reason.take()), "reason", k)?,
            }),
            "signed_off" => Event::SignedOff(SignedOff {
                action: need(own(self.action.take()), "action", k)?,
                review: need(own(self.review.take()), "review", k)?,
                status: need(own(self.status.take()), "status", k)?,
                key_id: need(own(self.key_id.take()), "key_id", k)?,
                role: need(own(self.role.take()), "role", k)?,
                head_seq: need(self.head_seq.take(), "head_seq", k)?,
                head_hash: need(own(self.head_hash.take()), "head_hash", k)?,
                statement: own(self.statement.take()),
                signature: need(own(self.signature.take()), "signature", k)?,
                version,
            }),
            other => return Err(EventError::Shape(format!("unknown event type `{other}`"))),
        };
        match self.leftover() {
            Some(name) => Err(EventError::Shape(format!("unknown field `{name}` for {k}"))),
            None => Ok(event),
        }
    }
}

/// Decodes a stored line into an entry, trusting its canonical form (replay's path).
pub fn decode_entry(line: &[u8]) -> Result<Entry, EntryError> {
    // One UTF-8 check of the whole line is cheaper than serde_json checking each string.
    let text = std::str::from_utf8(line).map_err(|e| EntryError::Json(e.to_string()))?;
    let fast = crate::wire_fast::parts(text).and_then(|p| {
        Some(WireEntry {
            seq: p.seq,
            recorded_at: p.recorded_at,
            actor: p.actor,
            event: Box::new(WireEvent::from_members(p.event)?),
            prev: p.prev,
            hash: p.hash,
        })
    });
    let mut w: WireEntry<'_> = match fast {
        Some(w) => w,
        None => serde_json::from_str(text).map_err(|e| EntryError::Json(e.to_string()))?,
    };
    if w.seq == 0 {
        return Err(EntryError::Member("seq"));
    }
    if !timestamp_shape_ok(w.recorded_at.as_bytes()) {
        return Err(EntryError::Timestamp(w.recorded_at.into_owned()));
    }
    if w.actor.trim().is_empty() {
        return Err(EntryError::EmptyActor);
    }
    let prev = EntryHash::from_hex(&w.prev).ok_or(EntryError::Member("prev"))?;
    let hash = EntryHash::from_hex(&w.hash).ok_or(EntryError::Member("hash"))?;
    Ok(Entry {
        seq: Seq(w.seq),
        recorded_at: w.recorded_at.into_owned(),
        actor: w.actor.into_owned(),
        event: w.event.take_event()?,
        prev,
        hash,
    })
}

/// A `status_recorded` entry read without copying its strings: most of a ledger is these,
/// and `verify` folds them straight from the line.
#[derive(Debug, PartialEq, Eq)]
pub struct StatusLine<'a> {
    pub seq: Seq,
    pub recorded_at: Cow<'a, str>,
    pub actor: Cow<'a, str>,
    pub action: Cow<'a, str>,
    pub review: Cow<'a, str>,
    pub status: Cow<'a, str>,
    pub note: Option<Cow<'a, str>>,
    pub hash: EntryHash,
}

/// A stored line as [`decode_line`] reads it.
#[derive(Debug)]
pub enum DecodedLine<'a> {
    /// A status, borrowed from the line.
    Status(StatusLine<'a>),
    /// Any other entry, decoded as [`decode_entry`] does.
    Entry(Entry),
}

/// [`decode_entry`], but a `status_recorded` line in the usual shape comes back borrowed.
///
/// It accepts and refuses exactly what [`decode_entry`] does: a line this path is unsure of
/// (another event, an unknown or repeated member, a bad envelope) goes to [`decode_entry`],
/// which also words any error.
pub fn decode_line(line: &[u8]) -> Result<DecodedLine<'_>, EntryError> {
    let Ok(text) = std::str::from_utf8(line) else {
        return decode_entry(line).map(DecodedLine::Entry);
    };
    match crate::wire_fast::parts(text).and_then(status_line) {
        Some(s) => Ok(DecodedLine::Status(s)),
        None => decode_entry(line).map(DecodedLine::Entry),
    }
}

/// The status in `p`, when it is a `status_recorded` event whose members and envelope
/// [`decode_entry`] would accept as they stand.
fn status_line(p: crate::wire_fast::WireParts<'_>) -> Option<StatusLine<'_>> {
    let (mut kind, mut v, mut action, mut review, mut status, mut note) =
        (None, None, None, None, None, None);
    for (key, value) in p.event {
        let repeated = match (key, value) {
            ("v", Value::Int(n)) => v.replace(n).is_some(),
            ("type", Value::Text(t)) => kind.replace(t).is_some(),
            ("action", Value::Text(t)) => action.replace(t).is_some(),
            ("review", Value::Text(t)) => review.replace(t).is_some(),
            ("status", Value::Text(t)) => status.replace(t).is_some(),
            ("note", Value::Text(t)) => note.replace(t).is_some(),
            _ => return None,
        };
        if repeated {
            return None;
        }
    }
    if kind.as_deref() != Some(STATUS_KIND) || !v.is_some_and(status_version_ok) {
        return None;
    }
    if !status_envelope_ok(p.seq, &p.recorded_at, &p.actor, &p.prev) {
        return None;
    }
    Some(StatusLine {
        seq: Seq(p.seq),
        hash: EntryHash::from_hex(&p.hash)?,
        recorded_at: p.recorded_at,
        actor: p.actor,
        action: action?,
        review: review?,
        status: status?,
        note,
    })
}

const STATUS_KIND: &str = "status_recorded";

fn status_version_ok(v: u64) -> bool {
    v >= 1 && v <= latest_version(STATUS_KIND)
}

/// The envelope checks [`decode_entry`] makes, for a status read on a short path.
fn status_envelope_ok(seq: u64, recorded_at: &str, actor: &str, prev: &str) -> bool {
    seq != 0
        && timestamp_shape_ok(recorded_at.as_bytes())
        && !actor.trim().is_empty()
        && EntryHash::from_hex(prev).is_some()
}

/// What [`decode_line`] gives for a plain status line, read from the members' places the
/// canonical check found ([`crate::canonical_check::check_line`]) instead of parsing it
/// again; `None` where `decode_line` would not give a borrowed status.
pub fn status_from_spans<'a>(
    line: &'a str,
    at: &crate::canonical_check::StatusSpans,
) -> Option<StatusLine<'a>> {
    let get = |span| crate::canonical_check::span_text(line, span);
    let (recorded_at, prev) = (get(at.recorded_at)?, get(at.prev)?);
    if !timestamp_shape_ok(recorded_at.as_bytes()) || EntryHash::from_hex(prev).is_none() {
        return None;
    }
    let hash = EntryHash::from_hex(get(at.hash)?)?;
    status_from_chained_spans(line, at, hash)
}

/// [`status_from_spans`] for a line the chain check has passed, which proved the rest of
/// its envelope (`hash` and `prev` lowercase hex, `recorded_at`'s shape): `hash` is the one
/// it computed, so neither hash is decoded again.
pub fn status_from_chained_spans<'a>(
    line: &'a str,
    at: &crate::canonical_check::StatusSpans,
    hash: EntryHash,
) -> Option<StatusLine<'a>> {
    let get = |span| crate::canonical_check::span_text(line, span);
    let (recorded_at, actor) = (get(at.recorded_at)?, get(at.actor)?);
    if !status_version_ok(at.v) || at.seq == 0 || actor.trim().is_empty() {
        return None;
    }
    Some(StatusLine {
        seq: Seq(at.seq),
        hash,
        recorded_at: Cow::Borrowed(recorded_at),
        actor: Cow::Borrowed(actor),
        action: Cow::Borrowed(get(at.action)?),
        review: Cow::Borrowed(get(at.review)?),
        status: Cow::Borrowed(get(at.status)?),
        note: match at.note {
            Some(n) => Some(Cow::Borrowed(get(n)?)),
            None => None,
        },
    })
}

impl Entry {
    /// Reads a line written by this ledger, trusting its canonical form (replay's path).
    /// It lives here, with the decoder, so that `entry` does not depend on `wire`.
    ///
    /// The hash is taken as stored; integrity is `verify`'s job, not replay's.
    pub fn decode(line: &[u8]) -> Result<Entry, EntryError> {
        decode_entry(line)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn events() -> Vec<Event> {
        vec![
            Event::PlanCreated(PlanCreated {
                title: "P".into(),
                origin: "o".into(),
                scale: StatusScale::york(),
            }),
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "A \"q\" \\ é".into(),
                finding: Some("f\n".into()),
            }),
            Event::ActionAdded(ActionAdded {
                id: "1.1".into(),
                area: "1".into(),
                action: "a".into(),
                outcome: Some("o".into()),
                start: Some("s".into()),
                end: Some("e".into()),
                lead: Some("l".into()),
                measures: Some("m".into()),
                evidence_impact: Some("ei".into()),
            }),
            Event::ActionAmended(ActionAmended {
                id: "1.1".into(),
                changes: [("lead".to_string(), "x".to_string())].into(),
                reason: "r".into(),
                from: None,
            }),
            Event::ReviewScheduled(ReviewScheduled {
                label: "R".into(),
                date: "2020-01-31".into(),
            }),
            Event::StatusRecorded(StatusRecorded {
                action: "1.1".into(),
                review: "R".into(),
                status: "Completed".into(),
                note: Some("n".into()),
            }),
            Event::SourceImported(SourceImported {
                file_name: "f".into(),
                sha256: "00".into(),
                format: "wsoa_table".into(),
                entries: 3,
                warnings: vec!["w".into()],
            }),
            Event::Correction(Correction {
                target: 6,
                action: "1.1".into(),
                review: Some("R".into()),
                status: Some("Embedded".into()),
                note: None,
                changes: BTreeMap::new(),
                reason: "typo".into(),
            }),
            Event::Correction(Correction {
                target: 4,
                action: "1.1".into(),
                review: None,
                status: None,
                note: None,
                changes: [("lead".to_string(), "y".to_string())].into(),
                reason: "wrong lead".into(),
            }),
            Event::ActionWithdrawn(ActionWithdrawn {
                id: "1.1".into(),
                reason: "merged".into(),
                from: None,
            }),
            Event::ReviewRescheduled(ReviewRescheduled {
                label: "R".into(),
                new_label: Some("R2".into()),
                date: Some("2020-02-29".into()),
                reason: "board moved".into(),
            }),
        ]
    }

    #[test]
    fn fast_decoding_agrees_with_strict_parsing_for_every_event_type() {
        let mut prev = EntryHash::ZERO;
        for (i, event) in events().into_iter().enumerate() {
            let (entry, line) = Entry::seal(
                Seq(i as u64 + 1),
                "2021-01-01T00:00:00.000000Z".into(),
                "a".into(),
                event,
                prev,
            )
            .unwrap();
            prev = entry.hash;
            assert_eq!(decode_entry(&line).unwrap(), entry);
            assert_eq!(Entry::parse_strict(&line).unwrap(), entry);
        }
    }

    #[test]
    fn both_paths_refuse_the_same_malformed_events() {
        let bad = [
            json!({"type":"area_added","v":1,"id":"1","title":"t","status":"x"}),
            json!({"type":"area_added","v":2,"id":"1","title":"t"}),
            json!({"type":"area_added","id":"1","title":"t"}),
            json!({"type":"area_added","v":1,"id":"1"}),
            json!({"type":"area_removed","v":1,"id":"1"}),
            json!({"type":"area_added","v":1,"id":"1","title":"t","colour":"red"}),
        ];
        for event in bad {
            let line = json!({"seq":1,"recorded_at":"2021-01-01T00:00:00.000000Z","actor":"a","event":event.clone(),
                "prev":"0".repeat(64),"hash":"0".repeat(64)});
            let line = serde_json::to_vec(&line).unwrap();
            assert!(decode_entry(&line).is_err(), "fast path accepted {event}");
            assert!(
                Event::from_value(event.clone()).is_err(),
                "value path accepted {event}"
            );
        }
    }

    /// What [`decode_line`] makes of a line, as the entry [`decode_entry`] would give.
    fn via_decode_line(line: &[u8]) -> Result<(bool, Entry), EntryError> {
        Ok(match decode_line(line)? {
            DecodedLine::Status(s) => {
                let entry = decode_entry(line).unwrap();
                let event = Event::StatusRecorded(StatusRecorded {
                    action: s.action.into_owned(),
                    review: s.review.into_owned(),
                    status: s.status.into_owned(),
                    note: s.note.map(Cow::into_owned),
                });
                let borrowed = Entry {
                    seq: s.seq,
                    recorded_at: s.recorded_at.into_owned(),
                    actor: s.actor.into_owned(),
                    event,
                    prev: entry.prev,
                    hash: s.hash,
                };
                (true, borrowed)
            }
            DecodedLine::Entry(e) => (false, e),
        })
    }

    #[test]
    fn borrowed_statuses_agree_with_decoding() {
        let statuses = [
            (None, "r"),
            (Some("a \"note\" \\ é\n"), "RAG May 20"),
            (Some(""), "r\u{1}"),
        ];
        for (i, (note, review)) in statuses.into_iter().enumerate() {
            let event = Event::StatusRecorded(StatusRecorded {
                action: "1.1".into(),
                review: review.into(),
                status: "Completed".into(),
                note: note.map(String::from),
            });
            let (entry, line) = Entry::seal(
                Seq(i as u64 + 1),
                "2021-01-01T00:00:00.000000Z".into(),
                "a b".into(),
                event,
                EntryHash::ZERO,
            )
            .unwrap();
            assert_eq!(via_decode_line(&line).unwrap(), (true, entry));
        }
        // Every other event goes the general way, unchanged.
        for event in events() {
            let (entry, line) = Entry::seal(
                Seq(1),
                "2021-01-01T00:00:00.000000Z".into(),
                "a".into(),
                event,
                EntryHash::ZERO,
            )
            .unwrap();
            let status = matches!(entry.event, Event::StatusRecorded(_));
            assert_eq!(via_decode_line(&line).unwrap(), (status, entry));
        }
    }

    #[test]
    fn borrowed_statuses_refuse_what_decoding_refuses() {
        let ok = json!({"type":"status_recorded","v":1,"action":"1","review":"r","status":"s"});
        let bad_events = [
            json!({"type":"status_recorded","v":2,"action":"1","review":"r","status":"s"}),
            json!({"type":"status_recorded","v":0,"action":"1","review":"r","status":"s"}),
            json!({"type":"status_recorded","action":"1","review":"r","status":"s"}),
            json!({"type":"status_recorded","v":1,"review":"r","status":"s"}),
            json!({"type":"status_recorded","v":1,"action":"1","status":"s"}),
            json!({"type":"status_recorded","v":1,"action":"1","review":"r"}),
            json!({"type":"status_recorded","v":1,"action":"1","review":"r","status":"s","id":"x"}),
            json!({"type":"status_recorded","v":1,"action":1,"review":"r","status":"s"}),
        ];
        let line = |event: &serde_json::Value, seq: u64, time: &str, actor: &str, prev: &str| {
            serde_json::to_vec(
                &json!({"seq":seq,"recorded_at":time,"actor":actor,"event":event,
                "prev":prev,"hash":"0".repeat(64)}),
            )
            .unwrap()
        };
        let (time, zeros) = ("2021-01-01T00:00:00.000000Z", "0".repeat(64));
        for event in &bad_events {
            let l = line(event, 1, time, "a", &zeros);
            assert!(decode_line(&l).is_err(), "accepted {event}");
        }
        let bad_envelopes = [
            line(&ok, 0, time, "a", &zeros),
            line(&ok, 1, "2021-01-01", "a", &zeros),
            line(&ok, 1, time, " ", &zeros),
            line(&ok, 1, time, "a", "00"),
        ];
        for l in &bad_envelopes {
            let want = decode_entry(l).unwrap_err().to_string();
            let got = decode_line(l).unwrap_err().to_string();
            assert_eq!(got, want);
        }
        let good = line(&ok, 1, time, "a", &zeros);
        assert!(matches!(decode_line(&good), Ok(DecodedLine::Status(_))));
        // Read from the canonical check's spans, each gives what decode_line gives.
        let events = bad_events.iter().map(|e| line(e, 1, time, "a", &zeros));
        let all: Vec<Vec<u8>> = events.collect();
        let all = all.into_iter().chain(bad_envelopes).chain([good]);
        let mut read = 0;
        for l in all {
            let Ok((text, Some(spans))) = crate::canonical_check::check_line(&l) else {
                continue;
            };
            let want = match decode_line(&l) {
                Ok(DecodedLine::Status(s)) => Some(s),
                _ => None,
            };
            assert_eq!(status_from_spans(text, &spans), want, "{text}");
            read += 1;
        }
        assert_eq!(read, 7, "lines of the plain shape");
    }
}

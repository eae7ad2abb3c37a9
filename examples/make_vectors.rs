//! Builds the published verification vectors in `tests/vectors/`: small ledgers, checkpoints
//! and proofs, each forged to fail exactly one check FORMAT.md lists (or valid, as a
//! baseline), and `expected.json`, the verdict each must get.
//!
//! ```text
//! cargo run --example make_vectors -- tests/vectors
//! ```
//!
//! Everything is fixed: times in 2024 (one in 2999), Ed25519 keys from fixed 32-byte seeds,
//! and Ed25519 signatures are deterministic, so running it again writes the same bytes.
//! Every forged ledger is otherwise valid: the chain after the forged line is linked and
//! hashed again, so only the targeted check can fail. `tests/vectors.rs` runs every vector
//! through `readiness` and the ledgers through `tools/verify_ledger.py`.

use std::path::{Path, PathBuf};

use chrono::{TimeZone, Utc};
use readiness_ledger::chain::stored_facts;
use readiness_ledger::checkpoint::{b64, key_hash, Checkpoint, NoteSignature};
use readiness_ledger::clock::FixedClock;
use readiness_ledger::entry::{Entry, EntryHash, Seq};
use readiness_ledger::event::{
    ActionAdded, AreaAdded, Event, KeyRegistered, KeyRevoked, PlanCreated, ReviewScheduled,
    SignedOff, StatusRecorded,
};
use readiness_ledger::hex;
use readiness_ledger::merkle::{Hash, MemoryTree};
use readiness_ledger::plan::trust::{key_id, public_key, sign_bytes, sign_signoff};
use readiness_ledger::scale::StatusScale;
use readiness_ledger::store::MemoryLog;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};

const ORIGIN: &str = "example.org/vectors";
const ACTOR: &str = "plan.officer";
const REVIEW: &str = "RAG November 24";
/// The chair's key: registered at entry 2, never revoked; signs the sign-off and checkpoints.
const CHAIR: [u8; 32] = [0x11; 32];
const CHAIR_ROLE: &str = "SEND board chair";
/// The deputy's key: registered at entry 3, revoked at entry 9.
const DEPUTY: [u8; 32] = [0x22; 32];
const DEPUTY_ROLE: &str = "Deputy chair";
/// A key no vector ledger registers.
const OUTSIDER: [u8; 32] = [0x33; 32];

/// Stored lines, without their newlines.
type Lines = Vec<Vec<u8>>;

/// `2024-MM-DDTHH:MM:00.000000Z`.
fn at(month: u32, day: u32, hour: u32) -> String {
    format!("2024-{month:02}-{day:02}T{hour:02}:00:00.000000Z")
}

fn clock(month: u32, day: u32, hour: u32) -> FixedClock {
    FixedClock(Utc.with_ymd_and_hms(2024, month, day, hour, 0, 0).unwrap())
}

fn sha256_hex(bytes: &[u8]) -> String {
    hex::encode(&Sha256::digest(bytes))
}

/// The seq and hash of the line after which the next entry goes.
fn next(lines: &Lines) -> (u64, EntryHash) {
    match lines.last() {
        None => (1, EntryHash::ZERO),
        Some(line) => {
            // Lines of the wrong shape are still JSON with a seq and a hash.
            let v: Value = serde_json::from_slice(line).expect("a vector line is JSON");
            let seq = v["seq"].as_u64().expect("a vector line has a seq");
            let hash = EntryHash::from_hex(v["hash"].as_str().unwrap_or_default());
            (seq + 1, hash.expect("a vector line has a hash"))
        }
    }
}

fn hash_of(lines: &Lines, seq: u64) -> EntryHash {
    stored_facts(&lines[seq as usize - 1]).unwrap().hash
}

/// Appends `event` at `at`, linked and hashed as `readiness` does.
fn push(lines: &mut Lines, at: &str, event: Event) {
    let (seq, prev) = next(lines);
    push_with(lines, seq, prev, at, event);
}

/// Appends `event` with the seq and prev given (forged or not), hashed as `readiness` does.
fn push_with(lines: &mut Lines, seq: u64, prev: EntryHash, at: &str, event: Event) {
    let (_, line) = Entry::seal(Seq(seq), at.into(), ACTOR.into(), event, prev).expect("seal");
    lines.push(line);
}

/// A line from its text around the `hash` member: the hash is the SHA-256 of `before` and
/// `after` joined, which is what every verifier computes from the stored bytes.
fn seal_parts(before: &str, after: &str) -> Vec<u8> {
    let hash = sha256_hex(format!("{before}{after}").as_bytes());
    format!("{before},\"hash\":\"{hash}\"{after}").into_bytes()
}

/// The members after `hash` of the next entry, recorded at `at`.
fn tail(lines: &Lines, at: &str) -> String {
    let (seq, prev) = next(lines);
    format!(",\"prev\":\"{prev}\",\"recorded_at\":\"{at}\",\"seq\":{seq}}}")
}

/// Appends an entry whose event is written as `event_json`, byte for byte.
fn push_raw(lines: &mut Lines, at: &str, event_json: &str) {
    let before = format!("{{\"actor\":\"{ACTOR}\",\"event\":{event_json}");
    let line = seal_parts(&before, &tail(lines, at));
    lines.push(line);
}

fn jsonl(lines: &Lines) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

fn key_registered(name: &str, seed: &[u8; 32], role: &str) -> Event {
    let pk = public_key(seed);
    Event::KeyRegistered(KeyRegistered {
        name: name.into(),
        key_id: key_id(&pk),
        public_key: hex::encode(&pk),
        role: role.into(),
    })
}

fn status(action: &str, status: &str) -> Event {
    Event::StatusRecorded(StatusRecorded {
        action: action.into(),
        review: REVIEW.into(),
        status: status.into(),
        note: None,
    })
}

/// An unsigned sign-off of 1.1 at the review, naming head `head`.
fn signoff_fields(seed: &[u8; 32], role: &str, status: &str, head: (u64, EntryHash)) -> SignedOff {
    SignedOff {
        action: "1.1".into(),
        review: REVIEW.into(),
        status: status.into(),
        key_id: key_id(&public_key(seed)),
        role: role.into(),
        head_seq: head.0,
        head_hash: head.1.to_hex(),
        statement: Some("Checked against the board minutes".into()),
        signature: String::new(),
        version: 2,
    }
}

fn signed(mut s: SignedOff, seed: &[u8; 32]) -> Event {
    sign_signoff(seed, ORIGIN, &mut s);
    Event::SignedOff(s)
}

/// Entries 1–7 of every vector ledger: a plan, two keys, an area, an action, a review and
/// a status.
fn opening() -> MemoryLog {
    let mut log = MemoryLog::new();
    log.append(
        ACTOR,
        &clock(11, 30, 9),
        vec![
            Event::PlanCreated(PlanCreated {
                title: "Verification vectors".into(),
                origin: ORIGIN.into(),
                scale: StatusScale::york(),
            }),
            key_registered("Chair of the SEND board", &CHAIR, CHAIR_ROLE),
            key_registered("Deputy chair of the SEND board", &DEPUTY, DEPUTY_ROLE),
        ],
    )
    .unwrap();
    log.append(
        ACTOR,
        &clock(11, 30, 10),
        vec![
            Event::AreaAdded(AreaAdded {
                id: "1".into(),
                title: "Leadership and governance".into(),
                finding: None,
            }),
            Event::ActionAdded(ActionAdded {
                id: "1.1".into(),
                area: "1".into(),
                action: "Produce the written statement of action".into(),
                ..Default::default()
            }),
            Event::ReviewScheduled(ReviewScheduled {
                label: REVIEW.into(),
                date: "2024-11-30".into(),
            }),
        ],
    )
    .unwrap();
    log.append(ACTOR, &clock(12, 2, 10), vec![status("1.1", "Completed")])
        .unwrap();
    log
}

fn head(log: &MemoryLog) -> (u64, EntryHash) {
    let (seq, hash) = log.plan().head.unwrap();
    (seq.0, hash)
}

/// The valid baseline, entries 1–9: the opening, the chair's sign-off of the status
/// (entry 8) and the deputy's key revoked (entry 9).
fn baseline_log() -> MemoryLog {
    let mut log = opening();
    let s = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", head(&log));
    log.append(ACTOR, &clock(12, 3, 11), vec![signed(s, &CHAIR)])
        .unwrap();
    log.append(
        ACTOR,
        &clock(12, 4, 12),
        vec![Event::KeyRevoked(KeyRevoked {
            key_id: key_id(&public_key(&DEPUTY)),
            reason: "left the board".into(),
        })],
    )
    .unwrap();
    log
}

fn lines_of(log: &MemoryLog) -> Lines {
    log.to_jsonl()
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .map(<[u8]>::to_vec)
        .collect()
}

/// When the forged entry (entry 10) and the entry after it are recorded.
fn forged_at() -> String {
    at(12, 5, 9)
}

/// A valid entry after the forged one, linked to it: the chain goes on unbroken.
fn push_trailing(lines: &mut Lines) {
    push(lines, &at(12, 6, 9), status("1.1", "Embedded"));
}

/// The baseline with `forge` appending entry 10, then one valid entry linked after it.
fn forged(forge: impl FnOnce(&mut Lines)) -> Lines {
    let mut lines = lines_of(&baseline_log());
    forge(&mut lines);
    push_trailing(&mut lines);
    lines
}

/// One ledger vector and what every verifier must say about it.
struct LedgerCase {
    file: &'static str,
    attack: &'static str,
    lines: Vec<u8>,
    /// `None`: the ledger verifies.
    failure: Option<(u64, &'static str, &'static str)>,
    /// The verdict needs Ed25519 arithmetic (not only the rules around it).
    needs_signature_math: bool,
}

fn ok(file: &'static str, attack: &'static str, lines: &Lines) -> LedgerCase {
    LedgerCase {
        file,
        attack,
        lines: jsonl(lines),
        failure: None,
        needs_signature_math: false,
    }
}

fn bad(
    file: &'static str,
    attack: &'static str,
    lines: &Lines,
    seq: u64,
    check: &'static str,
    reason: &'static str,
) -> LedgerCase {
    LedgerCase {
        file,
        attack,
        lines: jsonl(lines),
        failure: Some((seq, check, reason)),
        needs_signature_math: false,
    }
}

const STATUS_PREFIX: &str = r#"{"action":"1.1","#;

fn ledger_cases() -> Vec<LedgerCase> {
    let base = lines_of(&baseline_log());
    let outsider_id = key_id(&public_key(&OUTSIDER));
    let mut cases = vec![ok(
        "ok.jsonl",
        "none: the valid baseline (plan, two keys, an area, an action, a review, a status, a version 2 sign-off, a revocation)",
        &base,
    )];

    // A version 1 sign-off before the first version 2 one is valid.
    let mut log = opening();
    let mut v1 = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", head(&log));
    v1.version = 1;
    v1.statement = Some("Signed before version 2 existed".into());
    log.append(ACTOR, &clock(12, 3, 11), vec![signed(v1, &CHAIR)])
        .unwrap();
    let v2 = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", head(&log));
    log.append(ACTOR, &clock(12, 4, 11), vec![signed(v2, &CHAIR)])
        .unwrap();
    cases.push(ok(
        "ok-signoff-v1-then-v2.jsonl",
        "none: a version 1 sign-off (signature over the body alone) before a version 2 one",
        &lines_of(&log),
    ));

    // Canonical form: each line's hash is computed over its bytes as written, so only the
    // form is wrong.
    let raw = |json: &str| forged(|l| push_raw(l, &forged_at(), json));
    cases.push(bad(
        "canonical-duplicate-key.jsonl",
        "a key twice in the event (\"status\":\"Completed\",\"status\":\"Not started\"): readers disagree on which one counts",
        &raw(&format!(r#"{STATUS_PREFIX}"review":"{REVIEW}","status":"Completed","status":"Not started","type":"status_recorded","v":1}}"#)),
        10,
        "canonical form",
        "duplicate key",
    ));
    cases.push(bad(
        "canonical-whitespace.jsonl",
        "a space after a colon in the event",
        &raw(&format!(r#"{STATUS_PREFIX}"review":"{REVIEW}","status": "Embedded","type":"status_recorded","v":1}}"#)),
        10,
        "canonical form",
        "whitespace",
    ));
    cases.push(bad(
        "canonical-escape.jsonl",
        "a character escaped that canonical JSON writes as itself (\\u0041 for A)",
        &raw(&format!(r#"{STATUS_PREFIX}"note":"\u0041greed at the board","review":"{REVIEW}","status":"Embedded","type":"status_recorded","v":1}}"#)),
        10,
        "canonical form",
        "escaped a character",
    ));
    cases.push(bad(
        "canonical-float.jsonl",
        "a floating-point number (\"v\":1.0)",
        &raw(&format!(r#"{STATUS_PREFIX}"review":"{REVIEW}","status":"Embedded","type":"status_recorded","v":1.0}}"#)),
        10,
        "canonical form",
        "a fraction or exponent",
    ));
    cases.push(bad(
        "canonical-unsorted-keys.jsonl",
        "event members not in sorted order (\"type\" first)",
        &raw(&format!(r#"{{"type":"status_recorded","action":"1.1","review":"{REVIEW}","status":"Embedded","v":1}}"#)),
        10,
        "canonical form",
        "keys not in sorted order",
    ));

    // Entry shape.
    let event = format!(
        r#"{STATUS_PREFIX}"review":"{REVIEW}","status":"Embedded","type":"status_recorded","v":1}}"#
    );
    cases.push(bad(
        "shape-extra-member.jsonl",
        "a seventh member (\"note\") beside the six an entry has",
        &forged(|l| {
            let after = format!(",\"note\":\"x\"{}", tail(l, &forged_at()));
            let line = seal_parts(
                &format!("{{\"actor\":\"{ACTOR}\",\"event\":{event}"),
                &after,
            );
            l.push(line);
        }),
        10,
        "entry shape",
        "not an entry line",
    ));
    cases.push(bad(
        "shape-missing-actor.jsonl",
        "no actor member",
        &forged(|l| {
            let line = seal_parts(&format!("{{\"event\":{event}"), &tail(l, &forged_at()));
            l.push(line);
        }),
        10,
        "entry shape",
        "not an entry line",
    ));

    // The chain.
    cases.push(bad(
        "seq-gap.jsonl",
        "entry 10 numbered 11 (an entry taken out)",
        &forged(|l| {
            let (_, prev) = next(l);
            push_with(l, 11, prev, &forged_at(), status("1.1", "Embedded"));
        }),
        10,
        "seq",
        "where seq 10 was expected",
    ));
    let mut altered = base.clone();
    let text = String::from_utf8(altered[6].clone()).unwrap();
    altered[6] = text.replace("\"Completed\"", "\"Embedded\"").into_bytes();
    cases.push(bad(
        "hash-mismatch.jsonl",
        "entry 7's status changed from Completed to Embedded, its stored hash left as it was",
        &altered,
        7,
        "hash",
        "hash does not match its contents",
    ));
    cases.push(bad(
        "link-broken.jsonl",
        "entry 10's prev names entry 8, not entry 9 (an entry put in the wrong place)",
        &forged(|l| {
            let prev = hash_of(l, 8);
            push_with(l, 10, prev, &forged_at(), status("1.1", "Embedded"));
        }),
        10,
        "link",
        "the chain is broken here",
    ));
    cases.push(bad(
        "time-order.jsonl",
        "entry 10 recorded on 29 November 2024, before entry 9",
        &forged(|l| push(l, &at(11, 29, 9), status("1.1", "Embedded"))),
        10,
        "time order",
        "is earlier than the previous entry's",
    ));
    let mut future = base.clone();
    push(
        &mut future,
        "2999-01-01T00:00:00.000000Z",
        status("1.1", "Embedded"),
    );
    cases.push(bad(
        "future.jsonl",
        "entry 10 recorded in 2999",
        &future,
        10,
        "not in the future",
        "is in the future",
    ));

    // Event schema.
    cases.push(bad(
        "schema-unknown-type.jsonl",
        "an event type no version of the format has (area_removed)",
        &raw(r#"{"id":"1","type":"area_removed","v":1}"#),
        10,
        "event schema",
        "area_removed",
    ));
    cases.push(bad(
        "schema-unknown-version.jsonl",
        "an area_added event at version 2, which does not exist",
        &raw(r#"{"id":"2","title":"Partnership","type":"area_added","v":2}"#),
        10,
        "event schema",
        "event version 2",
    ));
    cases.push(bad(
        "schema-extra-member.jsonl",
        "an area_added event with a member its type does not have (colour)",
        &raw(r#"{"colour":"red","id":"2","title":"Partnership","type":"area_added","v":1}"#),
        10,
        "event schema",
        "colour",
    ));

    // Plan rules.
    cases.push(bad(
        "rules-unknown-action.jsonl",
        "a status for action 9.9, which the plan does not have",
        &forged(|l| push(l, &forged_at(), status("9.9", "Embedded"))),
        10,
        "plan rules",
        "unknown action",
    ));
    cases.push(bad(
        "rules-status-not-in-scale.jsonl",
        "a status (Done) that is not in the plan's scale",
        &forged(|l| push(l, &forged_at(), status("1.1", "Done"))),
        10,
        "plan rules",
        "is not in the plan's scale",
    ));
    cases.push(bad(
        "rules-second-plan.jsonl",
        "a second plan_created",
        &forged(|l| {
            push(
                l,
                &forged_at(),
                Event::PlanCreated(PlanCreated {
                    title: "Another plan".into(),
                    origin: "example.org/other".into(),
                    scale: StatusScale::york(),
                }),
            )
        }),
        10,
        "plan rules",
        "already has a plan",
    ));

    // Keys.
    cases.push(bad(
        "key-id-not-hash.jsonl",
        "a key registered with key_id the SHA-256 of its hex text, not of its 32 bytes; entry 11 is a sign-off by it",
        &{
            let mut l = base.clone();
            let pk = public_key(&OUTSIDER);
            let wrong_id = sha256_hex(hex::encode(&pk).as_bytes());
            push(
                &mut l,
                &forged_at(),
                Event::KeyRegistered(KeyRegistered {
                    name: "Someone".into(),
                    key_id: wrong_id.clone(),
                    public_key: hex::encode(&pk),
                    role: CHAIR_ROLE.into(),
                }),
            );
            let mut s = signoff_fields(&OUTSIDER, CHAIR_ROLE, "Completed", (9, hash_of(&l, 9)));
            s.key_id = wrong_id;
            push(&mut l, &at(12, 6, 9), signed(s, &OUTSIDER));
            l
        },
        10,
        "key ids",
        "key_id is not the SHA-256 of the public key",
    ));
    cases.push(bad(
        "key-registered-twice.jsonl",
        "the chair's key registered a second time, under another name",
        &forged(|l| {
            push(
                l,
                &forged_at(),
                key_registered("Someone else", &CHAIR, CHAIR_ROLE),
            )
        }),
        10,
        "key ids",
        "already registered",
    ));
    cases.push(bad(
        "key-revoked-unregistered.jsonl",
        "a key revoked that was never registered",
        &forged(|l| {
            push(
                l,
                &forged_at(),
                Event::KeyRevoked(KeyRevoked {
                    key_id: outsider_id.clone(),
                    reason: "lost".into(),
                }),
            )
        }),
        10,
        "key ids",
        "is registered",
    ));

    // Sign-offs: each signature below is valid unless the case says otherwise.
    let signoff = |l: &mut Lines, s: SignedOff, seed: &[u8; 32]| {
        push(l, &forged_at(), signed(s, seed));
    };
    let at9 = |l: &Lines| (9, hash_of(l, 9));
    let mut case = bad(
        "signoff-bad-signature.jsonl",
        "a sign-off whose statement was changed after it was signed",
        &forged(|l| {
            let mut s = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", at9(l));
            sign_signoff(&CHAIR, ORIGIN, &mut s);
            s.statement = Some("Checked against nothing".into());
            push(l, &forged_at(), Event::SignedOff(s));
        }),
        10,
        "signatures",
        "the signature does not match",
    );
    case.needs_signature_math = true;
    cases.push(case);
    cases.push(bad(
        "signoff-revoked-key.jsonl",
        "a sign-off by the deputy's key, revoked at entry 9",
        &forged(|l| {
            let s = signoff_fields(&DEPUTY, DEPUTY_ROLE, "Completed", at9(l));
            signoff(l, s, &DEPUTY)
        }),
        10,
        "signatures",
        "was revoked at entry 9",
    ));
    cases.push(bad(
        "signoff-unregistered-key.jsonl",
        "a sign-off by a key the ledger never registered",
        &forged(|l| {
            let s = signoff_fields(&OUTSIDER, CHAIR_ROLE, "Completed", at9(l));
            signoff(l, s, &OUTSIDER)
        }),
        10,
        "signatures",
        "is not registered",
    ));
    cases.push(bad(
        "signoff-wrong-role.jsonl",
        "a sign-off by the chair's key in a role it is not registered for",
        &forged(|l| {
            let s = signoff_fields(&CHAIR, DEPUTY_ROLE, "Completed", at9(l));
            signoff(l, s, &CHAIR)
        }),
        10,
        "signatures",
        "is not the key's registered role",
    ));
    cases.push(bad(
        "signoff-head-beyond.jsonl",
        "a sign-off naming head 12 when the ledger has 9 entries before it",
        &forged(|l| {
            let s = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", (12, hash_of(l, 9)));
            signoff(l, s, &CHAIR)
        }),
        10,
        "signatures",
        "names head 12",
    ));
    cases.push(bad(
        "signoff-head-zero.jsonl",
        "a sign-off naming head 0 (no entry) with a hash of zeros; FORMAT.md requires 1 <= head_seq",
        &forged(|l| {
            let s = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", (0, EntryHash::ZERO));
            signoff(l, s, &CHAIR)
        }),
        10,
        "signatures",
        "names head 0",
    ));
    cases.push(bad(
        "signoff-v1-after-v2.jsonl",
        "a version 1 sign-off (validly signed under version 1) after the version 2 one at entry 8: a downgrade",
        &forged(|l| {
            let mut s = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", at9(l));
            s.version = 1;
            signoff(l, s, &CHAIR)
        }),
        10,
        "signatures",
        "a version 1 sign-off after version 2",
    ));
    let mut relabelled = lines_of(&opening());
    let mut s = signoff_fields(
        &CHAIR,
        CHAIR_ROLE,
        "Completed",
        (7, hash_of(&relabelled, 7)),
    );
    sign_signoff(&CHAIR, ORIGIN, &mut s);
    s.version = 1;
    push(&mut relabelled, &at(12, 3, 11), Event::SignedOff(s));
    push_trailing(&mut relabelled);
    let mut case = bad(
        "signoff-relabelled-version.jsonl",
        "a version 2 signature in a sign-off labelled version 1 (no version 2 sign-off before it)",
        &relabelled,
        8,
        "signatures",
        "the signature does not match",
    );
    case.needs_signature_math = true;
    cases.push(case);
    // The identity point is a valid encoding of a small-order point: with it as the public
    // key, R = the identity and S = 0 satisfy the plain Ed25519 equation for every message.
    // Strict verification (FORMAT.md) refuses small-order keys.
    let mut case = bad(
        "signoff-small-order-key.jsonl",
        "a key registered with a small-order public key (the identity point), and a sign-off by it whose signature (R = identity, S = 0) passes non-strict Ed25519 verification for any message",
        &{
            let mut l = base.clone();
            let identity = {
                let mut b = [0u8; 32];
                b[0] = 1;
                b
            };
            push(
                &mut l,
                &forged_at(),
                Event::KeyRegistered(KeyRegistered {
                    name: "Nobody".into(),
                    key_id: key_id(&identity),
                    public_key: hex::encode(&identity),
                    role: CHAIR_ROLE.into(),
                }),
            );
            let mut s = signoff_fields(&OUTSIDER, CHAIR_ROLE, "Completed", (9, hash_of(&l, 9)));
            s.key_id = key_id(&identity);
            let mut signature = [0u8; 64];
            signature[0] = 1;
            s.signature = hex::encode(&signature);
            push(&mut l, &at(12, 6, 9), Event::SignedOff(s));
            l
        },
        11,
        "signatures",
        "the signature does not match",
    );
    case.needs_signature_math = true;
    cases.push(case);
    cases.push(bad(
        "signoff-status-not-shown.jsonl",
        "a sign-off of Embedded while the status shown is Completed",
        &forged(|l| {
            let s = signoff_fields(&CHAIR, CHAIR_ROLE, "Embedded", at9(l));
            signoff(l, s, &CHAIR)
        }),
        10,
        "signed status shown",
        "is not the status shown",
    ));
    cases.push(bad(
        "signoff-repeated.jsonl",
        "entry 8's sign-off appended again, verbatim",
        &forged(|l| {
            let entry = Entry::decode(&l[7]).unwrap();
            push(l, &forged_at(), entry.event);
        }),
        10,
        "no repeated sign-off",
        "repeats the sign-off at entry 8",
    ));
    cases.push(bad(
        "signoff-wrong-head.jsonl",
        "a sign-off naming head 9 with entry 8's hash",
        &forged(|l| {
            let s = signoff_fields(&CHAIR, CHAIR_ROLE, "Completed", (9, hash_of(l, 8)));
            signoff(l, s, &CHAIR)
        }),
        10,
        "sign-off heads",
        "the sign-off names head 9",
    ));

    let mut truncated = jsonl(&base);
    truncated.pop();
    let last_start = truncated.iter().rposition(|b| *b == b'\n').unwrap() + 1;
    truncated.truncate(last_start + (truncated.len() - last_start) / 2);
    cases.push(LedgerCase {
        file: "truncated-last-line.jsonl",
        attack: "the last line cut in half (no closing brace, no newline)",
        lines: truncated,
        failure: Some((9, "canonical form", "not canonical JSON")),
        needs_signature_math: false,
    });
    cases
}

/// A command over the checkpoint and proof vectors, and its expected outcome.
struct CommandCase {
    file: &'static str,
    attack: &'static str,
    args: Vec<&'static str>,
    ok: bool,
    reason: &'static str,
}

fn pub_file(seed: &[u8; 32], name: &str) -> String {
    format!(
        "# readiness Ed25519 public key for {name}\n{}\n",
        hex::encode(&public_key(seed))
    )
}

fn tree_of(lines: &Lines) -> MemoryTree {
    let mut tree = MemoryTree::new();
    for l in lines {
        tree.push_leaf(l);
    }
    tree
}

fn checkpoint(size: u64, root: Hash, signer: Option<&[u8; 32]>) -> String {
    let mut c = Checkpoint::new(ORIGIN, size, root).unwrap();
    if let Some(seed) = signer {
        c.sign(ORIGIN, seed).unwrap();
    }
    c.to_text()
}

fn b64_all(hashes: &[Hash]) -> Vec<String> {
    hashes.iter().map(|h| b64(h)).collect()
}

/// Files for `verify --checkpoint` and `verify-proof`, all about `ok.jsonl`.
fn command_cases(out: &mut Vec<(String, Vec<u8>)>) -> Vec<CommandCase> {
    let base = lines_of(&baseline_log());
    let tree = tree_of(&base);
    let size = tree.size();
    let root = tree.root();
    let mut file = |name: &str, bytes: Vec<u8>| out.push((name.to_string(), bytes));
    file("chair.pub", pub_file(&CHAIR, "the chair").into_bytes());
    file(
        "outsider.pub",
        pub_file(&OUTSIDER, "an outsider").into_bytes(),
    );

    file(
        "checkpoint-ok.ckpt",
        checkpoint(size, root, Some(&CHAIR)).into_bytes(),
    );
    file(
        "checkpoint-5.ckpt",
        checkpoint(5, tree.root_at(5).unwrap(), Some(&CHAIR)).into_bytes(),
    );
    file(
        "checkpoint-deputy-before-revocation.ckpt",
        checkpoint(8, tree.root_at(8).unwrap(), Some(&DEPUTY)).into_bytes(),
    );
    file(
        "checkpoint-unregistered-key.ckpt",
        checkpoint(size, root, Some(&OUTSIDER)).into_bytes(),
    );
    file(
        "checkpoint-revoked-key.ckpt",
        checkpoint(size, root, Some(&DEPUTY)).into_bytes(),
    );
    file(
        "checkpoint-unsigned.ckpt",
        checkpoint(size, root, None).into_bytes(),
    );
    // The line names the chair's key (its key hash) but the outsider made the signature.
    let mut c = Checkpoint::new(ORIGIN, size, root).unwrap();
    let sig = sign_bytes(&OUTSIDER, c.note_text().as_bytes());
    c.signatures.push(NoteSignature {
        name: ORIGIN.into(),
        key_hash: key_hash(ORIGIN, &public_key(&CHAIR)),
        signature: sig.to_vec(),
    });
    file("checkpoint-names-other-key.ckpt", c.to_text().into_bytes());
    // Another history of the same size: entry 7 says Embedded, and everything after it was
    // linked and signed again. The chair signed its root; it is not this ledger's.
    let mut lines = lines_of(&opening());
    lines.truncate(6);
    push(&mut lines, &at(12, 2, 10), status("1.1", "Embedded"));
    let s = signoff_fields(&CHAIR, CHAIR_ROLE, "Embedded", (7, hash_of(&lines, 7)));
    push(&mut lines, &at(12, 3, 11), signed(s, &CHAIR));
    push(
        &mut lines,
        &at(12, 4, 12),
        Event::KeyRevoked(KeyRevoked {
            key_id: key_id(&public_key(&DEPUTY)),
            reason: "left the board".into(),
        }),
    );
    let fork_root = tree_of(&lines).root();
    file(
        "checkpoint-fork.ckpt",
        checkpoint(size, fork_root, Some(&CHAIR)).into_bytes(),
    );

    // Proofs.
    let entry8 = String::from_utf8(base[7].clone()).unwrap();
    let inclusion = |entry: &str, path: Vec<String>| {
        json!({
            "type": "inclusion",
            "origin": ORIGIN,
            "entry": entry,
            "seq": 8,
            "leaf_index": 7,
            "tree_size": size,
            "root": b64(&root),
            "audit_path": path,
        })
    };
    let path = b64_all(&tree.inclusion_proof(7, size).unwrap());
    let proof_file = |v: Value| (serde_json::to_string_pretty(&v).unwrap() + "\n").into_bytes();
    file(
        "proof-inclusion.json",
        proof_file(inclusion(&entry8, path.clone())),
    );
    let mut bent = path.clone();
    bent[0] = b64(&Sha256::digest(b"another leaf"));
    file(
        "proof-inclusion-tampered-path.json",
        proof_file(inclusion(&entry8, bent)),
    );
    let changed = entry8.replace(
        "Checked against the board minutes",
        "Checked against nothing",
    );
    file(
        "proof-inclusion-tampered-entry.json",
        proof_file(inclusion(&changed, path)),
    );
    let consistency = |proof: Vec<String>| {
        json!({
            "type": "consistency",
            "origin": ORIGIN,
            "old_size": 5,
            "new_size": size,
            "old_root": b64(&tree.root_at(5).unwrap()),
            "new_root": b64(&root),
            "proof": proof,
        })
    };
    let proof = b64_all(&tree.consistency_proof(5, size).unwrap());
    file(
        "proof-consistency.json",
        proof_file(consistency(proof.clone())),
    );
    let mut bent = proof;
    bent.swap(0, 1);
    file(
        "proof-consistency-tampered.json",
        proof_file(consistency(bent)),
    );

    let verify = |ckpt: &'static str| {
        vec![
            "verify",
            "--ledger",
            "ok.jsonl",
            "--checkpoint",
            ckpt,
            "--format",
            "json",
        ]
    };
    let verify_proof = |proof: &'static str, ckpts: &[&'static str]| {
        let mut args = vec!["verify-proof", proof];
        for c in ckpts {
            args.extend(["--checkpoint", c]);
        }
        args.extend(["--public-key", "chair.pub"]);
        args
    };
    vec![
        CommandCase {
            file: "checkpoint-ok.ckpt",
            attack: "none: the checkpoint of ok.jsonl, signed by the chair's registered key",
            args: verify("checkpoint-ok.ckpt"),
            ok: true,
            reason: "",
        },
        CommandCase {
            file: "checkpoint-deputy-before-revocation.ckpt",
            attack: "none: the checkpoint of the first 8 entries, signed by the deputy's key, revoked only at entry 9",
            args: verify("checkpoint-deputy-before-revocation.ckpt"),
            ok: true,
            reason: "",
        },
        CommandCase {
            file: "checkpoint-unregistered-key.ckpt",
            attack: "a checkpoint signed by a key the ledger never registered",
            args: verify("checkpoint-unregistered-key.ckpt"),
            ok: false,
            reason: "no key this ledger registered",
        },
        CommandCase {
            file: "checkpoint-revoked-key.ckpt",
            attack: "a checkpoint of 9 entries signed by the deputy's key, revoked at entry 9",
            args: verify("checkpoint-revoked-key.ckpt"),
            ok: false,
            reason: "no key this ledger registered",
        },
        CommandCase {
            file: "checkpoint-unsigned.ckpt",
            attack: "a checkpoint with no signature line",
            args: verify("checkpoint-unsigned.ckpt"),
            ok: false,
            reason: "it is not signed",
        },
        CommandCase {
            file: "checkpoint-names-other-key.ckpt",
            attack: "a signature line naming the chair's key (its key hash) whose signature another key made",
            args: verify("checkpoint-names-other-key.ckpt"),
            ok: false,
            reason: "does not verify",
        },
        CommandCase {
            file: "checkpoint-fork.ckpt",
            attack: "a checkpoint the chair signed of another history of 9 entries (entry 7 says Embedded)",
            args: verify("checkpoint-fork.ckpt"),
            ok: false,
            reason: "were changed",
        },
        CommandCase {
            file: "proof-inclusion.json",
            attack: "none: entry 8 is in the tree of checkpoint-ok.ckpt",
            args: verify_proof("proof-inclusion.json", &["checkpoint-ok.ckpt"]),
            ok: true,
            reason: "",
        },
        CommandCase {
            file: "proof-inclusion-tampered-path.json",
            attack: "an inclusion proof with its first audit-path hash replaced",
            args: verify_proof("proof-inclusion-tampered-path.json", &["checkpoint-ok.ckpt"]),
            ok: false,
            reason: "is not proven",
        },
        CommandCase {
            file: "proof-inclusion-tampered-entry.json",
            attack: "an inclusion proof whose entry line was changed (the sign-off's statement)",
            args: verify_proof("proof-inclusion-tampered-entry.json", &["checkpoint-ok.ckpt"]),
            ok: false,
            reason: "is not proven",
        },
        CommandCase {
            file: "proof-inclusion.json",
            attack: "a valid inclusion proof checked against a checkpoint no trusted key signed",
            args: verify_proof("proof-inclusion.json", &["checkpoint-unregistered-key.ckpt"]),
            ok: false,
            reason: "no trusted key signed",
        },
        CommandCase {
            file: "proof-inclusion.json",
            attack: "a valid inclusion proof checked against a checkpoint whose signature line names the trusted key but another key signed",
            args: verify_proof("proof-inclusion.json", &["checkpoint-names-other-key.ckpt"]),
            ok: false,
            reason: "does not verify",
        },
        CommandCase {
            file: "proof-inclusion.json",
            attack: "none: a checkpoint signed by a key the ledger never registered, checked with that key given as trusted (a witness's, say)",
            args: vec![
                "verify-proof",
                "proof-inclusion.json",
                "--checkpoint",
                "checkpoint-unregistered-key.ckpt",
                "--public-key",
                "outsider.pub",
            ],
            ok: true,
            reason: "",
        },
        CommandCase {
            file: "proof-consistency.json",
            attack: "none: the tree of 9 entries extends that of 5",
            args: verify_proof(
                "proof-consistency.json",
                &["checkpoint-5.ckpt", "checkpoint-ok.ckpt"],
            ),
            ok: true,
            reason: "",
        },
        CommandCase {
            file: "proof-consistency-tampered.json",
            attack: "a consistency proof with two hashes swapped",
            args: verify_proof(
                "proof-consistency-tampered.json",
                &["checkpoint-5.ckpt", "checkpoint-ok.ckpt"],
            ),
            ok: false,
            reason: "is not proven to extend",
        },
    ]
}

fn write(dir: &Path, name: &str, bytes: &[u8]) {
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
}

/// One case as one line of JSON, members in reading order.
fn case_line(members: &[(&str, Value)]) -> String {
    let parts: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}: {}", json!(k), v))
        .collect();
    format!("    {{{}}}", parts.join(", "))
}

const ABOUT: &str = "Verification vectors for the readiness-ledger format (FORMAT.md), made by `cargo run --example make_vectors -- tests/vectors`. Run each case's `command` from tests/vectors/ (`readiness` is the reference program: substitute your own verifier). It must exit with `exit`. For a ledger (`verify`), `verdict` is ok or FAILED, and a FAILED ledger fails first at entry `seq`, in the check FORMAT.md's \"Verifying\" calls `check` (in `readiness verify --format json`: failure.seq and failure.check); `reason` is a substring of the reason readiness gives (failure.reason, or for checkpoints and proofs its output). `independent` runs tools/verify_ledger.py from the repository root: it must reach the same verdict and seq. `needs_signature_math`: the verdict depends on Ed25519 verification itself, not only on the rules around it.";

/// `tests/vectors/README.md`; the tables are filled in from the cases.
const README: &str = r#"# Verification vectors

Small ledgers, checkpoints and proofs for anyone writing a verifier of the readiness-ledger
format (FORMAT.md): each is valid, or forged to fail exactly one check, and
`expected.json` gives the verdict each must get. `tests/vectors.rs` runs every case through
`readiness` and every ledger through the independent `tools/verify_ledger.py`.

**Source.** Every file here (this one too) is written by `examples/make_vectors.rs`:

    cargo run --example make_vectors -- tests/vectors

It is deterministic (fixed times in 2024, one in 2999; Ed25519 keys from fixed seeds;
deterministic signatures), so running it again rewrites the same bytes. Change a vector
there, never here. Licence: as the project, MIT OR Apache-2.0.

**The ledgers.** `ok.jsonl` is the baseline, origin `example.org/vectors`, 9 entries: the
plan (York scale), the chair's key (entry 2, role "SEND board chair"), the deputy's key
(entry 3, role "Deputy chair"), area 1, action 1.1, review "RAG November 24", status
Completed (entry 7), the chair's version 2 sign-off of it naming head 7 (entry 8) and the
deputy's key revoked (entry 9). Nearly every forged ledger is that baseline plus a forged
entry 10 and one valid entry after it (a status): the forged line is hashed over its bytes
as written and the chain after it linked again, so the first failure is the targeted check
and no other. The test keys' seeds are 32 bytes of `0x11` (chair, `chair.pub`), `0x22`
(deputy) and `0x33` (a key no ledger registers, `outsider.pub`); they sign nothing else.

**Using `expected.json`.** One case per line. `command` is run from this directory; replace
`readiness` by your verifier. A verifier must reach `verdict` (exit 0 for ok, 1 for
FAILED); for a FAILED ledger, the first failing entry is `seq` and the failing check, named
as FORMAT.md's "Verifying" names it, is `check` (`readiness verify --format json` reports
them as `failure.seq` and `failure.check`). `reason` is a substring of readiness's own
message, for reference. `independent` is the same ledger through `tools/verify_ledger.py`
(run from the repository root). `needs_signature_math` marks the cases whose verdict needs
Ed25519 verification itself (strict: no small-order keys or R, canonical S).

## Ledgers (`readiness verify --ledger FILE`)

| file | verdict | seq | check | forgery |
|---|---|---|---|---|
{LEDGERS}

`signoff-head-zero.jsonl` is FAILED by FORMAT.md (a sign-off names an entry `1 <= head_seq
< s`) but passes `readiness verify` for now: `tests/vectors.rs` lists it as a known bug.

## Checkpoints and proofs (all about `ok.jsonl`)

`verify --checkpoint` trusts the keys the ledger registered and had not revoked within the
checkpoint's size; `verify-proof` trusts only `--public-key`.

| command | verdict | forgery |
|---|---|---|
{COMMANDS}
"#;

fn main() {
    let dir: PathBuf = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("tests/vectors"));
    std::fs::create_dir_all(&dir).unwrap();
    let mut files = Vec::new();
    let mut cases = Vec::new();
    let (mut ledger_rows, mut command_rows) = (Vec::new(), Vec::new());
    for c in ledger_cases() {
        let entries = c.lines.split(|b| *b == b'\n').filter(|l| !l.is_empty());
        assert!(entries.count() <= 12, "{} is not tiny", c.file);
        files.push((c.file.to_string(), c.lines.clone()));
        let (seq, check, reason) = match c.failure {
            Some((s, c, r)) => (json!(s), json!(c), json!(r)),
            None => (Value::Null, Value::Null, Value::Null),
        };
        let failed = c.failure.is_some();
        ledger_rows.push(match c.failure {
            Some((seq, check, _)) => {
                format!("| `{}` | FAILED | {seq} | {check} | {} |", c.file, c.attack)
            }
            None => format!("| `{}` | ok | | | {} |", c.file, c.attack),
        });
        cases.push(case_line(&[
            ("file", json!(c.file)),
            ("verdict", json!(if failed { "FAILED" } else { "ok" })),
            ("exit", json!(u8::from(failed))),
            ("seq", seq),
            ("check", check),
            ("reason", reason),
            (
                "command",
                json!([
                    "readiness",
                    "verify",
                    "--ledger",
                    c.file,
                    "--format",
                    "json"
                ]),
            ),
            (
                "independent",
                json!([
                    "python3",
                    "tools/verify_ledger.py",
                    format!("tests/vectors/{}", c.file)
                ]),
            ),
            ("needs_signature_math", json!(c.needs_signature_math)),
            ("attack", json!(c.attack)),
        ]));
    }
    for c in command_cases(&mut files) {
        let mut command = vec!["readiness"];
        command.extend(&c.args);
        command_rows.push(format!(
            "| `{}` | {} | {} |",
            command.join(" "),
            if c.ok { "ok" } else { "FAILED" },
            c.attack
        ));
        cases.push(case_line(&[
            ("file", json!(c.file)),
            ("verdict", json!(if c.ok { "ok" } else { "FAILED" })),
            ("exit", json!(u8::from(!c.ok))),
            ("seq", Value::Null),
            ("check", Value::Null),
            ("reason", if c.ok { Value::Null } else { json!(c.reason) }),
            ("command", json!(command)),
            ("independent", Value::Null),
            ("needs_signature_math", json!(false)),
            ("attack", json!(c.attack)),
        ]));
    }
    for (name, bytes) in &files {
        write(&dir, name, bytes);
    }
    let text = format!(
        "{{\n  \"about\": {},\n  \"cases\": [\n{}\n  ]\n}}\n",
        json!(ABOUT),
        cases.join(",\n")
    );
    serde_json::from_str::<Value>(&text).expect("expected.json is JSON");
    write(&dir, "expected.json", text.as_bytes());
    let readme = README
        .replace("{LEDGERS}", &ledger_rows.join("\n"))
        .replace("{COMMANDS}", &command_rows.join("\n"));
    write(&dir, "README.md", readme.as_bytes());
    println!(
        "{} files, expected.json and README.md written to {}",
        files.len(),
        dir.display()
    );
}

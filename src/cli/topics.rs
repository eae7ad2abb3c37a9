//! The concepts `readiness help TOPIC` explains: what a person needs to know before the
//! options make sense. Each topic's examples run in the docs test like every help example.

/// One concept page.
#[derive(Debug, Clone, Copy)]
pub struct Topic {
    /// The word after `readiness help`.
    pub name: &'static str,
    /// One line for the list of topics.
    pub summary: &'static str,
    /// The page itself.
    pub text: &'static str,
}

/// Every topic, in the order a newcomer meets them.
pub const TOPICS: &[Topic] = &[
    Topic {
        name: "reviews",
        summary: "review points, and naming one with --as-of, --from, --to and --review",
        text: REVIEWS,
    },
    Topic {
        name: "clocks",
        summary: "the two clocks: the review a status is for, and when the ledger learned it",
        text: CLOCKS,
    },
    Topic {
        name: "corrections",
        summary: "fixing a mistake without editing anything",
        text: CORRECTIONS,
    },
    Topic {
        name: "evidence",
        summary: "evidence files: attached once, named by SHA-256, redacted lawfully",
        text: EVIDENCE,
    },
    Topic {
        name: "sign-offs",
        summary: "signing keys, and signing off the status shown for an action",
        text: SIGN_OFFS,
    },
    Topic {
        name: "proofs",
        summary: "heads, checkpoints and Merkle proofs",
        text: PROOFS,
    },
];

/// The topic with this name (or a common other spelling of it).
pub fn find(name: &str) -> Option<&'static Topic> {
    let name = name.trim().to_ascii_lowercase();
    let name = match name.as_str() {
        "review" | "as-of" | "asof" => "reviews",
        "clock" | "two-clocks" | "known-at" | "time" => "clocks",
        "correction" | "correct" => "corrections",
        "redaction" | "redact" => "evidence",
        "keys" | "key" | "sign-off" | "signoffs" | "signing" => "sign-offs",
        "proof" | "checkpoint" | "checkpoints" | "head" => "proofs",
        other => other,
    };
    TOPICS.iter().find(|t| t.name == name)
}

/// The list of topics, as the top-level help shows it.
pub fn list() -> String {
    let mut text = String::from("Concepts (readiness help TOPIC):\n");
    for t in TOPICS {
        text.push_str(&format!("  {:<12} {}\n", t.name, t.summary));
    }
    text
}

const REVIEWS: &str = "\
Reviews, and naming one

A plan is reviewed at dated review points (\"RAG November 20\", 30 November 2020). Every
status is recorded FOR a review: `status 1.3B Completed --review \"RAG May 21\"`. An
action with nothing recorded for a review shows its last earlier status there, marked
\"carried from\" that review.

Views take the point to show with --as-of (and `diff` with --from and --to). Any of these
name a review:
  a label, in any case and spacing      \"RAG November 20\", \"rag november 20\"
  a month                               \"November 20\", \"Nov 2020\", 2020-11
  a date: the latest review on or
    before it                           2020-11-30, 30/11/2020, \"30 November 2020\"
  the newest review                     latest
Without --as-of a view shows the latest review on or before today. --review (on
`status`, `sign-off`, `evidence add`) takes a label, or a month or date exactly one review
falls in. An unknown name lists the three nearest reviews.

Examples:
  readiness plan --as-of \"RAG November 20\"
  readiness plan --as-of latest --format csv
  readiness review add \"RAG November 22\" --date 2022-11-30
";

const CLOCKS: &str = "\
The two clocks

Every status has two times. The review it is for (valid time: --as-of) says which quarter
it describes. The time the ledger recorded it (transaction time: --known-at) says when
anyone could have known. They differ: a status for RAG November 20 typed in on 1 March
2021 is in the plan at November 20, but was not in the plan the board saw in December.

--known-at DATE replays only the entries recorded by the end of that day (or by an RFC
3339 time). It combines with --as-of on plan, matrix, history, diff, report and check:
\"the plan at RAG November 20, as the ledger knew it on 1 March 2021\". A status recorded
more than 14 days after its review is marked late; history brought in by `import` is
marked imported, with the time of the import, not of the review.

`log --since/--until` filter on transaction time; `history ACTION` shows both times of
every entry.

Examples:
  readiness plan --ledger events/york-wsoa.jsonl --as-of \"Nov 2020\" --known-at 2026-11-24
  readiness actors --ledger events/york-wsoa.jsonl --known-at 2026-11-24 --format csv
";

const CORRECTIONS: &str = "\
Corrections: nothing is edited

Every entry stays as it was written. A mistake is fixed by a new entry that says who fixed
it, when and why:
  correct SEQ       corrects a status (--status, --note) or an amendment (--lead, --end,
                    ...), or supersedes an evidence attachment; correct a correction to
                    fix it in turn. Views show the corrected value; `history` shows both.
  action amend      changes an action's fields from a review on (--from), with a reason.
  action withdraw   takes an action out of the plan from a review on; views of earlier
                    reviews still show it.
  review reschedule moves or renames a review; statuses recorded for it follow it.
Find the SEQ to correct with `readiness history ACTION` or `readiness log`. `check` and
the board report list the corrections made since the last review.

Examples:
  readiness history 1.3B
  readiness log --event correction
";

const EVIDENCE: &str = "\
Evidence, and redaction

`evidence add ACTION FILE` copies the file into the ledger's evidence/ folder under its
SHA-256 and appends an entry naming the hash, the file's name, its size, the action and
(with --review) the review it supports. The same content is stored once however often it
is attached. `verify` re-hashes every file and names any missing or altered one.

`evidence list` shows each attachment with its hash; `evidence get SHA256 --out FILE`
copies one out. When a file must be erased by law (it names a child, say), `evidence
redact SHA256 --reason ...` deletes the file and appends an entry saying who, when and
why: the entry that attached it keeps its hash, so the chain still verifies, and the
file is reported as redacted, never as missing.

Examples:
  readiness evidence list 1.3B
  readiness evidence list --format json
";

const SIGN_OFFS: &str = "\
Keys and sign-offs

A sign-off is a person's Ed25519 signature on the status shown for an action at a review.
`key new NAME --out FILE` makes a key pair on the signer's own machine (FILE stays
private; FILE.pub is handed over); `key register NAME --public FILE.pub --role ROLE` records
the public key in the ledger; `sign-off ACTION --review R --key FILE` signs. The signature
covers the action, review, status, the signer's key id and role, the ledger's origin and
head at signing, so `verify` can check every one, offline, against the key registered (and
not revoked) at the time. A status corrected after it was signed shows the sign-off as
no longer matching. `key revoke` stops a key signing from then on; older signatures stay
valid.

Examples:
  readiness key list
  readiness verify
";

const PROOFS: &str = "\
Heads, checkpoints and proofs

Each entry's hash covers the one before it, so the last entry (the head, `readiness head`)
pins the whole history: minute it at each board, and later `verify --expect SEQ:HASH`
proves today's ledger still holds that entry unchanged.

A checkpoint (`checkpoint --key FILE --out FILE`) is a signed note of the ledger's origin,
size and Merkle root (RFC 6962 over the entry lines). From it, without the ledger:
  prove inclusion SEQ --checkpoint C     this entry is in the tree C describes
  prove consistency OLD [NEW]            the tree only grew from OLD to NEW
and `verify-proof FILE --checkpoint C --public-key KEY.pub` checks either proof against
signed checkpoints, needing nothing else. `verify --checkpoint OLD` checks a whole ledger
(or an export) extends a checkpoint minuted earlier.

Examples:
  readiness head
  readiness checkpoint
  readiness prove inclusion 40 --checkpoint board.ckpt --out entry40.json
";

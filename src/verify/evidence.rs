//! Checking the evidence store against the ledger: every file an `evidence_attached` entry
//! names is re-hashed (streaming); redacted files are reported as redacted, and files no
//! entry names are reported as strays.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::ControlFlow;
use std::path::Path;

use serde::Serialize;

use crate::entry::Entry;
use crate::event::{Event, EvidenceAttached};
use crate::store::evidence::{hash_file, is_sha256_hex, EvidenceError, EvidenceStore, TMP_PREFIX};
use crate::store::{EntrySource, StoreError};

/// One `evidence_attached` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Attachment {
    pub seq: u64,
    pub recorded_at: String,
    pub actor: String,
    #[serde(flatten)]
    pub event: EvidenceAttached,
}

/// An `evidence_redacted` entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedactionInfo {
    pub seq: u64,
    pub recorded_at: String,
    pub actor: String,
    pub reason: String,
}

/// Every attachment and redaction in a ledger, in seq order.
#[derive(Debug, Clone, Default)]
pub struct Attachments {
    pub attached: Vec<Attachment>,
    /// By SHA-256; the first redaction of each content.
    pub redacted: BTreeMap<String, RedactionInfo>,
}

impl Attachments {
    /// The distinct contents named by attachments, in first-attached order, with their entries.
    pub fn contents(&self) -> Vec<(&str, Vec<&Attachment>)> {
        let mut order: Vec<&str> = Vec::new();
        let mut by_sha: BTreeMap<&str, Vec<&Attachment>> = BTreeMap::new();
        for a in &self.attached {
            let list = by_sha.entry(&a.event.sha256).or_default();
            if list.is_empty() {
                order.push(&a.event.sha256);
            }
            list.push(a);
        }
        order
            .into_iter()
            .map(|sha| (sha, by_sha.remove(sha).unwrap_or_default()))
            .collect()
    }
}

/// Reads the attachments and redactions from a ledger's entries, streaming. Stops at the
/// first line that does not decode (the chain check reports it).
pub fn collect(source: &dyn EntrySource) -> Result<Attachments, StoreError> {
    let mut out = Attachments::default();
    let finder = memchr::memmem::Finder::new(b"\"type\":\"evidence_");
    source.scan(&mut |line| {
        if finder.find(line.bytes).is_none() {
            return Ok(ControlFlow::Continue(()));
        }
        let Ok(entry) = Entry::decode(line.bytes) else {
            return Ok(ControlFlow::Break(()));
        };
        out.add(&entry);
        Ok(ControlFlow::Continue(()))
    })?;
    Ok(out)
}

impl Attachments {
    /// Notes `entry` if it attaches or redacts evidence; other entries are ignored.
    pub fn add(&mut self, entry: &Entry) {
        match &entry.event {
            Event::EvidenceAttached(e) => self.attached.push(Attachment {
                seq: entry.seq.0,
                recorded_at: entry.recorded_at.clone(),
                actor: entry.actor.clone(),
                event: e.clone(),
            }),
            Event::EvidenceRedacted(e) => {
                self.redacted
                    .entry(e.sha256.clone())
                    .or_insert_with(|| RedactionInfo {
                        seq: entry.seq.0,
                        recorded_at: entry.recorded_at.clone(),
                        actor: entry.actor.clone(),
                        reason: e.reason.clone(),
                    });
            }
            _ => {}
        }
    }
}

/// A problem that fails verification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "problem", rename_all = "snake_case")]
pub enum EvidenceProblem {
    /// No file for content an entry names.
    Missing {
        seqs: Vec<u64>,
        sha256: String,
        file_name: String,
        path: String,
    },
    /// The file is there but its bytes no longer hash to its name.
    Altered {
        seqs: Vec<u64>,
        sha256: String,
        file_name: String,
        path: String,
        found_sha256: String,
        found_size: u64,
        expected_size: u64,
    },
    /// Redacted, but the bytes are still on disk.
    NotErased {
        seqs: Vec<u64>,
        sha256: String,
        path: String,
        redacted_seq: u64,
    },
    /// The file could not be read.
    Unreadable {
        seqs: Vec<u64>,
        sha256: String,
        path: String,
        error: String,
    },
}

impl std::fmt::Display for EvidenceProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let name = |n: &str| crate::store::evidence::display_name(n, 80);
        match self {
            EvidenceProblem::Missing {
                seqs,
                file_name,
                path,
                ..
            } => write!(
                f,
                "{}: evidence file {path} (\"{}\") is missing",
                entries(seqs),
                name(file_name)
            ),
            EvidenceProblem::Altered {
                seqs,
                file_name,
                path,
                found_sha256,
                found_size,
                expected_size,
                ..
            } => write!(
                f,
                "{}: evidence file {path} (\"{}\") was altered: it now has SHA-256 {found_sha256} and {found_size} bytes (recorded: {expected_size} bytes)",
                entries(seqs),
                name(file_name)
            ),
            EvidenceProblem::NotErased {
                seqs,
                path,
                redacted_seq,
                ..
            } => write!(
                f,
                "{}: evidence file {path} was redacted at entry {redacted_seq} but its bytes are still there; run `readiness evidence redact` again to remove them",
                entries(seqs)
            ),
            EvidenceProblem::Unreadable {
                seqs, path, error, ..
            } => write!(f, "{}: evidence file {path} cannot be read: {error}", entries(seqs)),
        }
    }
}

fn entries(seqs: &[u64]) -> String {
    match seqs {
        [one] => format!("entry {one}"),
        many => format!(
            "entries {}",
            many.iter()
                .map(u64::to_string)
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

/// A redacted file: not a failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RedactedFile {
    pub seqs: Vec<u64>,
    pub sha256: String,
    pub file_name: String,
    pub redacted: RedactionInfo,
}

/// What the evidence check found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EvidenceReport {
    /// The evidence folder checked.
    pub dir: String,
    /// `evidence_attached` entries.
    pub entries: u64,
    /// Distinct contents re-hashed and found intact.
    pub verified: u64,
    /// Bytes re-hashed.
    pub bytes: u64,
    pub problems: Vec<EvidenceProblem>,
    pub redacted: Vec<RedactedFile>,
    /// Files in the evidence folder that no entry names (harmless, e.g. left by a crash
    /// between storing a file and appending its entry).
    pub strays: Vec<String>,
}

impl EvidenceReport {
    /// True when no named file is missing, altered or unreadable.
    pub fn ok(&self) -> bool {
        self.problems.is_empty()
    }
}

/// Checks the evidence folder of `ledger_dir` against `source`'s entries.
pub fn verify_evidence(
    source: &dyn EntrySource,
    ledger_dir: &Path,
) -> Result<EvidenceReport, EvidenceError> {
    let attachments = collect(source)?;
    check(&attachments, &EvidenceStore::new(ledger_dir))
}

/// Checks `store` against already collected attachments.
pub fn check(
    attachments: &Attachments,
    store: &EvidenceStore,
) -> Result<EvidenceReport, EvidenceError> {
    let mut report = EvidenceReport {
        dir: store.dir().display().to_string(),
        entries: attachments.attached.len() as u64,
        verified: 0,
        bytes: 0,
        problems: Vec::new(),
        redacted: Vec::new(),
        strays: Vec::new(),
    };
    let mut named = BTreeSet::new();
    for (sha, list) in attachments.contents() {
        named.insert(sha.to_string());
        let seqs: Vec<u64> = list.iter().map(|a| a.seq).collect();
        let Some(first) = list.first().copied() else {
            continue;
        };
        let path = store.dir().join(sha);
        let shown = path.display().to_string();
        let exists = is_sha256_hex(sha) && path.is_file();
        if let Some(r) = attachments.redacted.get(sha) {
            if exists {
                report.problems.push(EvidenceProblem::NotErased {
                    seqs: seqs.clone(),
                    sha256: sha.to_string(),
                    path: shown,
                    redacted_seq: r.seq,
                });
            }
            report.redacted.push(RedactedFile {
                seqs,
                sha256: sha.to_string(),
                file_name: first.event.file_name.clone(),
                redacted: r.clone(),
            });
            continue;
        }
        if !exists {
            report.problems.push(EvidenceProblem::Missing {
                seqs,
                sha256: sha.to_string(),
                file_name: first.event.file_name.clone(),
                path: shown,
            });
            continue;
        }
        match hash_file(&path) {
            Ok((found, size)) if found == sha && size == first.event.size => {
                report.verified += 1;
                report.bytes += size;
            }
            Ok((found, size)) => report.problems.push(EvidenceProblem::Altered {
                seqs,
                sha256: sha.to_string(),
                file_name: first.event.file_name.clone(),
                path: shown,
                found_sha256: found,
                found_size: size,
                expected_size: first.event.size,
            }),
            Err(e) => report.problems.push(EvidenceProblem::Unreadable {
                seqs,
                sha256: sha.to_string(),
                path: shown,
                error: e.to_string(),
            }),
        }
    }
    for name in store.names()? {
        if !named.contains(&name) {
            report.strays.push(name);
        }
    }
    Ok(report)
}

/// Describes a stray for people (names are escaped; temporary files are called so).
pub fn describe_stray(dir: &str, name: &str) -> String {
    let shown = crate::store::evidence::escape_name(name);
    if name.starts_with(TMP_PREFIX) {
        format!("{dir}/{shown} (an unfinished copy from an interrupted attach)")
    } else {
        format!("{dir}/{shown}")
    }
}

//! The plan as a fold of entries: areas, actions, reviews and every status recorded.
//!
//! [`Plan::apply`] holds no rules (it trusts what it is given); the rules live in
//! [`crate::plan::rules`], which the append path runs before anything is written.

use serde::{Deserialize, Serialize};

use crate::entry::{Entry, EntryHash, Seq};
use crate::event::Event;
use crate::scale::StatusScale;

pub use super::action::{Action, Amendment, Withdrawal};
use super::rules::RuleError;

/// Days after a review's date within which its statuses count as on time.
pub const LATE_AFTER_DAYS: i64 = 14;

/// An area for improvement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Area {
    pub id: String,
    pub title: String,
    pub finding: Option<String>,
}

/// A review point of the plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Review {
    pub label: String,
    pub date: String,
    pub seq: Seq,
    /// Labels it had before being renamed, oldest first.
    pub former_labels: Vec<String>,
}

/// A review label as a status key: interned, not copied, by every action's statuses.
pub type Label = crate::sym::Sym;

/// A string many records hold the same value of (status, actor, batch time).
pub type Shared = crate::sym::Sym;

/// A status as recorded for one action at one review, with who recorded it and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecordedStatus {
    /// Interned, like labels: a plan holds few distinct statuses, actors and batch times, and
    /// a 4-byte id each keeps a large plan small.
    pub status: Shared,
    pub note: Option<Shared>,
    /// The `status_recorded` entry.
    pub seq: Seq,
    /// The entry that last set the value shown: `seq`, or the latest correction of it.
    pub source: Seq,
    pub recorded_at: Shared,
    pub actor: Shared,
}

/// Statuses folded into a plan but not yet into their actions' maps ([`Plan::apply_status_later`]).
/// Put in together by [`Plan::settle`], grouped by action, each action's map is walked while
/// it is in the cache rather than once per status across thousands of actions.
#[derive(Debug, Default)]
pub struct Unsettled {
    /// (action index, (review label, record): taken when settled)
    held: Vec<(usize, Option<(Label, RecordedStatus)>)>,
    /// The records in action order while they are settled, and where each action's run
    /// ends: kept between settles, so that each settle writes to memory already in use
    /// rather than to fresh pages.
    sorted: Vec<Option<(Label, RecordedStatus)>>,
    next: Vec<usize>,
}

impl Unsettled {
    /// Room for `n` records held at once, taken now rather than by doubling as they come.
    pub fn with_capacity(n: usize) -> Unsettled {
        Unsettled {
            held: Vec::with_capacity(n),
            ..Unsettled::default()
        }
    }

    /// How many records wait: the holder settles before this passes a bound of its choosing.
    pub fn len(&self) -> usize {
        self.held.len()
    }

    pub fn is_empty(&self) -> bool {
        self.held.is_empty()
    }
}

/// The event members of a status, borrowed: [`Plan::apply_status`] folds one in.
#[derive(Debug, Clone, Copy)]
pub struct StatusRef<'a> {
    pub action: &'a str,
    pub review: &'a str,
    pub status: &'a str,
}

/// A file imported into the ledger, and the entries it produced.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Import {
    pub file_name: String,
    pub sha256: String,
    pub seq: Seq,
    /// Seqs `seq + 1 ..= last` came from the file.
    pub last: Seq,
}

/// The whole plan state; its size follows the plan, not the length of the log.
///
/// Equality compares contents only, not the lookup cache (empty after deserialising).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Plan {
    pub title: String,
    pub origin: String,
    pub scale: Option<StatusScale>,
    pub areas: Vec<Area>,
    /// In the order they were added: the plan's own order.
    pub actions: Vec<Action>,
    pub reviews: Vec<Review>,
    pub imports: Vec<Import>,
    /// Evidence files by SHA-256.
    pub evidence: super::trust_records::EvidenceIndex,
    /// Signing keys by key id.
    pub keys: super::trust_records::KeyIndex,
    /// Seq and hash of the last entry folded in.
    pub head: Option<(Seq, EntryHash)>,
    /// Last `recorded_at` folded in, so new entries never go back in time.
    pub last_recorded_at: Option<String>,
    /// The newest `signed_off` version folded in: older ones are refused after it.
    #[serde(default)]
    pub sign_off_version: u64,
    /// The indexes use foldhash: seeded at random per map like SipHash, so crafted ids do
    /// not collide at will, and several times quicker on short keys looked up per status.
    #[serde(skip)]
    action_index: super::id_index::IdIndex,
    /// Reviews by label, kept with the action index: a status lookup is on every replay.
    #[serde(skip)]
    review_index: foldhash::HashMap<String, usize>,
    /// The action [`Plan::index_of`] found last.
    #[serde(skip)]
    last_action: Hint,
    /// The last `recorded_at` shared into a status: a batch's entries all carry the same one.
    #[serde(skip)]
    last_stamp: Option<Shared>,
    /// The last actor shared into a status, for the same reason.
    #[serde(skip)]
    last_actor: Option<Shared>,
    /// A plan folded only to check entries ([`Plan::for_rules`]) keeps its statuses here,
    /// as the rules read them, and none in its actions.
    #[serde(skip)]
    rules_only: Option<super::rule_statuses::RuleStatuses>,
    /// Labels statuses passed the rules with since the last entry of another kind.
    #[serde(skip)]
    passed: PassedLabels,
}

/// The review and the status values that statuses have passed the rules with, since the last
/// entry of another kind (any of which may rename a review or set the scale): verify's status
/// path compares a status's texts with these instead of looking the review up and interning
/// both texts, two hash lookups a status.
#[derive(Debug, Clone, Default)]
struct PassedLabels {
    review: Option<Label>,
    /// At most [`PassedLabels::STATUSES`]: a scale has a handful of values.
    statuses: Vec<Label>,
}

impl PassedLabels {
    const STATUSES: usize = 16;

    /// The labels of `review` and `status`, if both have passed.
    fn get(&self, review: &str, status: &str) -> Option<(Label, Label)> {
        let review = self.review.filter(|l| l.as_str() == review)?;
        let status = self.statuses.iter().find(|l| l.as_str() == status)?;
        Some((review, *status))
    }

    fn remember(&mut self, review: Label, status: Label) {
        self.review = Some(review);
        if !self.statuses.contains(&status) && self.statuses.len() < Self::STATUSES {
            self.statuses.push(status);
        }
    }
}

/// The index of the action found last: a lookup hint, atomic so that one plan can be read
/// by many threads at once (the server shares the plan at the head between requests).
#[derive(Debug, Default)]
struct Hint(std::sync::atomic::AtomicUsize);

impl Hint {
    fn get(&self) -> usize {
        self.0.load(std::sync::atomic::Ordering::Relaxed)
    }

    fn set(&self, i: usize) {
        if self.get() != i {
            self.0.store(i, std::sync::atomic::Ordering::Relaxed);
        }
    }
}

/// Hints never make two plans differ.
impl PartialEq for Hint {
    fn eq(&self, _: &Hint) -> bool {
        true
    }
}

impl Eq for Hint {}

impl Clone for Hint {
    fn clone(&self) -> Hint {
        Hint(std::sync::atomic::AtomicUsize::new(self.get()))
    }
}

impl Eq for Plan {}

impl PartialEq for Plan {
    fn eq(&self, other: &Plan) -> bool {
        // Every field but the cache; listing them all makes a new field a compile error here.
        let Plan {
            title,
            origin,
            scale,
            areas,
            actions,
            reviews,
            imports,
            evidence,
            keys,
            head,
            last_recorded_at,
            sign_off_version,
            action_index: _,
            review_index: _,
            last_action: _,
            last_stamp: _,
            last_actor: _,
            passed: _,
            rules_only,
        } = self;
        *title == other.title
            && *origin == other.origin
            && *scale == other.scale
            && *areas == other.areas
            && *actions == other.actions
            && *reviews == other.reviews
            && *imports == other.imports
            && *evidence == other.evidence
            && *keys == other.keys
            && *head == other.head
            && *last_recorded_at == other.last_recorded_at
            && *sign_off_version == other.sign_off_version
            && *rules_only == other.rules_only
    }
}

impl Plan {
    /// An empty plan: a ledger with no entries.
    pub fn new() -> Plan {
        Plan::default()
    }

    /// An empty plan for checking entries only (verify's fold): it keeps of each status
    /// what the rules read, its value and the entry that set it, and its actions show
    /// none. It refuses and accepts exactly what [`Plan::new`] does; it is never shown.
    pub fn for_rules() -> Plan {
        Plan {
            rules_only: Some(Default::default()),
            ..Plan::default()
        }
    }

    /// The status shown for `action` at `review`, as the rules read it.
    pub(crate) fn shown_status(
        &self,
        action: &str,
        review: &str,
    ) -> Option<super::rule_statuses::Shown> {
        let i = self.index_of(action)?;
        match &self.rules_only {
            Some(rules) => rules.shown(i, Label::existing(review)?),
            None => {
                let record = self.actions[i].statuses.get(review)?;
                Some(super::rule_statuses::Shown {
                    status: record.status,
                    source: record.source,
                })
            }
        }
    }

    /// Puts a new status of action `i` into its map (or the rules' table).
    fn insert_status(&mut self, i: usize, label: Label, record: RecordedStatus) {
        let expect = self.reviews.len();
        match &mut self.rules_only {
            Some(rules) => rules.insert(i, label, &record, expect),
            None => {
                self.actions[i]
                    .statuses
                    .insert_expecting(label, record, expect);
            }
        }
    }

    /// True once `plan_created` has been folded in.
    pub fn is_created(&self) -> bool {
        self.scale.is_some()
    }

    /// The status scale; the York default before the plan exists.
    pub fn scale(&self) -> StatusScale {
        self.scale.clone().unwrap_or_else(StatusScale::york)
    }

    /// The status scale, borrowed (rules look a status up on every entry); the York default
    /// before the plan exists.
    pub fn scale_ref(&self) -> std::borrow::Cow<'_, StatusScale> {
        match &self.scale {
            Some(s) => std::borrow::Cow::Borrowed(s),
            None => std::borrow::Cow::Owned(StatusScale::york()),
        }
    }

    /// Number of entries folded in.
    pub fn len(&self) -> u64 {
        self.head.map_or(0, |(s, _)| s.0)
    }

    /// True when no entry has been folded in.
    pub fn is_empty(&self) -> bool {
        self.head.is_none()
    }

    /// Looks an action up by id.
    pub fn action(&self, id: &str) -> Option<&Action> {
        self.index_of(id).map(|i| &self.actions[i])
    }

    /// Looks an action up by id, for the fold.
    pub(crate) fn action_mut(&mut self, id: &str) -> Option<&mut Action> {
        self.index_of(id).map(|i| &mut self.actions[i])
    }

    /// Looks an area up by id.
    pub fn area(&self, id: &str) -> Option<&Area> {
        self.areas.iter().find(|a| a.id == id)
    }

    /// Looks a review up by its exact label.
    pub fn review(&self, label: &str) -> Option<&Review> {
        if self.review_index.len() == self.reviews.len() {
            self.review_index.get(label).map(|&i| &self.reviews[i])
        } else {
            self.reviews.iter().find(|r| r.label == label)
        }
    }

    fn index_of(&self, id: &str) -> Option<usize> {
        // Consecutive lookups mostly name the same action (a rule check and the fold look it
        // up in turn) or the next one (an import records a review's column in plan order):
        // try those two before hashing.
        let last = self.last_action.get();
        if self.action_index.positions() == self.actions.len() {
            for i in [last, last + 1] {
                if self.action_index.id(i) == Some(id) {
                    self.last_action.set(i);
                    return Some(i);
                }
            }
            let found = self.action_index.get(id);
            if let Some(i) = found {
                self.last_action.set(i);
            }
            found
        } else {
            // Freshly deserialised: the index is rebuilt lazily by `apply`.
            self.actions.iter().position(|a| a.fields.id == id)
        }
    }

    /// False for a plan freshly deserialised: its indexes are rebuilt before a fold uses them.
    fn indexes_fresh(&self) -> bool {
        self.action_index.positions() == self.actions.len()
            && self.review_index.len() == self.reviews.len()
    }

    fn rebuild_index(&mut self) {
        self.action_index =
            super::id_index::IdIndex::of(self.actions.iter().map(|a| a.fields.id.as_str()));
        self.rebuild_review_index();
    }

    fn rebuild_review_index(&mut self) {
        self.review_index = self
            .reviews
            .iter()
            .enumerate()
            .map(|(i, r)| (r.label.clone(), i))
            .collect();
    }

    /// [`Plan::apply`] for an entry the caller no longer needs: a status's strings move into
    /// the plan instead of being copied (replay and verify fold mostly statuses).
    pub fn apply_owned(&mut self, entry: Entry) {
        let Entry {
            seq,
            recorded_at,
            actor,
            event,
            hash,
            ..
        } = entry;
        let Event::StatusRecorded(e) = event else {
            let entry = Entry {
                seq,
                recorded_at,
                actor,
                event,
                prev: EntryHash::ZERO,
                hash,
            };
            return self.apply(&entry);
        };
        let status = StatusRef {
            action: &e.action,
            review: &e.review,
            status: &e.status,
        };
        self.apply_status(seq, hash, &recorded_at, &actor, status, e.note);
    }

    /// [`Plan::apply`] for a `status_recorded` entry, from borrowed strings: `verify` folds
    /// most entries this way without building the entry.
    pub fn apply_status(
        &mut self,
        seq: Seq,
        hash: EntryHash,
        recorded_at: &str,
        actor: &str,
        status: StatusRef<'_>,
        note: Option<String>,
    ) {
        if let Some((i, label, record)) =
            self.status_record(seq, hash, recorded_at, actor, status, note)
        {
            self.insert_status(i, label, record);
        }
    }

    /// [`Plan::apply_status`], but the record waits in `later` for [`Plan::settle`]; until
    /// then its action's map lacks it, so nothing that reads statuses may run in between
    /// (verify's status checks do not).
    #[allow(clippy::too_many_arguments)]
    pub fn apply_status_later(
        &mut self,
        seq: Seq,
        hash: EntryHash,
        recorded_at: &str,
        actor: &str,
        status: StatusRef<'_>,
        note: Option<String>,
        later: &mut Unsettled,
    ) {
        if let Some((i, label, record)) =
            self.status_record(seq, hash, recorded_at, actor, status, note)
        {
            later.held.push((i, Some((label, record))));
        }
    }

    /// [`Plan::check_status`], then [`Plan::apply_status_later`]: verify's path for every
    /// status. A status naming a review and a value that passed since the last entry of
    /// another kind, for an open action, needs neither looked up again.
    #[allow(clippy::too_many_arguments)]
    pub fn check_and_hold_status(
        &mut self,
        seq: Seq,
        hash: EntryHash,
        recorded_at: &str,
        actor: &str,
        status: StatusRef<'_>,
        note: Option<&str>,
        later: &mut Unsettled,
    ) -> Result<(), RuleError> {
        if let (true, Some((review, value))) = (
            self.indexes_fresh(),
            self.passed.get(status.review, status.status),
        ) {
            if let Some(i) = self.index_of(status.action) {
                if self.actions[i].withdrawn().is_none() {
                    let record = self.record_with(seq, recorded_at, actor, value, note);
                    later.held.push((i, Some((review, record))));
                    self.take_head(seq, hash, recorded_at);
                    return Ok(());
                }
            }
        }
        self.check_status(status.action, status.review, status.status)?;
        let (review, value) = (Label::new(status.review), Label::new(status.status));
        self.apply_status_later(
            seq,
            hash,
            recorded_at,
            actor,
            status,
            note.map(str::to_string),
            later,
        );
        self.passed.remember(review, value);
        Ok(())
    }

    /// Puts the records `later` holds into their actions' maps, one action at a time and in
    /// ledger order within each (the latest for a review wins, as [`Plan::apply`] has it).
    pub fn settle(&mut self, later: &mut Unsettled) {
        // Called before every entry that is not a status: with nothing held it must cost
        // nothing, or a plan of many actions pays for each action once per action added.
        if later.held.is_empty() {
            return;
        }
        // A counting sort by action: linear, and stable, so each action's records stay in
        // ledger order. An index past the actions (none is made) is dropped as before.
        let n = self.actions.len();
        let Unsettled { held, sorted, next } = later;
        next.clear();
        next.resize(n + 1, 0);
        for (action, _) in held.iter() {
            if *action < n {
                next[action + 1] += 1;
            }
        }
        for i in 1..=n {
            next[i] += next[i - 1];
        }
        // The records themselves move into action order (a sequential read, scattered
        // writes), so that each action then reads its run front to back.
        sorted.clear();
        sorted.resize_with(next[n], || None);
        for (action, record) in held.iter_mut() {
            if *action < n {
                sorted[next[*action]] = record.take();
                next[*action] += 1;
            }
        }
        // `next[a]` now ends action `a`'s run in `sorted`.
        let mut runs = sorted.drain(..);
        let mut start = 0;
        let expect = self.reviews.len();
        for (i, (a, &end)) in self.actions.iter_mut().zip(next.iter()).enumerate() {
            let run = runs.by_ref().take(end - start).flatten();
            match &mut self.rules_only {
                Some(rules) => rules.extend(i, run, expect),
                None => a.statuses.extend_latest_expecting(run, expect),
            }
            start = end;
        }
        drop(runs);
        held.clear();
    }

    /// Everything [`Plan::apply_status`] does but the map insert, whose parts it returns.
    fn status_record(
        &mut self,
        seq: Seq,
        hash: EntryHash,
        recorded_at: &str,
        actor: &str,
        status: StatusRef<'_>,
        note: Option<String>,
    ) -> Option<(usize, Label, RecordedStatus)> {
        if !self.indexes_fresh() {
            self.rebuild_index();
        }
        let found = self.new_status(seq, recorded_at, actor, status, note);
        self.take_head(seq, hash, recorded_at);
        found
    }

    /// Makes entry `seq` the plan's head.
    fn take_head(&mut self, seq: Seq, hash: EntryHash, recorded_at: &str) {
        self.head = Some((seq, hash));
        match &mut self.last_recorded_at {
            Some(t) => t.replace_range(.., recorded_at),
            None => self.last_recorded_at = Some(recorded_at.to_string()),
        }
    }

    fn fold_status(
        &mut self,
        seq: Seq,
        recorded_at: &str,
        actor: &str,
        s: StatusRef<'_>,
        note: Option<String>,
    ) {
        if let Some((i, label, record)) = self.new_status(seq, recorded_at, actor, s, note) {
            self.insert_status(i, label, record);
        }
    }

    /// The action's index, the review's label and the record a status adds, if its action
    /// exists.
    fn new_status(
        &mut self,
        seq: Seq,
        recorded_at: &str,
        actor: &str,
        s: StatusRef<'_>,
        note: Option<String>,
    ) -> Option<(usize, Label, RecordedStatus)> {
        let i = self.index_of(s.action)?;
        let (label, record) = self.record_of(seq, recorded_at, actor, s, note);
        Some((i, label, record))
    }

    /// The review's label and the record a status adds, whichever action it names.
    fn record_of(
        &mut self,
        seq: Seq,
        recorded_at: &str,
        actor: &str,
        s: StatusRef<'_>,
        note: Option<String>,
    ) -> (Label, RecordedStatus) {
        let record = self.record_with(
            seq,
            recorded_at,
            actor,
            Label::new(s.status),
            note.as_deref(),
        );
        (Label::new(s.review), record)
    }

    /// The record of status `value`, set by entry `seq`.
    fn record_with(
        &mut self,
        seq: Seq,
        recorded_at: &str,
        actor: &str,
        value: Label,
        note: Option<&str>,
    ) -> RecordedStatus {
        RecordedStatus {
            status: value,
            note: note.map(Shared::rare),
            seq,
            source: seq,
            recorded_at: self.stamp(recorded_at),
            actor: self.actor(actor),
        }
    }

    /// [`Plan::apply_status`] for a plan whose actions are kept elsewhere (a view's, read
    /// from a snapshot): the plan takes the entry as its head, and the caller puts the
    /// returned label and record into the statuses of the action it names.
    pub fn take_status_apart(
        &mut self,
        seq: Seq,
        hash: EntryHash,
        recorded_at: &str,
        actor: &str,
        status: StatusRef<'_>,
        note: Option<String>,
    ) -> (Label, RecordedStatus) {
        let found = self.record_of(seq, recorded_at, actor, status, note);
        self.take_head(seq, hash, recorded_at);
        found
    }

    /// `actor` as a shared string, reusing the last one when it is the same (a batch has one).
    fn actor(&mut self, actor: &str) -> Shared {
        match self.last_actor {
            Some(s) if s.as_str() == actor => s,
            _ => {
                let s = Shared::new(actor);
                self.last_actor = Some(s);
                s
            }
        }
    }

    /// `recorded_at` as a shared string, reusing the last one when it is the same.
    fn stamp(&mut self, recorded_at: &str) -> Shared {
        match self.last_stamp {
            Some(s) if s.as_str() == recorded_at => s,
            _ => {
                // Each batch has its own time: not worth a place in the thread's cache.
                let s = Shared::rare(recorded_at);
                self.last_stamp = Some(s);
                s
            }
        }
    }

    /// Folds one entry in. No rules: an event naming something unknown changes nothing.
    pub fn apply(&mut self, entry: &Entry) {
        self.passed = PassedLabels::default();
        if !self.indexes_fresh() {
            self.rebuild_index();
        }
        match &entry.event {
            Event::PlanCreated(e) => {
                self.title = e.title.clone();
                self.origin = e.origin.clone();
                self.scale = Some(e.scale.clone());
            }
            Event::AreaAdded(e) => self.areas.push(Area {
                id: e.id.clone(),
                title: e.title.clone(),
                finding: e.finding.clone(),
            }),
            Event::ActionAdded(e) => {
                self.action_index.push(&e.id);
                self.actions.push(Action::from_added(e.clone(), entry.seq));
            }
            Event::ActionAmended(e) => {
                if let Some(i) = self.index_of(&e.id) {
                    let action = &mut self.actions[i];
                    let fields = &mut action.fields;
                    let later = action.later.get_or_insert_with(Box::default);
                    if later.original.is_none() {
                        later.original = Some(fields.clone());
                    }
                    for (field, value) in &e.changes {
                        fields.set_field(field, value);
                        later.field_source.insert(field.clone(), entry.seq);
                    }
                    later.amendments.push(Amendment {
                        seq: entry.seq,
                        from: e.from.clone(),
                        recorded_at: entry.recorded_at.clone(),
                        changes: e.changes.clone(),
                    });
                }
            }
            Event::ReviewScheduled(e) => {
                self.review_index
                    .insert(e.label.clone(), self.reviews.len());
                self.reviews.push(Review {
                    label: e.label.clone(),
                    date: e.date.clone(),
                    seq: entry.seq,
                    former_labels: Vec::new(),
                });
            }
            Event::StatusRecorded(e) => {
                let status = StatusRef {
                    action: &e.action,
                    review: &e.review,
                    status: &e.status,
                };
                self.fold_status(
                    entry.seq,
                    &entry.recorded_at,
                    &entry.actor,
                    status,
                    e.note.clone(),
                );
            }
            Event::SourceImported(e) => self.imports.push(Import {
                file_name: e.file_name.clone(),
                sha256: e.sha256.clone(),
                seq: entry.seq,
                last: Seq(entry.seq.0 + e.entries),
            }),
            Event::Correction(e) => self.apply_correction(entry.seq, e),
            Event::ActionWithdrawn(e) => {
                if let Some(i) = self.index_of(&e.id) {
                    self.actions[i].later_mut().withdrawn = Some(Withdrawal {
                        seq: entry.seq,
                        reason: e.reason.clone(),
                        recorded_at: entry.recorded_at.clone(),
                        actor: entry.actor.clone(),
                        from: e.from.clone(),
                    });
                }
            }
            Event::ReviewRescheduled(e) => self.apply_reschedule(e),
            Event::EvidenceAttached(e) => self.apply_evidence(entry, e),
            Event::EvidenceRedacted(e) => self.apply_redaction(entry, e),
            Event::KeyRegistered(e) => self.apply_key(entry, e),
            Event::KeyRevoked(e) => self.apply_revocation(entry, e),
            Event::SignedOff(e) => self.apply_signoff(entry, e),
        }
        self.head = Some((entry.seq, entry.hash));
        match &mut self.last_recorded_at {
            Some(t) => t.clone_from(&entry.recorded_at),
            None => self.last_recorded_at = Some(entry.recorded_at.clone()),
        }
    }

    /// A correction replaces the value its target set, if that value is still the one shown.
    fn apply_correction(&mut self, seq: Seq, e: &crate::event::Correction) {
        let Some(i) = self.index_of(&e.action) else {
            return;
        };
        let target = Seq(e.target);
        if let (Some(rules), Some(review)) = (&mut self.rules_only, &e.review) {
            let status = e.status.as_deref().map(Shared::from);
            rules.correct(i, review, target, status, seq);
            return;
        }
        let action = &mut self.actions[i];
        match &e.review {
            Some(review) => {
                if let Some(record) = action.statuses.get_mut(review.as_str()) {
                    if record.source == target {
                        if let Some(status) = &e.status {
                            record.status = status.as_str().into();
                        }
                        if let Some(note) = &e.note {
                            record.note = Some(Shared::rare(note));
                        }
                        record.source = seq;
                    }
                }
            }
            None if e.changes.is_empty() => {
                let later = action.later.as_deref_mut();
                let attachment =
                    later.and_then(|l| l.evidence.iter_mut().find(|r| r.seq == target));
                if let Some(r) = attachment {
                    r.superseded_by.get_or_insert(seq);
                }
            }
            None => {
                let fields = &mut action.fields;
                let Some(later) = action.later.as_deref_mut() else {
                    return;
                };
                for (field, value) in &e.changes {
                    if later.field_source.get(field) == Some(&target) {
                        fields.set_field(field, value);
                        later.field_source.insert(field.clone(), seq);
                        // The field's current source is always the last amendment that set it.
                        let mut setters = later.amendments.iter_mut().rev();
                        if let Some(a) = setters.find(|a| a.changes.contains_key(field)) {
                            a.changes.insert(field.clone(), value.clone());
                        }
                    }
                }
            }
        }
    }

    /// Moves or renames a review; statuses recorded under the old label follow it.
    fn apply_reschedule(&mut self, e: &crate::event::ReviewRescheduled) {
        let Some(review) = self.reviews.iter_mut().find(|r| r.label == e.label) else {
            return;
        };
        if let Some(date) = &e.date {
            review.date = date.clone();
        }
        if let Some(new) = &e.new_label {
            review
                .former_labels
                .push(std::mem::replace(&mut review.label, new.clone()));
            let key = Label::new(new);
            let renamed = |from: &mut Option<String>| {
                if from.as_deref() == Some(e.label.as_str()) {
                    *from = Some(new.clone());
                }
            };
            if let Some(rules) = &mut self.rules_only {
                rules.rename(&e.label, key);
            }
            for action in &mut self.actions {
                if let Some(record) = action.statuses.remove(e.label.as_str()) {
                    action.statuses.insert(key, record);
                }
                let Some(later) = action.later.as_deref_mut() else {
                    continue;
                };
                if let Some(w) = &mut later.withdrawn {
                    renamed(&mut w.from);
                }
                for a in &mut later.amendments {
                    renamed(&mut a.from);
                }
            }
            self.rebuild_review_index();
        }
    }

    /// True when a status was recorded more than [`LATE_AFTER_DAYS`] after its review's
    /// date, live (history brought in by an import is not late: it is imported).
    pub fn is_late(&self, record: &RecordedStatus, review: &Review) -> bool {
        if self.imported_by(record.seq).is_some() {
            return false;
        }
        let day =
            |s: &str| chrono::NaiveDate::parse_from_str(s.get(..10).unwrap_or(""), "%Y-%m-%d").ok();
        match (day(&record.recorded_at), day(&review.date)) {
            (Some(recorded), Some(due)) => (recorded - due).num_days() > LATE_AFTER_DAYS,
            _ => false,
        }
    }

    /// The import an entry came from, if any.
    pub fn imported_by(&self, seq: Seq) -> Option<&Import> {
        self.imports.iter().find(|i| i.seq < seq && seq <= i.last)
    }

    /// Reviews ordered by date (then by when they were scheduled): the plan's timeline.
    pub fn reviews_by_date(&self) -> Vec<&Review> {
        let mut v: Vec<&Review> = self.reviews.iter().collect();
        v.sort_by(|a, b| a.date.cmp(&b.date).then(a.seq.cmp(&b.seq)));
        v
    }
}

//! A ledger that executes the product's commands: the plan's decide step turns a command
//! into events (names resolved, rules checked), and the ledger's one append path writes
//! them. The directory store and the in-memory log both implement it, so a front end and a
//! test drive either the same way.

use crate::clock::Clock;
use crate::entry::Entry;
use crate::plan::decide::{Command, CommandError};

use super::dir::{Appended, DirLedger};
use super::error::StoreError;
use super::source::MemoryLog;

/// Why a command was not executed; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum ExecuteError {
    #[error(transparent)]
    Command(#[from] CommandError),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// A ledger commands can be executed on.
pub trait ExecuteCommands {
    /// Decides `command` against the plan and appends its events as one batch for `actor`.
    fn execute(
        &mut self,
        actor: &str,
        clock: &dyn Clock,
        command: &Command,
    ) -> Result<Appended, ExecuteError>;
}

impl ExecuteCommands for DirLedger {
    fn execute(
        &mut self,
        actor: &str,
        clock: &dyn Clock,
        command: &Command,
    ) -> Result<Appended, ExecuteError> {
        // Names are resolved on the plan's header; the append checks the rules on exactly
        // the plan state they need.
        let events = self.header()?.decide_names(command)?;
        Ok(self.append(actor, clock, events)?)
    }
}

impl ExecuteCommands for MemoryLog {
    fn execute(
        &mut self,
        actor: &str,
        clock: &dyn Clock,
        command: &Command,
    ) -> Result<Appended, ExecuteError> {
        let events = self.plan().decide_names(command)?;
        let entries: Vec<Entry> = self.append_entries(actor, clock, events)?;
        Ok(Appended {
            entries,
            warnings: Vec::new(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::clock::FixedClock;
    use crate::event::Event;
    use chrono::TimeZone;

    #[test]
    fn the_directory_store_and_the_memory_log_execute_a_command_alike() {
        let clock = FixedClock(chrono::Utc.with_ymd_and_hms(2020, 6, 1, 9, 0, 0).unwrap());
        let tmp = tempfile::tempdir().unwrap();
        let mut memory = MemoryLog::new();
        memory
            .append("me", &clock, crate::test_events::small_plan())
            .unwrap();
        let mut dir = DirLedger::create(
            &tmp.path().join("l"),
            "me",
            &clock,
            crate::test_events::small_plan(),
            &mut || {},
        )
        .and_then(|_| DirLedger::open(&tmp.path().join("l"), &mut || {}))
        .unwrap();
        let command = Command::RecordStatus {
            action: "1.1".into(),
            review: "r1".into(),
            status: "completed".into(),
            note: None,
        };
        let a = memory.execute("lead", &clock, &command).unwrap();
        let b = dir.execute("lead", &clock, &command).unwrap();
        assert_eq!(a.entries, b.entries, "the same entry, byte for byte");
        assert!(matches!(&a.entries[0].event, Event::StatusRecorded(e) if e.review == "R1"));
        let bad = Command::RecordStatus {
            action: "1.1".into(),
            review: "R1".into(),
            status: "Done".into(),
            note: None,
        };
        assert!(memory.execute("lead", &clock, &bad).is_err());
        assert!(dir.execute("lead", &clock, &bad).is_err());
    }
}

//! Storage around the pure core: the entry log (the truth), the derived data beside it
//! (positions, Merkle nodes, plan state, snapshots), read-only exports, and an in-memory
//! log for tests. FORMAT.md lists every file of a ledger directory.

mod action_records;
pub mod blocks;
pub mod codec;
pub mod dir;
pub mod error;
pub mod evidence;
pub mod execute;
pub mod fsx;
pub mod journal;
pub mod lines;
pub mod lock;
pub mod log;
pub mod parts;
pub mod positions;
pub mod reader;
pub mod review_columns;
pub mod shown_actions;
pub mod snapshot;
pub mod source;
pub mod state;
pub mod state_file;
mod stream_write;
pub mod tail;

pub use action_records::ActionText;
pub use dir::DirLedger;
pub use error::StoreError;
pub use reader::DirReader;
pub use source::{EntrySource, JsonlFile, Location, MemoryLog, ReadLedger};

//! Storage around the pure core: the entry log, the sled index beside it, read-only
//! exports, and an in-memory log for tests.

pub mod dir;
pub mod error;
pub mod evidence;
pub mod index;
pub mod journal;
pub mod lines;
pub mod lock;
pub mod log;

pub use dir::DirLedger;
pub use error::StoreError;
pub mod source;
pub mod tree;

pub use source::{EntrySource, JsonlFile, Location, MemoryLog, ReadLedger};

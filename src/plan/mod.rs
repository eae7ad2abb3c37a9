//! Domain state and projections: pure folds over entries, no I/O.

pub mod action;
pub mod activity;
pub mod actors;
pub mod decide;
pub mod decide_trust;
pub mod diff;
pub mod effective;
pub mod gaps;
pub mod id_index;
pub mod rule_statuses;
pub mod rules;
pub mod short_hex;
pub mod sign_off_draft;
pub mod state;
pub mod statuses;
pub mod trust;
pub mod trust_records;
pub mod trust_rules;
pub mod view;

pub use rules::RuleError;
pub use state::{Action, Area, Plan, RecordedStatus, Review, StatusRef, Unsettled};

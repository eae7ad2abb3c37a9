#![forbid(unsafe_code)]
pub mod batch;
pub mod canonical;
pub mod chain;
pub mod cli;
pub mod clock;
pub mod entry;
pub mod event;
pub mod plan;
pub mod scale;
pub mod store;
pub mod verify;

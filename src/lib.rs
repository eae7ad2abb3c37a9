#![forbid(unsafe_code)]
pub mod asof;
pub mod batch;
pub mod canonical;
pub mod chain;
pub mod cli;
pub mod clock;
pub mod dates;
pub mod entry;
pub mod event;
pub mod import;
pub mod plan;
pub mod report;
pub mod scale;
pub mod store;
pub mod verify;
pub mod wire;
pub mod merkle;

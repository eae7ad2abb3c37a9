#![forbid(unsafe_code)]
pub mod canonical;
pub mod entry;
pub mod event;
pub mod scale;
pub mod chain;

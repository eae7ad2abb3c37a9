//! The one place that reads the system clock; everything else is handed the time.

use chrono::{DateTime, Utc};

/// A source of transaction time for appends.
pub trait Clock {
    /// The current time in UTC.
    fn now(&self) -> DateTime<Utc>;
}

/// The machine's clock: what the command line always uses.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that always says the same time: for tests and reproducible samples.
#[derive(Debug, Clone, Copy)]
pub struct FixedClock(pub DateTime<Utc>);

impl Clock for FixedClock {
    fn now(&self) -> DateTime<Utc> {
        self.0
    }
}

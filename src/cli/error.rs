//! The command line's errors and how each maps to an exit code.

use crate::store::StoreError;
use crate::verify::ReplayError;

/// How a command that ran to the end turned out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Exit {
    Success,
    /// Verification ran and found a problem (exit code 1).
    VerificationFailed,
    /// `check` found readiness gaps (exit code 3).
    GapsFound,
}

impl Exit {
    /// The process exit code.
    pub fn code(self) -> u8 {
        match self {
            Exit::Success => 0,
            Exit::VerificationFailed => 1,
            Exit::GapsFound => 3,
        }
    }
}

/// Why a command stopped; nothing was written.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    #[error("{0}")]
    Usage(String),
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Replay(#[from] ReplayError),
    #[error(transparent)]
    Import(#[from] crate::import::ImportError),
    #[error(transparent)]
    Command(#[from] crate::plan::decide::CommandError),

    #[error("writing output: {0}")]
    Output(std::io::Error),
}

impl From<crate::store::execute::ExecuteError> for CliError {
    fn from(e: crate::store::execute::ExecuteError) -> CliError {
        use crate::store::execute::ExecuteError;
        match e {
            ExecuteError::Command(c) => CliError::Command(c),
            ExecuteError::Store(s) => CliError::Store(s),
        }
    }
}

impl From<crate::bounds::BoundError> for CliError {
    fn from(e: crate::bounds::BoundError) -> CliError {
        CliError::Usage(e.0)
    }
}

impl CliError {
    /// Whoever read the output stopped reading (`readiness log | head`): not a failure.
    pub fn is_closed_pipe(&self) -> bool {
        matches!(self, CliError::Output(e) if e.kind() == std::io::ErrorKind::BrokenPipe)
    }

    /// 2 for anything the user can fix by changing the input; 4 for I/O trouble.
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Store(StoreError::Io { .. } | StoreError::Index(_))
            | CliError::Replay(ReplayError::Store(StoreError::Io { .. }))
            | CliError::Output(_) => 4,
            _ => 2,
        }
    }
}

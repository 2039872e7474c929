//! Exit codes and the error kinds that code branches on.
//!
//! Most errors travel as `anyhow::Error` with context naming the input. The kinds here exist
//! because something decides on them: a usage error exits 2 and an interrupt exits 130; a run
//! that finished with missing instances exits 3 through its own report.

use std::fmt;

/// The process exit codes, documented in `--help` and the README.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitCode {
    /// Everything asked for was reported.
    Done = 0,
    /// The run failed; files already written are whole, but the set is not complete.
    Failed = 1,
    /// The command line or an input file was wrong.
    Usage = 2,
    /// Reports were written, but some instances could not be fetched.
    Incomplete = 3,
    /// Ctrl-C or SIGTERM stopped the run; what was fetched is kept.
    Interrupted = 130,
}

/// A mistake in what the user asked for: exits 2.
///
/// The message names the input; `hint`, when present, says how to fix it.
#[derive(Debug)]
pub struct UsageError {
    pub message: String,
    pub hint: Option<String>,
}

impl UsageError {
    pub fn new(message: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: None,
        }
    }

    pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        Self {
            message: message.into(),
            hint: Some(hint.into()),
        }
    }
}

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UsageError {}

/// The run was interrupted by the user; exits 130.
#[derive(Debug, thiserror::Error)]
#[error("interrupted")]
pub struct Interrupted;

/// Builds a usage error as an `anyhow::Error`, for `return Err(usage(...))`.
pub fn usage(message: impl Into<String>, hint: impl Into<String>) -> anyhow::Error {
    UsageError::with_hint(message, hint).into()
}

/// Picks the exit code for an error that ended the run.
pub fn exit_code_for(error: &anyhow::Error) -> ExitCode {
    if error.chain().any(|cause| cause.is::<Interrupted>()) {
        return ExitCode::Interrupted;
    }
    if error.chain().any(|cause| cause.is::<UsageError>()) {
        return ExitCode::Usage;
    }
    // A daily limit that ends a run here came before any report was written (the main job
    // writes an incomplete report and exits 3 by its own account), so it is a failure too.
    ExitCode::Failed
}

/// The fix to print under the error, if any part of the chain carries one.
pub fn hint_for(error: &anyhow::Error) -> Option<String> {
    error.chain().find_map(|cause| {
        if let Some(usage) = cause.downcast_ref::<UsageError>() {
            return usage.hint.clone();
        }
        cause
            .downcast_ref::<crate::zoom::ApiError>()
            .and_then(|api| api.hint())
    })
}

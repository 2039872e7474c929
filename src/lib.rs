//! zoom-report: attendance reports from a Zoom account's meeting reports.
//!
//! The pipeline, one module per stage: [`cli`] and [`config`] read and check what was
//! asked; [`zoom`] talks to Zoom; [`fetch`] lists instances and fetches their participants
//! into an [`archive`]; [`attendance`] turns join rows into attendance; [`report`] writes
//! xlsx, CSV, HTML and JSON; [`commands`] answers the quick questions; [`interrupt`] stops
//! a run cleanly on Ctrl-C.

pub mod archive;
pub mod attendance;
pub mod cli;
pub mod commands;
pub mod config;
pub mod error;
pub mod fetch;
pub mod interrupt;
pub mod report;
pub mod run;
pub mod threads;
pub mod zoom;

/// The version and, when known at build time, the commit it was built from.
pub const VERSION: &str = env!("ZOOM_REPORT_VERSION");

//! Ctrl-C and SIGTERM for the main job: stop within a second, leave nothing half-written.
//!
//! One watcher listens for the signal for the whole run. A stage that can stop cleanly on
//! its own (fetching participants, which then saves the archive's manifest) holds a
//! [`Cooperation`] guard and awaits [`requested`]; anywhere else the watcher removes the
//! temporary files being written and ends the process with exit code 130 at once. Reports
//! and archive files are always written to a temporary file and renamed into place, so
//! ending the process between two writes leaves every earlier file whole.

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use tokio::sync::watch;

use crate::error::ExitCode;

/// Set to true once a stop was asked for.
static REQUESTED: OnceLock<watch::Sender<bool>> = OnceLock::new();
/// How many stages are handling a stop themselves right now.
static COOPERATING: AtomicUsize = AtomicUsize::new(0);
/// Temporary files being written, removed if the process is ended.
static TEMPORARY: Mutex<Option<HashSet<PathBuf>>> = Mutex::new(None);

fn requested_sender() -> &'static watch::Sender<bool> {
    REQUESTED.get_or_init(|| watch::channel(false).0)
}

/// Starts listening for Ctrl-C and SIGTERM. Call once, from within the tokio runtime.
///
/// A second signal ends the process even while a stage is stopping cleanly.
pub fn install() {
    let sender = requested_sender();
    tokio::spawn(async move {
        let mut signals = 0;
        loop {
            stop_signal().await;
            signals += 1;
            sender.send_replace(true);
            if signals > 1 || COOPERATING.load(Ordering::SeqCst) == 0 {
                end_now();
            }
        }
    });
}

/// Resolves once a stop was asked for; at once if it already was.
pub async fn requested() {
    let mut receiver = requested_sender().subscribe();
    // An error means the sender is gone, which it never is: it lives in a static.
    let _ = receiver.wait_for(|stopped| *stopped).await;
}

/// While alive, a stop request is left to its holder instead of ending the process.
pub struct Cooperation(());

impl Cooperation {
    pub fn start() -> Cooperation {
        COOPERATING.fetch_add(1, Ordering::SeqCst);
        Cooperation(())
    }
}

impl Drop for Cooperation {
    fn drop(&mut self) {
        COOPERATING.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Keeps a temporary file on the list to remove if the process is ended; off the list when
/// dropped.
pub struct TemporaryFile(PathBuf);

impl TemporaryFile {
    pub fn track(path: &Path) -> TemporaryFile {
        if let Ok(mut files) = TEMPORARY.lock() {
            files
                .get_or_insert_with(HashSet::new)
                .insert(path.to_path_buf());
        }
        TemporaryFile(path.to_path_buf())
    }
}

impl Drop for TemporaryFile {
    fn drop(&mut self) {
        if let Ok(mut files) = TEMPORARY.lock()
            && let Some(files) = files.as_mut()
        {
            files.remove(&self.0);
        }
    }
}

/// Removes the temporary files and ends the process with the interrupted exit code.
fn end_now() -> ! {
    if let Ok(files) = TEMPORARY.lock() {
        for path in files.iter().flatten() {
            let _ = std::fs::remove_file(path);
        }
    }
    eprintln!("zoom-report: interrupted; files already written are whole");
    std::process::exit(ExitCode::Interrupted as i32)
}

/// Resolves on Ctrl-C, or on SIGTERM where there is one.
async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut terminate) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = terminate.recv() => {}
                }
            }
            Err(_) => drop(tokio::signal::ctrl_c().await),
        }
    }
    #[cfg(not(unix))]
    drop(tokio::signal::ctrl_c().await);
}

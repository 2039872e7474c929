//! Scoped threads for work that splits into independent pieces (parsing an archive,
//! filling workbook sheets).

use std::thread::ScopedJoinHandle;

/// Waits for every thread in order and returns their results; a thread's panic carries on
/// in the caller, where it is reported as if the work had run there.
pub fn join_all<T>(workers: Vec<ScopedJoinHandle<'_, T>>) -> Vec<T> {
    workers
        .into_iter()
        .map(|worker| {
            worker
                .join()
                .unwrap_or_else(|panic| std::panic::resume_unwind(panic))
        })
        .collect()
}

//! Verifications the dashboard runs in the background, one at a time per plan: asking while
//! one runs joins it, and its page shows how far it has got until the verdict is in.

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex, OnceLock};

use crate::verify::progress::Progress;
use crate::verify::VerifyReport;

/// What a verification ended with: its report, or why it could not run.
pub type Outcome = Result<VerifyReport, String>;

/// One verification of one plan.
#[derive(Debug)]
pub struct Job {
    /// Entries in the ledger when it started (the head's seq).
    pub total: u64,
    /// Entries checked so far.
    pub checked: Progress,
    outcome: OnceLock<Outcome>,
}

impl Job {
    /// Entries checked so far (never shown above the total).
    pub fn checked(&self) -> u64 {
        self.checked.load(Ordering::Relaxed)
    }

    /// The outcome, once it has finished.
    pub fn outcome(&self) -> Option<&Outcome> {
        self.outcome.get()
    }
}

/// The latest verification of each plan.
#[derive(Debug, Default)]
pub struct VerifyJobs {
    latest: Mutex<HashMap<String, Arc<Job>>>,
}

impl VerifyJobs {
    /// The latest verification of `plan`, running or finished.
    pub fn latest(&self, plan: &str) -> Option<Arc<Job>> {
        self.lock().get(plan).cloned()
    }

    /// Starts `work` on its own thread as `plan`'s verification of `total` entries, or, when
    /// one is running, joins that one (and `work` is not run).
    pub fn start(
        &self,
        plan: &str,
        total: u64,
        work: impl FnOnce(&Progress) -> Outcome + Send + 'static,
    ) -> Arc<Job> {
        let mut latest = self.lock();
        if let Some(running) = latest.get(plan).filter(|j| j.outcome().is_none()) {
            return running.clone();
        }
        let job = Arc::new(Job {
            total,
            checked: Progress::default(),
            outcome: OnceLock::new(),
        });
        latest.insert(plan.to_string(), job.clone());
        let running = job.clone();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(|| work(&running.checked)))
                .unwrap_or_else(|_| Err("the verification stopped unexpectedly".into()));
            let _ = running.outcome.set(outcome);
        });
        job
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<Job>>> {
        // A panic while holding the map leaves it whole (insert or clone): keep using it.
        self.latest.lock().unwrap_or_else(|e| e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::mpsc;
    use std::time::{Duration, Instant};

    fn report(entries: u64) -> VerifyReport {
        VerifyReport {
            source: "memory".into(),
            entries,
            head: None,
            failure: None,
            expect: None,
            counts: Default::default(),
        }
    }

    fn wait(job: &Job) -> &Outcome {
        let until = Instant::now() + Duration::from_secs(5);
        loop {
            if let Some(o) = job.outcome() {
                return o;
            }
            assert!(Instant::now() < until, "the job never finished");
            std::thread::sleep(Duration::from_millis(2));
        }
    }

    #[test]
    fn a_second_request_joins_the_running_verification() {
        let jobs = VerifyJobs::default();
        let (go, gate) = mpsc::channel::<()>();
        let (halfway, at_half) = mpsc::channel::<()>();
        let first = jobs.start("york", 10, move |p| {
            p.fetch_add(5, Ordering::Relaxed);
            halfway.send(()).unwrap();
            gate.recv().unwrap();
            p.fetch_add(5, Ordering::Relaxed);
            Ok(report(10))
        });
        at_half.recv().unwrap();
        assert_eq!((first.checked(), first.total), (5, 10));
        assert!(first.outcome().is_none());
        let joined = jobs.start("york", 10, |_| panic!("a second run while one runs"));
        assert!(Arc::ptr_eq(&first, &joined), "joined the running one");
        // Another plan has its own.
        let other = jobs.start("leeds", 1, |_| Ok(report(1)));
        assert!(!Arc::ptr_eq(&first, &other));
        go.send(()).unwrap();
        assert_eq!(wait(&first).as_ref().unwrap().entries, 10);
        assert_eq!(first.checked(), 10);
        assert!(Arc::ptr_eq(&jobs.latest("york").unwrap(), &first));
        // Finished: asking again runs a new one.
        let again = jobs.start("york", 12, |_| Err("unreadable".into()));
        assert!(!Arc::ptr_eq(&first, &again));
        assert_eq!(wait(&again), &Err("unreadable".to_string()));
    }

    #[test]
    fn a_panicking_verification_still_ends() {
        let jobs = VerifyJobs::default();
        let job = jobs.start("york", 1, |_| panic!("boom"));
        assert!(wait(&job).is_err());
    }
}

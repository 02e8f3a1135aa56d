//! A bounded pool of dedicated threads for CPU-heavy request work (password hashing and the
//! strength check, parsing large JSON bodies), kept apart from the async workers and from the
//! blocking threads that run database calls (`AppState::db`), so a flood of such work can
//! neither stall other requests nor starve the store of threads.
//!
//! Bounded twice: at most `threads` jobs run at once (the rest wait their turn), and a job that
//! has not *finished* within `timeout` of being submitted answers 503 (`Retry-After`). A job
//! still waiting when its deadline passes is dropped unrun, so a backlog drains at once instead
//! of being worked off for callers that have gone.

use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::error::{ApiError, ErrorKind};

type Job = Box<dyn FnOnce() + Send + 'static>;

struct Queued {
    deadline: Instant,
    job: Job,
}

pub struct BoundedPool {
    name: &'static str,
    sender: SyncSender<Queued>,
    timeout: Duration,
}

/// How many jobs may wait per thread before submitting refuses at once. Waiting jobs are also
/// dropped at their deadline; this only bounds the memory a burst can hold.
const QUEUE_PER_THREAD: usize = 64;

impl BoundedPool {
    /// Starts `threads` threads named `astral-{name}-N`. They end when the pool is dropped.
    pub fn new(name: &'static str, threads: usize, timeout: Duration) -> std::io::Result<Self> {
        let threads = threads.max(1);
        let (sender, receiver) = sync_channel::<Queued>(threads * QUEUE_PER_THREAD);
        let receiver = Arc::new(Mutex::new(receiver));
        for n in 0..threads {
            let receiver = Arc::clone(&receiver);
            std::thread::Builder::new()
                .name(format!("astral-{name}-{n}"))
                .spawn(move || work(&receiver))?;
        }
        Ok(BoundedPool { name, sender, timeout })
    }

    /// Runs `f` on the pool and waits for its result, at most `timeout` from now. A full queue
    /// or a missed deadline is a 503, as for a busy database.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let deadline = Instant::now() + self.timeout;
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
        });
        self.sender
            .try_send(Queued { deadline, job })
            .map_err(|_| busy(self.name, "queue full"))?;
        match tokio::time::timeout_at(deadline.into(), rx).await {
            Ok(Ok(value)) => Ok(value),
            // The job was dropped unrun (its deadline passed while queued) or panicked.
            Ok(Err(_)) => Err(busy(self.name, "job dropped")),
            Err(_) => Err(busy(self.name, "deadline passed")),
        }
    }
}

fn work(receiver: &Mutex<Receiver<Queued>>) {
    loop {
        let next = match receiver.lock() {
            Ok(guard) => guard.recv(),
            Err(_) => return,
        };
        let Ok(queued) = next else {
            return;
        };
        if Instant::now() < queued.deadline {
            (queued.job)();
        }
    }
}

fn busy(pool: &'static str, why: &str) -> ApiError {
    ApiError::with_cause(ErrorKind::Unavailable, format!("{pool} pool: {why}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[actix_web::test]
    async fn jobs_run_and_a_missed_deadline_is_503() {
        let pool = BoundedPool::new("test", 1, Duration::from_millis(200)).unwrap();
        assert_eq!(pool.run(|| 2 + 2).await.unwrap(), 4);
        let slow = pool.run(|| std::thread::sleep(Duration::from_millis(600)));
        let started = Instant::now();
        let err = slow.await.unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Unavailable));
        assert!(started.elapsed() < Duration::from_millis(500));
        // Queued behind the sleeper past its deadline: dropped unrun, 503.
        let ran = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let flag = Arc::clone(&ran);
        let err = pool
            .run(move || flag.store(true, std::sync::atomic::Ordering::SeqCst))
            .await
            .unwrap_err();
        assert!(matches!(err.kind, ErrorKind::Unavailable));
        std::thread::sleep(Duration::from_millis(600));
        assert!(!ran.load(std::sync::atomic::Ordering::SeqCst));
    }
}

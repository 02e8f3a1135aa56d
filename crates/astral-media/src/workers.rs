//! Where image work runs: threads of its own, never the database's.
//!
//! - Two [`Lane`]s of dedicated threads: `decode` for CPU-heavy work (validating uploads,
//!   rendering variants and default avatars), `files` for reading and writing the media
//!   store, so a cached image is not queued behind renders. Each lane admits as many jobs as it
//!   has threads; a request waits at most the queue timeout for a slot, then gets
//!   [`ImageError::Busy`] (the server answers 503 with `Retry-After`), never a hang. A slot is
//!   held until its job ends, even when the request that asked for it has gone away, so the
//!   bound holds against clients that disconnect.
//! - Renders are single-flight: concurrent requests for one variant share one render (its
//!   leader runs detached, so the result is cached even if every requester leaves), and at
//!   most `max_in_flight` variants render or wait at once; past that a request is refused at
//!   once.
//! - Default avatars are rendered once per size and kept in memory (6 × 9 PNGs).

use std::collections::HashMap;
use std::panic::AssertUnwindSafe;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::{oneshot, watch, Semaphore};

use crate::render::{default_avatar, render, serves_as_is, OutputFormat};
use crate::store::MediaStore;

/// Why image work did not produce a result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    /// No slot freed up within the queue timeout, or too many variants are rendering.
    #[error("image workers busy")]
    Busy,
    /// A bug or a broken store; the text is for the log, never for the client.
    #[error("image work failed: {0}")]
    Internal(String),
}

/// How much image work may run at once, and how long a request waits for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerSettings {
    /// Decode/render threads: concurrent CPU-heavy image jobs.
    pub threads: usize,
    /// Threads reading and writing the media store.
    pub file_threads: usize,
    /// The longest a request waits for a free slot before [`ImageError::Busy`].
    pub queue_timeout: Duration,
    /// Variants (and default avatars) rendering or waiting to, at most.
    pub max_in_flight: usize,
}

impl WorkerSettings {
    /// Half the cores (at least one) decode and render, leaving the rest to the HTTP workers
    /// and the database; two file threads; 5 s in the queue; 64 variants in flight.
    pub fn for_cores(cores: usize) -> WorkerSettings {
        WorkerSettings {
            threads: (cores / 2).max(1),
            file_threads: 2,
            queue_timeout: Duration::from_secs(5),
            max_in_flight: 64,
        }
    }
}

type Job = Box<dyn FnOnce() + Send>;

/// Told about each job that got a thread: its lane's name, the phase (`queue`: the wait for a
/// slot, `work`: running), and how long that took (the server's metrics).
pub type JobObserver = Arc<dyn Fn(&'static str, &'static str, Duration) + Send + Sync>;

/// A lane's jobs at one moment.
#[derive(Debug, Clone, Copy)]
pub struct LaneState {
    /// `image` (decode and render) or `media-io` (the media store's files).
    pub name: &'static str,
    /// Jobs waiting for a slot.
    pub queued: usize,
    /// Jobs holding a slot (running, or about to).
    pub running: usize,
}

/// A fixed set of threads with a slot per thread. The threads exit when the lane is dropped.
struct Lane {
    name: &'static str,
    threads: usize,
    slots: Arc<Semaphore>,
    jobs: mpsc::Sender<Job>,
    queue_timeout: Duration,
    waiting: AtomicUsize,
    observer: Arc<OnceLock<JobObserver>>,
}

/// Counts a job as waiting for as long as it is alive, however the wait ends.
struct Waiting<'a>(&'a AtomicUsize);

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

impl Lane {
    fn new(
        name: &'static str,
        threads: usize,
        queue_timeout: Duration,
        observer: Arc<OnceLock<JobObserver>>,
    ) -> Lane {
        let threads = threads.max(1);
        let (sender, receiver) = mpsc::channel::<Job>();
        let receiver = Arc::new(Mutex::new(receiver));
        for i in 0..threads {
            let receiver = Arc::clone(&receiver);
            let spawned = std::thread::Builder::new().name(format!("astral-{name}-{i}")).spawn(
                move || loop {
                    // The lock is held only while waiting for the next job, never while running it.
                    let job = receiver.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    match job {
                        Ok(job) => job(),
                        Err(_) => return,
                    }
                },
            );
            if let Err(e) = spawned {
                // Fewer threads than slots would only queue jobs longer; say so and go on.
                eprintln!("astral-media: cannot start an image thread: {e}");
            }
        }
        Lane {
            name,
            threads,
            slots: Arc::new(Semaphore::new(threads)),
            jobs: sender,
            queue_timeout,
            waiting: AtomicUsize::new(0),
            observer,
        }
    }

    fn state(&self) -> LaneState {
        LaneState {
            name: self.name,
            queued: self.waiting.load(Ordering::Relaxed),
            running: self.threads.saturating_sub(self.slots.available_permits()),
        }
    }

    /// Runs `f` on one of the lane's threads once a slot is free (waiting at most the queue
    /// timeout). A panic in `f` is reported as [`ImageError::Internal`].
    async fn run<T, F>(&self, f: F) -> Result<T, ImageError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        let queued_at = Instant::now();
        self.waiting.fetch_add(1, Ordering::Relaxed);
        let waiting = Waiting(&self.waiting);
        let slot =
            tokio::time::timeout(self.queue_timeout, Arc::clone(&self.slots).acquire_owned())
                .await
                .map_err(|_| ImageError::Busy)?
                .map_err(|_| ImageError::Busy)?;
        drop(waiting);
        let observer = self.observer.get().cloned();
        let name = self.name;
        if let Some(observer) = &observer {
            observer(name, "queue", queued_at.elapsed());
        }
        let (done, result) = oneshot::channel();
        let job: Job = Box::new(move || {
            let started = Instant::now();
            let outcome = std::panic::catch_unwind(AssertUnwindSafe(f));
            if let Some(observer) = &observer {
                observer(name, "work", started.elapsed());
            }
            // Freed when the work ends, whether or not anyone still waits for it.
            drop(slot);
            let _ = done.send(outcome);
        });
        self.jobs
            .send(job)
            .map_err(|_| ImageError::Internal("image threads have stopped".into()))?;
        match result.await {
            Ok(Ok(value)) => Ok(value),
            Ok(Err(_)) => Err(ImageError::Internal("image work panicked".into())),
            Err(_) => Err(ImageError::Internal("image thread went away".into())),
        }
    }
}

type Shared = Result<Option<Bytes>, ImageError>;

/// Renders in flight, by key; each entry is the result its waiters will receive.
struct Flights {
    waiting: Mutex<HashMap<String, watch::Receiver<Option<Shared>>>>,
    max: usize,
}

/// Removes a flight's entry when its task ends, however it ends (a panic included), so a key
/// can never be left pointing at a flight that will not land.
struct Landing {
    workers: Arc<ImageWorkers>,
    key: String,
}

impl Drop for Landing {
    fn drop(&mut self) {
        self.workers.flights.waiting.lock().unwrap_or_else(|e| e.into_inner()).remove(&self.key);
    }
}

/// The image workers: lanes, single-flight renders, the default avatar cache.
pub struct ImageWorkers {
    decode: Lane,
    files: Lane,
    flights: Flights,
    media: Arc<dyn MediaStore>,
    defaults: Mutex<HashMap<(u64, u32), Bytes>>,
    renders: AtomicU64,
    observer: Arc<OnceLock<JobObserver>>,
}

impl ImageWorkers {
    pub fn new(media: Arc<dyn MediaStore>, settings: WorkerSettings) -> Arc<ImageWorkers> {
        let observer = Arc::new(OnceLock::new());
        Arc::new(ImageWorkers {
            decode: Lane::new(
                "image",
                settings.threads,
                settings.queue_timeout,
                Arc::clone(&observer),
            ),
            files: Lane::new(
                "media-io",
                settings.file_threads,
                settings.queue_timeout,
                Arc::clone(&observer),
            ),
            flights: Flights {
                waiting: Mutex::new(HashMap::new()),
                max: settings.max_in_flight.max(1),
            },
            media,
            defaults: Mutex::new(HashMap::new()),
            renders: AtomicU64::new(0),
            observer,
        })
    }

    /// Sets who is told about each job's wait and work (once; later calls are ignored).
    pub fn observe_jobs(&self, observer: JobObserver) {
        let _ = self.observer.set(observer);
    }

    /// Both lanes' queued and running jobs now.
    pub fn lanes(&self) -> [LaneState; 2] {
        [self.decode.state(), self.files.state()]
    }

    /// CPU-heavy work (e.g. validating uploads) on a decode thread.
    pub async fn decode<T, F>(&self, f: F) -> Result<T, ImageError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        self.decode.run(f).await
    }

    /// Stores originals (uploads) on a file thread.
    pub async fn store_originals(
        &self,
        originals: Vec<(String, Vec<u8>)>,
    ) -> Result<(), ImageError> {
        let media = Arc::clone(&self.media);
        self.files
            .run(move || originals.iter().try_for_each(|(hash, bytes)| media.put(hash, bytes)))
            .await?
            .map_err(|e| ImageError::Internal(e.to_string()))
    }

    /// How many renders (variants and default avatars) have run: a render that is asked for
    /// again while in flight, or after it is cached, does not count twice.
    pub fn renders(&self) -> u64 {
        self.renders.load(Ordering::Relaxed)
    }

    /// The original `hash` as `format`, scaled to fit `size`: the original itself when it is
    /// that already (read on a file thread, no decoding); from the store's variants if it was
    /// rendered before; else rendered once (however many ask at once) and stored.
    /// `None` when the original is not in the store.
    pub async fn variant(
        self: &Arc<Self>,
        hash: &str,
        format: OutputFormat,
        size: Option<u32>,
    ) -> Result<Option<Bytes>, ImageError> {
        let key = format!("{hash}-{}.{}", size.unwrap_or(0), format.extension());
        if let Some(cached) = self.cached_variant(&key).await? {
            return Ok(Some(cached));
        }
        let this = Arc::clone(self);
        let hash = hash.to_owned();
        let flight_key = key.clone();
        self.single_flight(flight_key, async move {
            // Rendered and stored by a flight that ended since our look at the store?
            if let Some(cached) = this.cached_variant(&key).await? {
                return Ok(Some(cached));
            }
            let media = Arc::clone(&this.media);
            let original = this
                .files
                .run(move || media.get(&hash))
                .await?
                .map_err(|e| ImageError::Internal(e.to_string()))?;
            let Some(original) = original else {
                return Ok(None);
            };
            // Served as stored: nothing to render, and no copy to keep.
            if serves_as_is(&original, format, size) {
                return Ok(Some(Bytes::from(original)));
            }
            let counter = Arc::clone(&this);
            let rendered = this
                .decode
                .run(move || {
                    counter.renders.fetch_add(1, Ordering::Relaxed);
                    render(&original, format, size)
                })
                .await?
                .map_err(|e| ImageError::Internal(e.to_string()))?;
            let rendered = Bytes::from(rendered);
            let media = Arc::clone(&this.media);
            let bytes = rendered.clone();
            this.files
                .run(move || media.put_variant(&key, &bytes))
                .await?
                .map_err(|e| ImageError::Internal(e.to_string()))?;
            Ok(Some(rendered))
        })
        .await
    }

    /// Default avatar `index` (below [`crate::DEFAULT_AVATAR_COUNT`]) at `size`, rendered on
    /// first use and kept in memory. `None` for an index that does not exist.
    pub async fn default_avatar(
        self: &Arc<Self>,
        index: u64,
        size: u32,
    ) -> Result<Option<Bytes>, ImageError> {
        if index >= crate::DEFAULT_AVATAR_COUNT {
            return Ok(None);
        }
        if let Some(cached) = self.cached_default(index, size) {
            return Ok(Some(cached));
        }
        let this = Arc::clone(self);
        self.single_flight(format!("default-{index}-{size}"), async move {
            if let Some(cached) = this.cached_default(index, size) {
                return Ok(Some(cached));
            }
            let counter = Arc::clone(&this);
            let rendered = this
                .decode
                .run(move || {
                    counter.renders.fetch_add(1, Ordering::Relaxed);
                    default_avatar(index, size)
                })
                .await?
                .ok_or_else(|| ImageError::Internal("default avatar failed to render".into()))?;
            let rendered = Bytes::from(rendered);
            this.defaults
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .insert((index, size), rendered.clone());
            Ok(Some(rendered))
        })
        .await
    }

    fn cached_default(&self, index: u64, size: u32) -> Option<Bytes> {
        self.defaults.lock().unwrap_or_else(|e| e.into_inner()).get(&(index, size)).cloned()
    }

    async fn cached_variant(&self, key: &str) -> Result<Option<Bytes>, ImageError> {
        let media = Arc::clone(&self.media);
        let key = key.to_owned();
        Ok(self
            .files
            .run(move || media.get_variant(&key))
            .await?
            .map_err(|e| ImageError::Internal(e.to_string()))?
            .map(Bytes::from))
    }

    /// Joins the flight for `key`, or starts it with `work` (run detached, so it finishes and
    /// caches its result even if every requester leaves), and waits for its result.
    async fn single_flight<F>(self: &Arc<Self>, key: String, work: F) -> Shared
    where
        F: std::future::Future<Output = Shared> + Send + 'static,
    {
        let mut result = {
            let mut waiting = self.flights.waiting.lock().unwrap_or_else(|e| e.into_inner());
            match waiting.get(&key) {
                Some(result) => result.clone(),
                None if waiting.len() >= self.flights.max => return Err(ImageError::Busy),
                None => {
                    let (publish, result) = watch::channel(None);
                    waiting.insert(key.clone(), result.clone());
                    let landing = Landing { workers: Arc::clone(self), key };
                    tokio::spawn(async move {
                        let outcome = work.await;
                        // Published before the entry goes (when `landing` drops): a request
                        // arriving in between joins a finished flight; one arriving after finds
                        // the stored result.
                        let _ = publish.send(Some(outcome));
                        drop(landing);
                    });
                    result
                }
            }
        };
        let outcome = result
            .wait_for(Option::is_some)
            .await
            .map_err(|_| ImageError::Internal("render abandoned".into()))?;
        outcome.clone().unwrap_or_else(|| Err(ImageError::Internal("render abandoned".into())))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::DiskStore;

    fn settings(threads: usize, queue_ms: u64) -> WorkerSettings {
        WorkerSettings {
            threads,
            file_threads: 1,
            queue_timeout: Duration::from_millis(queue_ms),
            max_in_flight: 4,
        }
    }

    fn workers(threads: usize, queue_ms: u64) -> (tempfile::TempDir, Arc<ImageWorkers>) {
        let dir = tempfile::tempdir().unwrap();
        let store = DiskStore::open(dir.path()).unwrap();
        (dir, ImageWorkers::new(Arc::new(store), settings(threads, queue_ms)))
    }

    /// Occupies a decode thread until `release` sends; `blocker` answers what that decode
    /// returned. Returns once the decode has had time to start.
    async fn hold_a_decode_thread(
        workers: &Arc<ImageWorkers>,
    ) -> (std::sync::mpsc::Sender<()>, tokio::task::JoinHandle<Result<Option<()>, ImageError>>)
    {
        let (release, hold) = std::sync::mpsc::channel::<()>();
        let workers = Arc::clone(workers);
        let blocker = tokio::spawn(async move { workers.decode(move || hold.recv().ok()).await });
        tokio::time::sleep(Duration::from_millis(20)).await;
        (release, blocker)
    }

    #[tokio::test]
    async fn a_full_lane_answers_busy_after_its_queue_timeout() {
        let (_dir, workers) = workers(1, 50);
        let (release, blocker) = hold_a_decode_thread(&workers).await;
        assert_eq!(workers.decode(|| 1).await, Err(ImageError::Busy));
        release.send(()).unwrap();
        assert_eq!(blocker.await.unwrap(), Ok(Some(())));
        assert_eq!(workers.decode(|| 2).await, Ok(2));
    }

    #[tokio::test]
    async fn a_panic_is_an_error_and_frees_its_slot() {
        let (_dir, workers) = workers(1, 1000);
        let panicked = workers.decode(|| -> u8 { panic!("boom") }).await;
        assert!(matches!(panicked, Err(ImageError::Internal(_))));
        assert_eq!(workers.decode(|| 3).await, Ok(3));
    }

    #[tokio::test]
    async fn past_the_flights_bound_a_render_is_refused_at_once() {
        let (_dir, workers) = workers(1, 5000);
        let (release, blocker) = hold_a_decode_thread(&workers).await;
        // Four flights (the bound in these settings) wait for the held thread.
        let waiting: Vec<_> = [16, 32, 64, 128]
            .into_iter()
            .map(|size| {
                let workers = Arc::clone(&workers);
                tokio::spawn(async move { workers.default_avatar(0, size).await })
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(50)).await;
        let started = std::time::Instant::now();
        assert_eq!(workers.default_avatar(0, 256).await, Err(ImageError::Busy));
        assert!(started.elapsed() < Duration::from_secs(1), "refused at once");
        release.send(()).unwrap();
        blocker.await.unwrap().unwrap();
        for flight in waiting {
            assert!(flight.await.unwrap().unwrap().is_some());
        }
        assert!(workers.default_avatar(0, 256).await.unwrap().is_some());
        assert_eq!(workers.renders(), 5);
    }

    #[tokio::test]
    async fn default_avatars_render_once_per_size() {
        let (_dir, workers) = workers(2, 5000);
        let asks = (0..16).map(|_| {
            let workers = Arc::clone(&workers);
            tokio::spawn(async move { workers.default_avatar(3, 64).await })
        });
        let mut bodies = std::collections::HashSet::new();
        for ask in asks {
            bodies.insert(ask.await.unwrap().unwrap().unwrap());
        }
        assert_eq!(bodies.len(), 1);
        assert_eq!(workers.renders(), 1);
        workers.default_avatar(3, 64).await.unwrap().unwrap();
        workers.default_avatar(3, 32).await.unwrap().unwrap();
        assert_eq!(workers.renders(), 2);
        assert_eq!(workers.default_avatar(6, 64).await, Ok(None));
    }
}

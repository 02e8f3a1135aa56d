//! The database goes away under load, and comes back: the real binary must answer 503
//! (Discord's body, `Retry-After`) quickly rather than hang or answer 500, report it on
//! `/healthz`, and serve again by itself once the database returns.
//!
//! PostgreSQL is taken away through a TCP proxy owned by the test (the shared server is never
//! touched): cutting it closes every connection and refuses new ones, as a stopped server
//! would. SQLite is taken away by renaming its file; and another connection holding its write
//! lock makes writes (only) fail.
//!
//! The figures (503 latency, recovery time) are printed; run with `--nocapture` to see them.
//! docs/operations.md quotes them.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::AbortHandle;

use astral_store::testing::SqliteWriteLock;

use crate::process::{register_account, ServerProcess};
use crate::support::TestDb;

/// Server settings for these tests: short bounds, so a test takes seconds.
const POOL_TIMEOUT_SECS: &str = "2";
const BUSY_TIMEOUT_MS: &str = "500";
const STATEMENT_TIMEOUT_MS: &str = "2000";
/// No 503 may take longer than this: the largest of the bounds above, plus slack for a
/// loaded CI machine.
const MAX_503_LATENCY: Duration = Duration::from_millis(3500);
/// r2d2 retries a failed connect with a back-off of at most half the pool timeout.
const MAX_RECOVERY: Duration = Duration::from_secs(4);

// ---- the TCP proxy ----------------------------------------------------------------------

/// Forwards 127.0.0.1:(some port) to a PostgreSQL server until cut.
pub struct Proxy {
    pub addr: SocketAddr,
    up: Arc<AtomicBool>,
    links: Arc<Mutex<Vec<AbortHandle>>>,
    accept: AbortHandle,
}

impl Proxy {
    pub async fn start(upstream: String) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind proxy");
        let addr = listener.local_addr().expect("proxy addr");
        let up = Arc::new(AtomicBool::new(true));
        let links: Arc<Mutex<Vec<AbortHandle>>> = Arc::default();
        let (up2, links2) = (Arc::clone(&up), Arc::clone(&links));
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                if !up2.load(Ordering::SeqCst) {
                    // Down: the connection is closed at once, as a stopped server's would be.
                    drop(client);
                    continue;
                }
                let upstream = upstream.clone();
                let link = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&upstream).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                links2.lock().unwrap().push(link.abort_handle());
            }
        })
        .abort_handle();
        Proxy { addr, up, links, accept }
    }

    /// Closes every forwarded connection and refuses new ones.
    pub fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for link in self.links.lock().unwrap().drain(..) {
            link.abort();
        }
    }

    pub fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

impl Drop for Proxy {
    fn drop(&mut self) {
        self.accept.abort();
        self.cut();
    }
}

// ---- load and measurements -----------------------------------------------------------------

#[derive(Debug, Clone)]
struct Sample {
    /// When the request was sent, since the run started.
    sent: Duration,
    done: Duration,
    write: bool,
    status: u16,
    problem: Option<String>,
}

/// Clients that each alternate `GET /users/@me` and `PATCH /users/@me` until stopped.
struct Load {
    samples: Arc<Mutex<Vec<Sample>>>,
    stop: Arc<AtomicBool>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    start: Instant,
}

/// Checks a 503 is the Discord body with `Retry-After`; anything but 200/503 is a problem.
async fn judge(response: reqwest::Response) -> (u16, Option<String>) {
    let status = response.status().as_u16();
    let retry_after = response.headers().contains_key("retry-after");
    let has_id = response.headers().contains_key("x-request-id");
    let body: Value = response.json().await.unwrap_or(Value::Null);
    let problem = match status {
        200 if has_id => None,
        503 if retry_after
            && has_id
            && body == json!({"message": "503: Service Unavailable", "code": 0}) =>
        {
            None
        }
        _ => Some(format!("{status} retry_after={retry_after} request_id={has_id} {body}")),
    };
    (status, problem)
}

impl Load {
    fn start(api: String, tokens: Vec<String>) -> Load {
        let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let start = Instant::now();
        let http = reqwest::Client::builder().timeout(Duration::from_secs(30)).build().unwrap();
        let tasks = tokens
            .into_iter()
            .map(|token| {
                let (samples, stop, http, api) =
                    (Arc::clone(&samples), Arc::clone(&stop), http.clone(), api.clone());
                tokio::spawn(async move {
                    let mut n = 0u64;
                    while !stop.load(Ordering::SeqCst) {
                        n += 1;
                        let write = n.is_multiple_of(2);
                        let request = if write {
                            http.patch(format!("{api}/users/@me"))
                                .json(&json!({"global_name": format!("n{n}")}))
                        } else {
                            http.get(format!("{api}/users/@me"))
                        };
                        let sent = start.elapsed();
                        let (status, problem) =
                            match request.header("Authorization", &token).send().await {
                                Ok(r) => judge(r).await,
                                Err(e) => (0, Some(format!("no answer: {e}"))),
                            };
                        samples.lock().unwrap().push(Sample {
                            sent,
                            done: start.elapsed(),
                            write,
                            status,
                            problem,
                        });
                        tokio::time::sleep(Duration::from_millis(10)).await;
                    }
                })
            })
            .collect();
        Load { samples, stop, tasks, start }
    }

    async fn finish(self) -> Vec<Sample> {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks {
            t.await.expect("load task");
        }
        let samples = self.samples.lock().unwrap().clone();
        samples
    }
}

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    if sorted.is_empty() {
        return Duration::ZERO;
    }
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

async fn health(http: &reqwest::Client, root: &str) -> (u16, Value) {
    let response = http.get(format!("{root}/healthz")).send().await.expect("healthz answers");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    /// The database is gone: every request fails, /healthz reports it down.
    Down,
    /// Only writes fail (the database is write-locked); reads and /healthz are fine.
    WritesOnly,
}

/// What a fault test measured.
struct Outage {
    answers: usize,
    during: usize,
    unavailable: usize,
    p50: Duration,
    max: Duration,
    recovery: Duration,
}

/// Runs load, takes the database away with `cut`, checks the answers and `/healthz`, brings it
/// back with `restore`, and measures how long until writes succeed and `/healthz` is 200.
async fn outage_under_load(
    label: &str,
    server: &ServerProcess,
    cut: impl FnOnce(),
    restore: impl FnOnce(),
    expect: Expect,
) -> Outage {
    let reads_fail = expect == Expect::Down;
    static RUN: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    let run = RUN.fetch_add(1, Ordering::SeqCst);
    let http = reqwest::Client::new();
    let mut tokens = Vec::new();
    for i in 0..4 {
        let body = register_account(&http, &server.api(), &format!("load{run}_{i}")).await;
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    let load = Load::start(server.api(), tokens);
    tokio::time::sleep(Duration::from_millis(500)).await;

    let cut_at = load.start.elapsed();
    cut();
    // Health during the outage: 503, database down, within the bound.
    tokio::time::sleep(Duration::from_millis(300)).await;
    let asked = Instant::now();
    let (status, body) = health(&http, &server.root).await;
    let health_latency = asked.elapsed();
    if expect == Expect::Down {
        assert_eq!(status, 503, "{label}: /healthz during the outage: {body}");
        assert_eq!(body["status"], "unavailable");
        assert_eq!(body["database_status"], "down");
    } else {
        assert_eq!(status, 200, "{label}: /healthz: {body}");
    }
    assert!(health_latency < MAX_503_LATENCY, "{health_latency:?}");
    tokio::time::sleep(Duration::from_millis(2000)).await;

    let restore_at = load.start.elapsed();
    restore();
    let restored = Instant::now();
    let health_recovery = loop {
        let (status, body) = health(&http, &server.root).await;
        if status == 200 {
            assert_eq!(body["database_status"], "up");
            break restored.elapsed();
        }
        assert!(restored.elapsed() < MAX_RECOVERY * 2, "{label}: /healthz still {status} {body}");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    tokio::time::sleep(Duration::from_millis(1000) + MAX_RECOVERY).await;
    let samples = load.finish().await;

    let problems: Vec<&Sample> = samples.iter().filter(|s| s.problem.is_some()).collect();
    assert!(problems.is_empty(), "{label}: {problems:#?}");
    // Sent once the fault had surely taken hold (connections already in a query when it
    // struck may still finish) and answered before the database returned.
    let settled = cut_at + Duration::from_millis(300);
    let during: Vec<&Sample> =
        samples.iter().filter(|s| s.sent >= settled && s.done < restore_at).collect();
    assert!(during.len() >= 10, "{label}: too little load: {}", during.len());
    for s in &during {
        if s.write || reads_fail {
            assert_eq!(s.status, 503, "{label}: {s:?}");
        }
    }
    let mut latencies: Vec<Duration> =
        samples.iter().filter(|s| s.status == 503).map(|s| s.done - s.sent).collect();
    latencies.sort();
    let max = latencies.last().copied().unwrap_or_default();
    assert!(max < MAX_503_LATENCY, "{label}: a 503 took {max:?}");
    let first_write_back = samples
        .iter()
        .filter(|s| s.write && s.status == 200 && s.sent >= restore_at)
        .map(|s| s.done - restore_at)
        .min()
        .unwrap_or_else(|| panic!("{label}: no write succeeded after the database returned"));
    assert!(first_write_back < MAX_RECOVERY, "{label}: writes resumed after {first_write_back:?}");
    let recovery = first_write_back.max(health_recovery);
    // After recovery, everything succeeds again.
    let late = restore_at + recovery + Duration::from_millis(200);
    for s in samples.iter().filter(|s| s.sent >= late) {
        assert_eq!(s.status, 200, "{label}: after recovery: {s:?}");
    }
    let outage = Outage {
        answers: samples.len(),
        during: during.len(),
        unavailable: latencies.len(),
        p50: percentile(&latencies, 0.5),
        max,
        recovery,
    };
    println!(
        "fault {label}: {} answers, {} during the outage, {} × 503 (p50 {:?}, max {:?}), \
         /healthz answered in {health_latency:?}, recovered in {:?} (healthz {health_recovery:?}, \
         first write {first_write_back:?})",
        outage.answers, outage.during, outage.unavailable, outage.p50, outage.max, outage.recovery
    );
    outage
}

fn server_env() -> Vec<(&'static str, &'static str)> {
    vec![
        ("ASTRAL_DB_POOL_TIMEOUT_SECS", POOL_TIMEOUT_SECS),
        ("ASTRAL_SQLITE_BUSY_TIMEOUT_MS", BUSY_TIMEOUT_MS),
        ("ASTRAL_DB_STATEMENT_TIMEOUT_MS", STATEMENT_TIMEOUT_MS),
        ("ASTRAL_LOG", "info,astral_server=debug"),
    ]
}

#[actix_web::test]
async fn sqlite_file_renamed_or_write_locked_under_load() {
    let db = TestDb::sqlite();
    let path = db.sqlite_path().unwrap();
    let server = ServerProcess::serve(&db.url(), &server_env()).await;

    let away = format!("{path}.away");
    outage_under_load(
        "sqlite file renamed",
        &server,
        || std::fs::rename(&path, &away).unwrap(),
        || std::fs::rename(&away, &path).unwrap(),
        Expect::Down,
    )
    .await;

    // Another connection holds the write lock (a long write transaction, a backup tool):
    // writes wait out the busy timeout and answer 503; reads go on (WAL), so the database is
    // not down and /healthz stays 200. (An exclusive lock cannot be taken at all while the
    // server has the database open in WAL mode.)
    let lock: Arc<Mutex<Option<SqliteWriteLock>>> = Arc::default();
    let (l1, l2) = (Arc::clone(&lock), Arc::clone(&lock));
    let lock_path = path.clone();
    outage_under_load(
        "sqlite write-locked",
        &server,
        move || *l1.lock().unwrap() = Some(SqliteWriteLock::acquire(&lock_path).unwrap()),
        move || drop(l2.lock().unwrap().take()),
        Expect::WritesOnly,
    )
    .await;
}

#[actix_web::test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
async fn postgres_cut_off_under_load() {
    let db = TestDb::postgres();
    let mut url = url::Url::parse(&db.url()).unwrap();
    let upstream =
        format!("{}:{}", url.host_str().unwrap_or("127.0.0.1"), url.port().unwrap_or(5432));
    let proxy = Arc::new(Proxy::start(upstream).await);
    url.set_host(Some("127.0.0.1")).unwrap();
    url.set_port(Some(proxy.addr.port())).unwrap();
    let server = ServerProcess::serve(url.as_str(), &server_env()).await;
    let (p1, p2) = (Arc::clone(&proxy), Arc::clone(&proxy));
    outage_under_load(
        "postgresql cut off",
        &server,
        move || p1.cut(),
        move || p2.restore(),
        Expect::Down,
    )
    .await;
}

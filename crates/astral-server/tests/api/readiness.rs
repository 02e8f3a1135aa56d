//! `GET /readyz` (docs/operations.md#liveness-and-readiness): ready; not ready while the
//! database is unreachable, while its schema lacks a migration of this binary, and from SIGTERM
//! until the listener closes (`shutdown_delay_secs`), while requests are still served.

use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use serde_json::{json, Value};

use crate::faults::Proxy;
use crate::process::ServerProcess;
use crate::support::{
    assert_matches_contract, backend_db_test, backend_test, header_text, TestApp, TestDb,
    TestOptions,
};

async fn readiness(http: &reqwest::Client, root: &str) -> (u16, Value, Option<String>) {
    let response = http.get(format!("{root}/readyz")).send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = header_text(response.headers(), "retry-after").map(str::to_owned);
    let body: Value = response.json().await.unwrap();
    assert_matches_contract("Readiness", &body);
    (status, body, retry_after)
}

/// `GET /readyz` answers `status` with exactly `body` and this `Retry-After`.
async fn expect_readiness(app: &TestApp, status: u16, body: Value, retry_after: Option<&str>) {
    let (got_status, got_body, got_retry_after) = readiness(&app.http, &app.root).await;
    assert_eq!(got_status, status, "{got_body}");
    assert_eq!(got_body, body);
    assert_eq!(got_retry_after.as_deref(), retry_after);
}

backend_test!(a_migrated_reachable_instance_is_ready);

async fn a_migrated_reachable_instance_is_ready(app: TestApp) {
    expect_readiness(
        &app,
        200,
        json!({
            "status": "ready",
            "database_status": "up",
            "schema": "current",
            "pending_migrations": 0,
            "shutting_down": false
        }),
        None,
    )
    .await;
}

backend_test!(a_schema_missing_the_last_migration_is_not_ready);

/// As while another instance is still migrating: the database lacks this binary's last
/// migration (its row removed from diesel's table, so diesel sees it pending).
async fn a_schema_missing_the_last_migration_is_not_ready(app: TestApp) {
    let forget_last = "DELETE FROM __diesel_schema_migrations WHERE version = \
                       (SELECT MAX(version) FROM __diesel_schema_migrations)";
    match app.db.sqlite_path() {
        Some(path) => {
            let mut conn = diesel::SqliteConnection::establish(&path).unwrap();
            diesel::sql_query(forget_last).execute(&mut conn).unwrap();
        }
        None => {
            let mut conn = diesel::PgConnection::establish(&app.db.url()).unwrap();
            diesel::sql_query(forget_last).execute(&mut conn).unwrap();
        }
    }
    expect_readiness(
        &app,
        503,
        json!({
            "status": "not_ready",
            "database_status": "up",
            "schema": "behind",
            "pending_migrations": 1,
            "shutting_down": false
        }),
        Some("1"),
    )
    .await;
    // Alive all the same: liveness does not depend on the schema.
    assert_eq!(app.health().await["status"], "ok");
}

backend_db_test!(an_unreachable_database_is_not_ready_until_it_is_back, unreachable_database);

/// How long the app waits for a pooled connection (`TestOptions::pool_timeout_secs`): a
/// readiness check while the database is away answers within it.
const POOL_TIMEOUT_SECS: u64 = 2;

/// The database is taken away under a running `TestApp` and brought back. PostgreSQL: the app
/// reaches it through a TCP proxy the test owns (faults.rs), cut (every connection closed, new
/// ones refused, as a stopped server would) and restored; the shared server is never touched.
/// SQLite: its file renamed away (every checkout is refused) and back. (Making the file
/// unreadable instead proves nothing when the tests run as root, whom no mode stops.)
enum Outage {
    Proxy(ProxyOnItsOwnRuntime),
    Renamed(String),
}

impl Outage {
    fn cut(&self) {
        match self {
            Outage::Proxy(proxy) => proxy.proxy.cut(),
            Outage::Renamed(path) => std::fs::rename(path, format!("{path}.away")).unwrap(),
        }
    }

    fn restore(&self) {
        match self {
            Outage::Proxy(proxy) => proxy.proxy.restore(),
            Outage::Renamed(path) => std::fs::rename(format!("{path}.away"), path).unwrap(),
        }
    }
}

/// faults.rs's proxy, forwarding on a runtime of its own: `TestApp::start` connects to the
/// database synchronously on the test's thread, which therefore cannot forward for it.
struct ProxyOnItsOwnRuntime {
    proxy: Proxy,
    runtime: Option<tokio::runtime::Runtime>,
}

impl ProxyOnItsOwnRuntime {
    async fn start(upstream: String) -> ProxyOnItsOwnRuntime {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let proxy = runtime.spawn(Proxy::start(upstream)).await.unwrap();
        ProxyOnItsOwnRuntime { proxy, runtime: Some(runtime) }
    }
}

impl Drop for ProxyOnItsOwnRuntime {
    fn drop(&mut self) {
        // Dropped in async context: a runtime may not block there.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

async fn unreachable_database(db: TestDb) {
    let backend = db.backend();
    let options = || TestOptions { pool_timeout_secs: POOL_TIMEOUT_SECS, ..TestOptions::default() };
    // `db` outlives `app` (declared first, dropped last): it owns the PostgreSQL schema.
    let (app, outage) = match db.sqlite_path() {
        Some(path) => (TestApp::start_with(TestDb::Shared { url: db.url() }, options()).await, {
            Outage::Renamed(path)
        }),
        None => {
            let mut url = url::Url::parse(&db.url()).unwrap();
            let upstream =
                format!("{}:{}", url.host_str().unwrap_or("127.0.0.1"), url.port().unwrap_or(5432));
            let proxy = ProxyOnItsOwnRuntime::start(upstream).await;
            url.set_host(Some("127.0.0.1")).unwrap();
            url.set_port(Some(proxy.proxy.addr.port())).unwrap();
            let app = TestApp::start_with(TestDb::Shared { url: url.into() }, options()).await;
            (app, Outage::Proxy(proxy))
        }
    };
    let ready = json!({
        "status": "ready",
        "database_status": "up",
        "schema": "current",
        "pending_migrations": 0,
        "shutting_down": false
    });
    let down = json!({
        "status": "not_ready",
        "database_status": "down",
        "schema": "unknown",
        "pending_migrations": 0,
        "shutting_down": false
    });
    // Ready through the proxy: the app's connections do go through it.
    expect_readiness(&app, 200, ready.clone(), None).await;

    outage.cut();
    // Twice: the first check meets the connections the outage broke, the second finds none to
    // be had. Each answers within the pool timeout (plus slack for a loaded machine).
    let mut latencies = Vec::new();
    for _ in 0..2 {
        let asked = Instant::now();
        expect_readiness(&app, 503, down.clone(), Some("1")).await;
        latencies.push(asked.elapsed());
    }
    let bound = Duration::from_secs(POOL_TIMEOUT_SECS + 2);
    assert!(latencies.iter().all(|l| *l < bound), "{backend}: {latencies:?}");
    // `/healthz` agrees.
    let health = app.health().await;
    assert_eq!(
        (&health["status"], &health["database_status"]),
        (&json!("unavailable"), &json!("down")),
        "{health}"
    );

    outage.restore();
    let restored = Instant::now();
    let recovery = loop {
        let (status, body, _) = readiness(&app.http, &app.root).await;
        if status == 200 {
            assert_eq!(body, ready);
            break restored.elapsed();
        }
        assert_eq!((status, &body), (503, &down), "{backend}: while coming back");
        assert!(restored.elapsed() < Duration::from_secs(10), "{backend}: still not ready");
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    println!(
        "readiness {backend}: database cut off: 503 in {:?} and {:?}; ready {recovery:?} after \
         it was back",
        latencies[0], latencies[1]
    );
}

const SHUTDOWN_DELAY_SECS: u64 = 2;

backend_db_test!(sigterm_makes_the_instance_not_ready_before_the_listener_closes, sigterm);

async fn sigterm(db: TestDb) {
    let delay = SHUTDOWN_DELAY_SECS.to_string();
    let mut server =
        ServerProcess::serve(&db.url(), &[("ASTRAL_SHUTDOWN_DELAY_SECS", &delay)]).await;
    let http = reqwest::Client::new();
    assert_eq!(readiness(&http, &server.root).await.0, 200);
    let register = json!({"username": "late", "password": "correct horse battery"});
    let terminated = Instant::now();
    server.sigterm();
    tokio::time::sleep(Duration::from_millis(200)).await;

    let (status, body, _) = readiness(&http, &server.root).await;
    assert_eq!(status, 503, "{body}");
    assert_eq!(body["status"], "not_ready");
    assert_eq!(body["shutting_down"], true);
    assert_eq!(body["database_status"], "up");
    // Still serving while the load balancer takes it out of rotation.
    let created =
        http.post(format!("{}/auth/register", server.api())).json(&register).send().await.unwrap();
    assert_eq!(created.status(), 201);
    assert!(terminated.elapsed() < Duration::from_secs(SHUTDOWN_DELAY_SECS));

    let exit = server
        .wait_exit(Duration::from_secs(SHUTDOWN_DELAY_SECS + 10))
        .await
        .expect("exits after the delay");
    assert!(exit.success(), "{exit:?}\n{}", server.logs());
    assert!(
        terminated.elapsed() >= Duration::from_secs(SHUTDOWN_DELAY_SECS),
        "the listener stayed open for the delay"
    );
}

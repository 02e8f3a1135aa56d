//! `GET /readyz` (docs/operations.md#liveness-and-readiness): ready; not ready while the
//! database is unreachable, while its schema lacks a migration of this binary, and from SIGTERM
//! until the listener closes (`shutdown_delay_secs`), while requests are still served.

use std::time::{Duration, Instant};

use diesel::{Connection, RunQueryDsl};
use serde_json::{json, Value};

use crate::process::{command, ServerProcess};
use crate::support::{assert_matches_contract, backend_db_test, backend_test, TestApp, TestDb};

async fn readiness(http: &reqwest::Client, root: &str) -> (u16, Value, Option<String>) {
    let response = http.get(format!("{root}/readyz")).send().await.unwrap();
    let status = response.status().as_u16();
    let retry_after = response.headers().get("retry-after").map(|v| v.to_str().unwrap().to_owned());
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

#[actix_web::test]
async fn an_unreachable_database_is_not_ready() {
    let app = TestApp::start(TestDb::sqlite()).await;
    let path = app.db.sqlite_path().unwrap();
    // The file taken away (faults.rs does the same under load; PostgreSQL is cut there by a
    // proxy): every checkout is refused at once.
    std::fs::rename(&path, format!("{path}.away")).unwrap();
    expect_readiness(
        &app,
        503,
        json!({
            "status": "not_ready",
            "database_status": "down",
            "schema": "unknown",
            "pending_migrations": 0,
            "shutting_down": false
        }),
        Some("1"),
    )
    .await;
    std::fs::rename(format!("{path}.away"), &path).unwrap();
    assert_eq!(readiness(&app.http, &app.root).await.0, 200, "ready again once it is back");
}

const SHUTDOWN_DELAY_SECS: u64 = 2;

backend_db_test!(sigterm_makes_the_instance_not_ready_before_the_listener_closes, sigterm);

async fn sigterm(db: TestDb) {
    let media = tempfile::tempdir().unwrap();
    let delay = SHUTDOWN_DELAY_SECS.to_string();
    let mut server = ServerProcess::start(command(
        &db.url(),
        media.path(),
        &[("ASTRAL_SHUTDOWN_DELAY_SECS", &delay)],
    ))
    .await;
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

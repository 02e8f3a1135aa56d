//! `astral copy-to-postgres`: data made through the API on SQLite, copied by the binary into a
//! new PostgreSQL schema, then served from PostgreSQL: the same answers, the same tokens. Every
//! table of src/schema.rs must be copied with rows in it, so a table a later migration adds
//! fails this test until the copy (which reads the tables from the databases) carries it and the
//! test fills it.

use diesel::sql_types::BigInt;
use diesel::{Connection, PgConnection, QueryableByName, RunQueryDsl, SqliteConnection};
use serde_json::{json, Value};

use crate::support::{astral, bot, TestApp, TestDb};

/// The `diesel::table!` names of astral-store's schema.rs.
fn schema_tables() -> Vec<String> {
    let source = include_str!("../../../astral-store/src/schema.rs");
    let mut lines = source.lines().map(str::trim);
    let mut tables = Vec::new();
    while let Some(line) = lines.next() {
        if line == "diesel::table! {" {
            let header = lines.next().unwrap_or_default();
            let (name, _) = header.split_once(" (").unwrap_or_else(|| panic!("{header:?}"));
            tables.push(name.to_owned());
        }
    }
    assert!(tables.len() >= 15, "schema.rs's tables: {tables:?}");
    tables.sort();
    tables
}

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

fn rows_in_sqlite(conn: &mut SqliteConnection, table: &str) -> i64 {
    let query = format!("SELECT count(*) AS n FROM \"{table}\"");
    diesel::sql_query(query).get_result::<Count>(conn).unwrap().n
}

fn rows_in_postgres(conn: &mut PgConnection, table: &str) -> i64 {
    let query = format!("SELECT count(*) AS n FROM \"{table}\"");
    diesel::sql_query(query).get_result::<Count>(conn).unwrap().n
}

/// A small distinct PNG as a data URI.
fn png(shade: u8) -> String {
    crate::support::solid_png_uri([shade, 7, 9, 255])
}

fn cli(db: &TestDb, args: &[&str]) -> Value {
    let url = db.url();
    let mut all = args.to_vec();
    all.extend(["--database-url", &url]);
    let out = astral(&all);
    assert!(out.status.success(), "{args:?}: {}", String::from_utf8_lossy(&out.stderr));
    serde_json::from_slice(&out.stdout).unwrap_or(Value::Null)
}

#[actix_web::test]
#[cfg_attr(not(astral_pg_tests), ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL")]
async fn sqlite_copied_into_postgresql_serves_the_same_users_guilds_and_profiles() {
    let lite = TestApp::start(TestDb::sqlite()).await;
    // Every table gets rows: through the API where it has a route, the CLI otherwise.
    let (ada, ada_id) = lite.register("ada").await;
    let (bob, bob_id) = lite.register("bob").await;
    let (carl, _) = lite.register("carl").await;
    let (ada, bob) = (bot(&ada), bot(&bob));
    let flag = lite
        .authorized(&ada)
        .post("/users/@me/flags")
        .json(json!({"flag": png(1), "name": "Ace"}))
        .expect(200)
        .await;
    let profile = json!({
        "global_name": "Ada Lovelace", "avatar": png(2), "banner": png(3), "bio": "Engines.",
        "pride_flags": [flag["id"]], "links": ["https://example.org/ada"],
    });
    lite.expect("PATCH", "/users/@me", Some(&ada), Some(profile), 200).await;
    lite.authorized(&ada)
        .put(format!("/users/@me/relationships/{bob_id}"))
        .json(json!({}))
        .expect(204)
        .await;
    lite.authorized(&bob)
        .put(format!("/users/@me/relationships/{ada_id}"))
        .json(json!({}))
        .expect(204)
        .await;
    let guild =
        lite.expect("POST", "/guilds", Some(&ada), Some(json!({"name": "Analytical"})), 201).await;
    let guild_id = guild["id"].as_str().unwrap();
    let invite =
        lite.expect("POST", &format!("/guilds/{guild_id}/invites"), Some(&ada), None, 200).await;
    let code = invite["code"].as_str().unwrap();
    lite.expect("POST", &format!("/invites/{code}"), Some(&bob), None, 200).await;
    lite.authorized(&ada)
        .post("/users/@me/channels")
        .json(json!({"recipient_id": bob_id}))
        .expect(200)
        .await;
    lite.authorized(&ada)
        .post("/members")
        .json(json!({"name": "Countess", "avatar": png(4)}))
        .expect(200)
        .await;
    cli(&lite.db, &["users", "suspend", "carl", "--reason", "copied too"]);
    let helper = cli(&lite.db, &["bots", "create", "engine-bot", "--owner", "ada"]);
    let helper = bot(helper["token"].as_str().unwrap());
    // issue 16 D: an account its owner disabled (user_lifecycle).
    let (dora, _) = lite.register("dora").await;
    lite.authorized(&bot(&dora))
        .post("/users/@me/disable")
        .json(json!({"password": "correct horse battery"}))
        .expect(204)
        .await;
    // issue 16 B: an address given at registration leaves a verification secret and, without
    // SMTP, an outbox mail (written after the answer: wait for it).
    let elsie = json!({"username": "elsie", "password": "correct horse battery", "email": "elsie@example.com"});
    lite.anonymous().post("/auth/register").json(elsie).expect(201).await;
    for _ in 0..100 {
        if !lite.store().outbox(lite.state.now_ms(), false).unwrap().is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    // issue 16 C-e: an account with two-factor authentication on (user_mfa, mfa_backup_codes).
    let (fay, _) = lite.register("fay").await;
    let now = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap();
    let secret = astral_server::mfa::read_secret("JBSWY3DPEHPK3PXP").unwrap();
    let code = astral_server::mfa::code_at(&secret, now.as_secs());
    lite.authorized(&bot(&fay))
        .post("/users/@me/mfa/totp/enable")
        .json(json!({"password": "correct horse battery", "secret": "JBSWY3DPEHPK3PXP", "code": code}))
        .expect(200)
        .await;

    // What readers see on SQLite.
    let reads = [
        ("/users/@me".to_owned(), Some(ada.clone())),
        (
            format!("/users/{bob_id}/profile?with_mutual_guilds=true&with_mutual_friends=true"),
            Some(ada.clone()),
        ),
        ("/users/ada".to_owned(), None),
        ("/users/@me/guilds".to_owned(), Some(bob.clone())),
        (format!("/guilds/{guild_id}"), Some(bob.clone())),
        ("/users/@me/relationships".to_owned(), Some(ada.clone())),
        ("/users/@me/channels".to_owned(), Some(bob.clone())),
        ("/users/@me/flags".to_owned(), Some(ada.clone())),
        (format!("/users/{ada_id}/members"), Some(bob.clone())),
        ("/users/@me".to_owned(), Some(helper.clone())),
    ];
    let mut before = Vec::new();
    for (path, token) in &reads {
        before.push(lite.expect("GET", path, token.as_deref(), None, 200).await);
    }

    // The copy, by the binary, into a new schema.
    let target = TestDb::postgres();
    let source = lite.db.sqlite_path().unwrap();
    let target_url = target.url();
    let out = astral(&["copy-to-postgres", "--from", &source, "--to", &target_url]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report = String::from_utf8(out.stdout).unwrap();
    let reported: Vec<(String, i64)> = report
        .lines()
        .skip(2)
        .filter(|l| !l.starts_with("total"))
        .map(|l| {
            let (table, rows) = l.split_once(' ').unwrap();
            (table.to_owned(), rows.trim().parse().unwrap_or_else(|_| panic!("{l}")))
        })
        .collect();
    let mut copied: Vec<String> = reported.iter().map(|(t, _)| t.clone()).collect();
    copied.sort();
    assert_eq!(copied, schema_tables(), "every table of schema.rs is copied:\n{report}");
    let mut lite_conn = SqliteConnection::establish(&source).unwrap();
    let mut pg_conn = PgConnection::establish(&target_url).unwrap();
    for (table, rows) in &reported {
        assert!(*rows > 0, "the test gives {table} no rows: fill it through the API:\n{report}");
        assert_eq!(rows_in_sqlite(&mut lite_conn, table), *rows, "{table} in SQLite");
        assert_eq!(rows_in_postgres(&mut pg_conn, table), *rows, "{table} in PostgreSQL");
    }
    println!("{report}");

    // Served from PostgreSQL: the same answers to the same tokens.
    let served = TestApp::start(target).await;
    for ((path, token), expected) in reads.iter().zip(&before) {
        let after = served.expect("GET", path, token.as_deref(), None, 200).await;
        assert_eq!(&after, expected, "GET {path} on PostgreSQL");
    }
    // The suspension and the bot's owner came along.
    assert_eq!(served.call("GET", "/users/@me", Some(&carl), None).await.0, 401);
    let login = json!({"login": "carl", "password": "correct horse battery"});
    served.refusal("POST", "/auth/login", None, Some(login), (403, 20013)).await;
    let shown = cli(&served.db, &["users", "show", "engine-bot", "--json"]);
    assert_eq!(shown["bot_owner_id"], json!(ada_id));
    // And the target is no longer empty: a second copy is refused, nothing written.
    let again = astral(&["copy-to-postgres", "--from", &source, "--to", &target_url]);
    assert_eq!(again.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&again.stderr).contains("is not empty"));
    assert_eq!(rows_in_postgres(&mut pg_conn, "users"), rows_in_sqlite(&mut lite_conn, "users"));
}

/// What the copy refuses before writing anything: a source that is not a SQLite file, a target
/// that is not PostgreSQL.
#[test]
fn the_copy_refuses_wrong_sources_and_targets() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("missing.db").display().to_string();
    let cases: [(&[&str], &str); 3] = [
        (&["--from", &missing, "--to", "postgres://astral@127.0.0.1:1/x"], "no SQLite database"),
        (&["--from", "postgres://a@b/c", "--to", "postgres://a@b/c"], "--from must be a SQLite"),
        (&["--from", &missing, "--to", "sqlite://other.db"], "--to must be a PostgreSQL"),
    ];
    for (args, says) in cases {
        let mut all = vec!["copy-to-postgres"];
        all.extend_from_slice(args);
        let out = astral(&all);
        assert_eq!(out.status.code(), Some(1), "{args:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(says), "{args:?}: {stderr}");
    }
    assert!(!std::path::Path::new(&missing).exists(), "no SQLite file was created");
}

//! The documented way to get a bot token: `astral users create --bot`.

use std::process::Command;

use serde_json::Value;

use crate::support::{astral, backend_test, bot, TestApp};

backend_test!(users_create_prints_a_working_bot_token);
async fn users_create_prints_a_working_bot_token(app: TestApp) {
    let url = app.db.url();
    let out =
        astral(&["users", "create", "--username", "astral-bot", "--bot", "--database-url", &url]);
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let stdout = String::from_utf8(out.stdout).unwrap();
    assert_eq!(stdout.lines().count(), 1, "one JSON line: {stdout}");
    let created: Value = serde_json::from_str(stdout.trim()).unwrap();
    assert_eq!(created["username"], "astral-bot");
    let token = created["token"].as_str().unwrap();

    let me = app.client(Some(&bot(token))).get_my_user().await.unwrap().into_inner();
    assert_eq!(me.id.to_string(), created["id"].as_str().unwrap());
    assert!(me.bot);
    assert_eq!(me.username, "astral-bot");

    // The same name again is refused, and the CLI says why.
    let again =
        astral(&["users", "create", "--username", "ASTRAL-BOT", "--bot", "--database-url", &url]);
    assert_eq!(again.status.code(), Some(1), "{:?}", again.status);
    assert!(String::from_utf8_lossy(&again.stderr).contains("username is already taken"));
    // A person whose password comes on stdin (not in the process list) can log in with it.
    let mut child = Command::new(env!("CARGO_BIN_EXE_astral"))
        .args([
            "users",
            "create",
            "--username",
            "stdin-person",
            "--password-stdin",
            "--database-url",
            &url,
        ])
        .env_remove("ASTRAL_CONFIG")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("run astral");
    std::io::Write::write_all(child.stdin.as_mut().unwrap(), b"piped secret words\n").unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    let session = app.login("stdin-person", "piped secret words").await;
    assert!(!session.is_empty());
    assert!(!String::from_utf8_lossy(&out.stdout).contains("piped secret words"), "never echoed");
    // So is a name the API would refuse.
    let bad = astral(&["users", "create", "--username", "no spaces", "--database-url", &url]);
    assert_eq!(bad.status.code(), Some(1), "{:?}", bad.status);
    assert!(String::from_utf8_lossy(&bad.stderr).contains("USERNAME_INVALID_CHARACTERS"));
}

#[test]
fn a_postgres_url_whose_server_is_down_reports_the_postgres_error() {
    let out = astral(&["migrate", "--database-url", "postgres://astral@127.0.0.1:1/nowhere"]);
    assert_eq!(out.status.code(), Some(1), "a clean failure, not a crash: {:?}", out.status);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("cannot connect to postgresql"), "{stderr}");
    assert!(!stderr.to_lowercase().contains("sqlite"), "{stderr}");
}

/// `--help` names each setting's environment variable but never prints its value: a
/// `ASTRAL_DATABASE_URL` may hold a database password, and help output ends up in terminals,
/// logs and bug reports.
#[test]
fn help_names_environment_variables_without_printing_their_values() {
    let secret = "postgres://astral:hunter2-secret@127.0.0.1:1/db";
    for command in [&["serve", "--help"][..], &["migrate", "--help"], &["users", "list", "--help"]]
    {
        let out = Command::new(env!("CARGO_BIN_EXE_astral"))
            .args(command)
            .env("ASTRAL_DATABASE_URL", secret)
            .env("ASTRAL_MEDIA_DIR", "/secret-media-dir")
            .output()
            .unwrap();
        assert!(out.status.success(), "{command:?}: {:?}", out.status);
        let help = String::from_utf8_lossy(&out.stdout);
        assert!(help.contains("[env: ASTRAL_DATABASE_URL]"), "{command:?}: {help}");
        assert!(
            !help.contains("hunter2") && !help.contains("/secret-media-dir"),
            "{command:?}: {help}"
        );
    }
}

/// One setting (`database_url`) given by the file, by the environment and by a flag: each is
/// read, and flag > environment > file (the database `astral migrate` creates tells which).
#[test]
fn a_setting_is_read_from_the_file_the_environment_and_a_flag() {
    let dir = tempfile::tempdir().unwrap();
    let url = |name: &str| format!("sqlite://{}", dir.path().join(name).display());
    let config = dir.path().join("astral.toml");
    std::fs::write(&config, format!("database_url = {:?}\n", url("file.db"))).unwrap();
    let config = config.to_str().unwrap();
    let migrate = |env: Option<&str>, flag: Option<&str>| {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_astral"));
        cmd.args(["migrate", "--config", config])
            .env_remove("ASTRAL_CONFIG")
            .env_remove("ASTRAL_DATABASE_URL");
        if let Some(env) = env {
            cmd.env("ASTRAL_DATABASE_URL", env);
        }
        if let Some(flag) = flag {
            cmd.args(["--database-url", flag]);
        }
        let out = cmd.output().expect("run astral");
        assert!(out.status.success(), "{:?}: {}", out.status, String::from_utf8_lossy(&out.stderr));
    };
    let created = |name: &str| dir.path().join(name).exists();

    migrate(None, None);
    assert!(created("file.db"), "the file's key is read");
    migrate(Some(&url("env.db")), None);
    assert!(created("env.db"), "the variable is read and beats the file");
    migrate(Some(&url("env2.db")), Some(&url("flag.db")));
    assert!(created("flag.db"), "the flag beats the variable");
    assert!(!created("env2.db"), "the flag beats the variable");
}

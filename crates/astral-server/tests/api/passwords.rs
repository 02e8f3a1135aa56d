//! Issue 14, attack 11 (passwords): `12345678`, `password` and a password equal to the username
//! were accepted. One rule (`astral_types::password`) now refuses them wherever a password is
//! set — `POST /auth/register` and `astral users create --password/--password-stdin` — with a
//! 50035 field error `PASSWORD_TOO_WEAK`; argon2 and the strength check run on the password pool.

use std::time::Instant;

use serde_json::{json, Value};

use crate::support::{assert_documented, astral_with_stdin, backend_test, bot, TestApp};

fn password_error(answer: &Value) -> &str {
    answer["errors"]["password"]["_errors"][0]["code"].as_str().unwrap_or_default()
}

/// `astral users create` with `args`, and `stdin` piped in when given.
fn users_create(url: &str, args: &[&str], stdin: Option<&str>) -> std::process::Output {
    astral_with_stdin(&[&["users", "create", "--database-url", url], args].concat(), stdin)
}

backend_test!(weak_passwords_are_refused_at_registration);
async fn weak_passwords_are_refused_at_registration(app: TestApp) {
    let cases = [
        (json!({"username": "weak-one", "password": "12345678"}), "12345678"),
        (json!({"username": "weak-two", "password": "password"}), "password"),
        (json!({"username": "weak-three", "password": "qwertyuiop"}), "qwertyuiop"),
        // Equal to the username or the email, ignoring case, however long.
        (
            json!({"username": "Grace.Hopper-1906", "password": "grace.hopper-1906"}),
            "grace.hopper-1906",
        ),
        (
            json!({"username": "ada-l", "password": "Ada.Lovelace@Example.org", "email": "ada.lovelace@example.org"}),
            "Ada.Lovelace@Example.org",
        ),
    ];
    for (body, password) in cases {
        let (status, answer) = app.call("POST", "/auth/register", None, Some(body.clone())).await;
        assert_eq!(status, 400, "{body}: {answer}");
        assert_eq!(answer["code"], 50035, "{answer}");
        assert_eq!(password_error(&answer), "PASSWORD_TOO_WEAK", "{body}: {answer}");
        let message =
            answer["errors"]["password"]["_errors"][0]["message"].as_str().unwrap_or_default();
        assert!(!message.is_empty());
        // ("password" itself is a word of the message: "a top-10 common password".)
        if password != "password" {
            assert!(!message.contains(password), "the password is not echoed: {message}");
        }
        assert_documented("POST", "/auth/register", status, &answer);
    }
    // Every field error comes at once: a bad username and a weak password together.
    let answer = app
        .anonymous()
        .post("/auth/register")
        .json(json!({"username": "no spaces", "password": "12345678"}))
        .expect(400)
        .await;
    assert_eq!(password_error(&answer), "PASSWORD_TOO_WEAK");
    assert_eq!(answer["errors"]["username"]["_errors"][0]["code"], "USERNAME_INVALID_CHARACTERS");
    // Over the maximum: a length error, never hashed.
    let (status, answer) = app
        .anonymous()
        .post("/auth/register")
        .json(json!({"username": "too-long", "password": "correct horse ".repeat(20)}))
        .call()
        .await;
    assert_eq!((status, password_error(&answer)), (400, "BASE_TYPE_BAD_LENGTH"), "{answer}");
    // Nothing was created.
    for name in ["weak-one", "weak-two", "Grace.Hopper-1906", "ada-l", "too-long"] {
        let (status, answer) = app.try_login(name, "correct horse battery").await;
        assert_eq!(status, 400, "{name}: {answer}");
    }
    // The README's example passes, and logs in.
    app.anonymous()
        .post("/auth/register")
        .json(json!({"username": "ada", "password": "correct horse battery"}))
        .expect(201)
        .await;
    let token = app.login("ada", "correct horse battery").await;
    app.expect("GET", "/users/@me", Some(&bot(&token)), None, 200).await;
    // A login attempt with a password over the maximum is refused like any wrong one.
    let (status, answer) = app.try_login("ada", &"x".repeat(4000)).await;
    assert_eq!(
        (status, answer["errors"]["login"]["_errors"][0]["code"].as_str()),
        (400, Some("INVALID_LOGIN"))
    );
}

backend_test!(weak_passwords_are_refused_by_the_cli);
async fn weak_passwords_are_refused_by_the_cli(app: TestApp) {
    let url = app.db.url();
    for (args, stdin, secret) in [
        (vec!["--username", "cli-weak", "--password", "12345678"], None, "12345678"),
        (vec!["--username", "cli-weak", "--password-stdin"], Some("password\n"), "password"),
        (vec!["--username", "cli-same", "--password", "CLI-SAME"], None, "CLI-SAME"),
    ] {
        let out = users_create(&url, &args, stdin);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(1), "{args:?}: {stderr}");
        assert!(stderr.contains("PASSWORD_TOO_WEAK"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty(), "no account line: {}", String::from_utf8_lossy(&out.stdout));
        if secret != "password" {
            assert!(!stderr.contains(secret), "the password is not echoed: {stderr}");
        }
    }
    // Nothing was created: the same names are free for a strong password, which logs in.
    let out = users_create(
        &url,
        &["--username", "cli-weak", "--password-stdin"],
        Some("correct horse battery\n"),
    );
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    app.login("cli-weak", "correct horse battery").await;
}

// argon2 runs on the password pool, not on the database's threads: a flood of 48 wrong
// logins (each a full argon2 verification) leaves another user's `GET /users/@me` within
// a generous ratio of its idle latency.
backend_test!(password_hashing_does_not_hold_up_other_requests);
async fn password_hashing_does_not_hold_up_other_requests(app: TestApp) {
    let (token, _) = app.register("hash-bystander").await;
    let api = app.api("v10");
    let get_me = || async {
        let started = Instant::now();
        let response = app
            .http
            .get(format!("{api}/users/@me"))
            .header("Authorization", bot(&token))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        started.elapsed()
    };
    let mut idle = Vec::new();
    for _ in 0..20 {
        idle.push(get_me().await);
    }
    idle.sort();
    let root = app.root.clone();
    let flood = std::thread::spawn(move || {
        let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        runtime.block_on(async move {
            let http = reqwest::Client::new();
            let logins = (0..48).map(|i| {
                let http = http.clone();
                let url = format!("{root}/api/v10/auth/login");
                async move {
                    let body = json!({"login": "hash-bystander", "password": format!("wrong guess number {i}")});
                    http.post(url).json(&body).send().await.map(|r| r.status().as_u16()).unwrap_or(0)
                }
            });
            futures_util::future::join_all(logins).await
        })
    });
    let mut busy = Vec::new();
    while !flood.is_finished() && busy.len() < 200 {
        busy.push(get_me().await);
    }
    let statuses = flood.join().unwrap();
    assert!(statuses.iter().all(|s| *s == 400 || *s == 503), "{statuses:?}");
    busy.sort();
    if busy.len() >= 5 {
        let (idle, busy) = (idle[idle.len() / 2], busy[busy.len() / 2]);
        let ratio = busy.as_secs_f64() / idle.as_secs_f64();
        println!("48 concurrent wrong logins: GET /users/@me median {idle:?} idle, {busy:?} during (×{ratio:.1})");
        assert!(ratio < 50.0, "×{ratio:.1}");
    }
}

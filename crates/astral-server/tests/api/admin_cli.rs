//! The operators' commands, run as the built `astral` binary against the test's database on
//! both backends: `users list|show|find|reset-password|suspend|unsuspend`, `tokens revoke`,
//! `bots create|reset-token`, and every command's `--help`.

use std::process::Output;

use serde_json::{json, Value};

use crate::support::{astral, astral_with_stdin, backend_test, bot, TestApp};

/// `astral ARGS --database-url URL`, with `stdin` written to its standard input.
fn run(app: &TestApp, args: &[&str], stdin: Option<&str>) -> Output {
    let url = app.db.url();
    astral_with_stdin(&[args, &["--database-url", &url]].concat(), stdin)
}

/// Runs a command that must succeed; returns its stdout.
fn ok(app: &TestApp, args: &[&str], stdin: Option<&str>) -> String {
    let out = run(app, args, stdin);
    assert!(
        out.status.success(),
        "astral {args:?}: {:?}: {}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).expect("utf-8")
}

/// Runs a command that must fail with `code`; returns its stderr, which must be one readable
/// line (no JSON body) and must contain `says`.
fn refused(app: &TestApp, args: &[&str], stdin: Option<&str>, code: i32, says: &str) -> String {
    let out = run(app, args, stdin);
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert_eq!(out.status.code(), Some(code), "astral {args:?}: {stderr}");
    assert!(stderr.contains(says), "astral {args:?} should say {says:?}: {stderr}");
    assert!(!stderr.contains("{\""), "a readable message, not a JSON body: {stderr}");
    assert!(out.stdout.is_empty(), "nothing on stdout: {}", String::from_utf8_lossy(&out.stdout));
    stderr
}

/// One JSON object per stdout line.
fn json_lines(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"))).collect()
}

fn one_json(stdout: &str) -> Value {
    let mut lines = json_lines(stdout);
    assert_eq!(lines.len(), 1, "one JSON line: {stdout}");
    lines.remove(0)
}

/// `GET /users/@me`'s status with `authorization`.
async fn me_status(app: &TestApp, authorization: &str) -> u16 {
    app.call("GET", "/users/@me", Some(authorization), None).await.0
}

async fn register_with_email(app: &TestApp, username: &str, email: &str) -> (String, String) {
    let answer = app
        .anonymous()
        .post("/auth/register")
        .json(json!({"username": username, "password": "correct horse battery", "email": email}))
        .expect(201)
        .await;
    (answer["token"].as_str().unwrap().to_owned(), answer["user_id"].as_str().unwrap().to_owned())
}

backend_test!(users_list_show_and_find);
async fn users_list_show_and_find(app: TestApp) {
    let (_, ada) = register_with_email(&app, "ada", "Ada@Example.org").await;
    let [(_, grace), (_, lookalike)] = app.register_all(["grace_h", "gracexh"]).await;
    let robot = one_json(&ok(&app, &["bots", "create", "robot", "--owner", "ada"], None))["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let everyone = [&ada, &grace, &lookalike, &robot];

    // Pages of two, in id order, each user exactly once; a full page says how to go on.
    let first = run(&app, &["users", "list", "--limit", "2", "--json"], None);
    assert!(first.status.success());
    let page1 = json_lines(&String::from_utf8(first.stdout).unwrap());
    assert_eq!(page1.len(), 2);
    let last = page1[1]["id"].as_str().unwrap();
    assert!(String::from_utf8_lossy(&first.stderr).contains(&format!("--after {last}")));
    let page2 =
        json_lines(&ok(&app, &["users", "list", "--limit", "2", "--json", "--after", last], None));
    let page3 = json_lines(&ok(
        &app,
        &["users", "list", "--json", "--after", page2[1]["id"].as_str().unwrap()],
        None,
    ));
    assert!(page3.is_empty(), "{page3:?}");
    let listed: Vec<&str> = page1.iter().chain(&page2).map(|u| u["id"].as_str().unwrap()).collect();
    assert_eq!(listed, everyone.map(String::as_str), "every user once, oldest first");
    // The table has a header and one row per user.
    let table = ok(&app, &["users", "list"], None);
    assert_eq!(table.lines().count(), 5, "{table}");
    assert!(table.lines().next().unwrap().starts_with("ID"), "{table}");
    assert!(table.contains("robot") && table.contains(" bot "), "{table}");
    // The page size is bounded: a usage error, exit 2.
    for limit in ["0", "1001", "many"] {
        let out = run(&app, &["users", "list", "--limit", limit], None);
        assert_eq!(out.status.code(), Some(2), "--limit {limit}");
    }

    // `show` by id, username or short id: the same account, with its bot owner and tokens.
    let by_name = one_json(&ok(&app, &["users", "show", "robot", "--json"], None));
    assert_eq!(by_name["id"], json!(robot));
    assert_eq!(by_name["bot"], json!(true));
    assert_eq!(by_name["bot_owner_id"], json!(ada));
    assert_eq!(by_name["tokens"].as_array().unwrap().len(), 1);
    assert_eq!(by_name["suspended"], json!(false));
    let sid = by_name["sid"].as_str().unwrap();
    assert_eq!(one_json(&ok(&app, &["users", "show", sid, "--json"], None)), by_name);
    assert_eq!(one_json(&ok(&app, &["users", "show", &robot, "--json"], None)), by_name);
    let text = ok(&app, &["users", "show", "ROBOT"], None);
    assert!(text.contains(&format!("bot owner:     {ada} (ada)")), "{text}");
    assert!(text.contains("status:        active"), "{text}");
    let ada_text = ok(&app, &["users", "show", "ada"], None);
    assert!(ada_text.contains("Ada@Example.org (not verified)"), "{ada_text}");
    refused(&app, &["users", "show", "nobody-here"], None, 1, "no user \"nobody-here\"");

    // `find`: by part of an email or username (ignoring case; `_` is a character, not a
    // wildcard), by short id and by id.
    let found = |query: &str| -> Vec<String> {
        json_lines(&ok(&app, &["users", "find", query, "--json"], None))
            .iter()
            .map(|u| u["id"].as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(found("EXAMPLE.ORG"), [ada.as_str()]);
    assert_eq!(found("ce_h"), [grace.as_str()], "`_` matches only itself");
    assert_eq!(found("GRACE"), [grace.as_str(), lookalike.as_str()]);
    assert_eq!(found(sid), [robot.as_str()]);
    assert_eq!(found(&lookalike), [lookalike.as_str()]);
    let table = ok(&app, &["users", "find", "grace", "--limit", "1"], None);
    assert_eq!(table.lines().count(), 2, "a header and one row: {table}");
    refused(&app, &["users", "find", "zzz%"], None, 1, "no user matches \"zzz%\"");
}

backend_test!(reset_password_takes_stdin_under_the_password_rule_and_revokes_every_token);
async fn reset_password_takes_stdin_under_the_password_rule_and_revokes_every_token(app: TestApp) {
    let (first, _) = app.register("reset-me-now").await;
    let second = app.login("reset-me-now", "correct horse battery").await;

    // The API's rule: a weak password or the username is refused, with the rule's message, and
    // nothing changes.
    refused(
        &app,
        &["users", "reset-password", "reset-me-now"],
        Some("12345678\n"),
        1,
        "PASSWORD_TOO_WEAK",
    );
    refused(
        &app,
        &["users", "reset-password", "reset-me-now"],
        Some("Reset-Me-Now\n"),
        1,
        "must not be your username",
    );
    refused(&app, &["users", "reset-password", "reset-me-now"], Some(""), 1, "no new password");
    refused(
        &app,
        &["users", "reset-password", "nobody"],
        Some("a new long passphrase\n"),
        1,
        "no user",
    );
    assert_eq!(me_status(&app, &first).await, 200, "nothing changed");

    let out = ok(&app, &["users", "reset-password", "reset-me-now"], Some("violet staple orbit\n"));
    assert!(!out.contains("violet"), "the password is never echoed: {out}");
    let reset = one_json(&out);
    assert_eq!(reset["tokens_revoked"], json!(2));
    assert_eq!(me_status(&app, &first).await, 401);
    assert_eq!(me_status(&app, &second).await, 401);
    let (status, _) = app.try_login("reset-me-now", "correct horse battery").await;
    assert_eq!(status, 400, "the old password no longer works");
    let fresh = app.login("reset-me-now", "violet staple orbit").await;
    assert_eq!(me_status(&app, &fresh).await, 200);
}

backend_test!(a_suspended_account_s_tokens_and_login_are_refused_until_unsuspended);
async fn a_suspended_account_s_tokens_and_login_are_refused_until_unsuspended(app: TestApp) {
    let (token, id) = app.register("suspect").await;
    let (bot_token, _) = app.create_bot("suspect-bot");
    let (bystander, _) = app.register("bystander").await;

    let suspended =
        one_json(&ok(&app, &["users", "suspend", "suspect", "--reason", "spam waves"], None));
    assert_eq!((suspended["id"].clone(), suspended["suspended"].clone()), (json!(id), json!(true)));
    ok(&app, &["users", "suspend", "suspect-bot"], None);

    // Tokens: 401, as for a token that does not exist; the tokens are kept.
    assert_eq!(me_status(&app, &token).await, 401);
    assert_eq!(me_status(&app, &bot(&bot_token)).await, 401);
    assert_eq!(me_status(&app, &bystander).await, 200, "others are untouched");
    // Login: the right password answers 403 / 20013, documented by the contract; a wrong one
    // the usual 400, so the suspension is told only to whoever knows the password.
    let login = |password: &str| json!({"login": "suspect", "password": password});
    let refusal = app
        .anonymous()
        .post("/auth/login")
        .json(login("correct horse battery"))
        .refusal(403, 20013)
        .await;
    assert_eq!(refusal["message"], "This account is disabled");
    let (status, wrong) = app.try_login("suspect", "not the password").await;
    assert_eq!(status, 400, "{wrong}");

    let shown = one_json(&ok(&app, &["users", "show", "suspect", "--json"], None));
    assert_eq!(shown["suspended"], json!(true));
    assert_eq!(shown["suspension_reason"], json!("spam waves"));
    assert_eq!(shown["tokens"].as_array().unwrap().len(), 1, "kept, not revoked");
    // Suspending again keeps the suspension (and says so); listing shows the status.
    let again = run(&app, &["users", "suspend", "suspect"], None);
    assert!(again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already suspended"));
    assert_eq!(one_json(&String::from_utf8(again.stdout).unwrap())["reason"], json!("spam waves"));
    assert!(ok(&app, &["users", "find", "suspect"], None).contains("suspended"));

    let lifted = one_json(&ok(&app, &["users", "unsuspend", "suspect"], None));
    assert_eq!(lifted["suspended"], json!(false));
    assert_eq!(me_status(&app, &token).await, 200, "the same token works again");
    assert_eq!(me_status(&app, &bot(&bot_token)).await, 401, "the bot is still suspended");
    let fresh = app.login("suspect", "correct horse battery").await;
    assert_eq!(me_status(&app, &fresh).await, 200);
    let not_suspended = run(&app, &["users", "unsuspend", "suspect"], None);
    assert!(not_suspended.status.success());
    assert!(String::from_utf8_lossy(&not_suspended.stderr).contains("was not suspended"));
    refused(&app, &["users", "suspend", "nobody"], None, 1, "no user");
}

backend_test!(tokens_revoke_one_by_id_or_whole_or_every_token_of_a_user);
async fn tokens_revoke_one_by_id_or_whole_or_every_token_of_a_user(app: TestApp) {
    let (first, id) = app.register("holder").await;
    let second = app.login("holder", "correct horse battery").await;
    let third = app.login("holder", "correct horse battery").await;
    let fourth = app.login("holder", "correct horse battery").await;
    let shown = one_json(&ok(&app, &["users", "show", "holder", "--json"], None));
    let ids: Vec<String> = shown["tokens"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(ids.len(), 4);

    // By id (the first token is the registration's: ids are issue-ordered snowflakes).
    let revoked = one_json(&ok(&app, &["tokens", "revoke", &ids[0]], None));
    assert_eq!(
        (revoked["token_id"].clone(), revoked["user_id"].clone()),
        (json!(ids[0]), json!(id))
    );
    assert_eq!(me_status(&app, &first).await, 401);
    assert_eq!(me_status(&app, &second).await, 200);
    // Whole, on the command line (any `Authorization` form) or from stdin.
    ok(&app, &["tokens", "revoke", &format!("Bearer {second}")], None);
    assert_eq!(me_status(&app, &second).await, 401);
    ok(&app, &["tokens", "revoke", "-"], Some(&format!("{third}\n")));
    assert_eq!(me_status(&app, &third).await, 401);
    assert_eq!(me_status(&app, &fourth).await, 200);
    // Gone already, never issued, or not a token: exit 1, nothing revoked.
    refused(&app, &["tokens", "revoke", &ids[0]], None, 1, "no token with id");
    refused(&app, &["tokens", "revoke", &first], None, 1, "does not exist");
    refused(&app, &["tokens", "revoke", "not-a-token"], None, 1, "not a token id");
    assert_eq!(me_status(&app, &fourth).await, 200);
    // Every token of a user.
    let second_fresh = app.login("holder", "correct horse battery").await;
    let all = one_json(&ok(&app, &["tokens", "revoke", "--user", "holder", "--all"], None));
    assert_eq!(all["revoked"], json!(2));
    assert_eq!(me_status(&app, &fourth).await, 401);
    assert_eq!(me_status(&app, &second_fresh).await, 401);
    // Usage errors (exit 2): neither, both, or --user without --all.
    for args in [
        vec!["tokens", "revoke"],
        vec!["tokens", "revoke", &ids[1], "--user", "holder", "--all"],
        vec!["tokens", "revoke", "--user", "holder"],
        vec!["tokens", "revoke", "--all"],
    ] {
        assert_eq!(run(&app, &args, None).status.code(), Some(2), "{args:?}");
    }
}

backend_test!(bots_are_created_with_an_owner_and_get_new_tokens);
async fn bots_are_created_with_an_owner_and_get_new_tokens(app: TestApp) {
    let (_, owner) = app.register("botmaker").await;
    let created =
        one_json(&ok(&app, &["bots", "create", "helper-bot", "--owner", "BOTMAKER"], None));
    assert_eq!(created["owner_id"], json!(owner));
    let token = created["token"].as_str().unwrap().to_owned();
    let me = app.expect("GET", "/users/@me", Some(&bot(&token)), None, 200).await;
    assert_eq!((me["bot"].clone(), me["username"].clone()), (json!(true), json!("helper-bot")));
    let without = one_json(&ok(&app, &["bots", "create", "lone-bot"], None));
    assert_eq!(without["owner_id"], Value::Null);

    refused(&app, &["bots", "create", "other-bot", "--owner", "helper-bot"], None, 1, "is a bot");
    refused(&app, &["bots", "create", "other-bot", "--owner", "nobody"], None, 1, "no user");
    refused(&app, &["bots", "create", "HELPER-BOT"], None, 1, "username is already taken");
    refused(&app, &["bots", "create", "no spaces"], None, 1, "USERNAME_INVALID_CHARACTERS");

    let reset = one_json(&ok(&app, &["bots", "reset-token", "helper-bot"], None));
    assert_eq!(reset["revoked"], json!(1));
    let new_token = reset["token"].as_str().unwrap();
    assert_eq!(me_status(&app, &bot(&token)).await, 401);
    assert_eq!(me_status(&app, &bot(new_token)).await, 200);
    refused(&app, &["bots", "reset-token", "botmaker"], None, 1, "is not a bot");
    // `users create --bot` stays an alias of `bots create` (without an owner).
    let alias = one_json(&ok(&app, &["users", "create", "--username", "alias-bot", "--bot"], None));
    let shown =
        one_json(&ok(&app, &["users", "show", alias["id"].as_str().unwrap(), "--json"], None));
    assert_eq!((shown["bot"].clone(), shown["bot_owner_id"].clone()), (json!(true), Value::Null));
}

/// Each command's `--help` lists its own options only (the database's, not the server's), and
/// every option and argument has a description.
#[test]
fn every_command_s_help_shows_its_own_options_each_described() {
    let commands: &[&[&str]] = &[
        &["migrate"],
        &["users", "create"],
        &["users", "list"],
        &["users", "show"],
        &["users", "find"],
        &["users", "reset-password"],
        &["users", "suspend"],
        &["users", "unsuspend"],
        &["users", "set-badges"],
        &["users", "set-admin"],
        // issue 16 A
        &["users", "set-staff"],
        &["users", "set-acls"],
        &["users", "set-traits"],
        &["tokens", "revoke"],
        &["bots", "create"],
        &["bots", "reset-token"],
        &["copy-to-postgres"],
        &["serve"],
    ];
    for command in commands {
        let mut args = command.to_vec();
        args.push("--help");
        let out = astral(&args);
        assert!(out.status.success(), "{args:?}");
        let help = String::from_utf8(out.stdout).unwrap();
        if command != &["serve"] {
            for server_only in
                ["--bind", "--workers", "--rate-limit", "--media-dir", "--metrics-bind"]
            {
                assert!(
                    !help.contains(server_only),
                    "{command:?} --help shows {server_only}:\n{help}"
                );
            }
        }
        let mut described = 0;
        let lines: Vec<&str> = help
            .lines()
            .skip_while(|l| !l.starts_with("Arguments:") && !l.starts_with("Options:"))
            .collect();
        for (i, line) in lines.iter().enumerate() {
            let item = line.trim_start();
            let indent = line.len() - item.len();
            if !(item.starts_with('-') || item.starts_with('<') || item.starts_with('[')) {
                continue;
            }
            // `--flag <VALUE>   Description`, or (long help) the description on the next line,
            // indented deeper.
            let same_line = item.split_once("  ").map(|(_, d)| d.trim()).unwrap_or_default();
            let next_line = lines.get(i + 1).filter(|next| {
                let text = next.trim_start();
                next.len() - text.len() > indent && !text.starts_with('-')
            });
            assert!(
                !same_line.is_empty() || next_line.is_some_and(|n| !n.trim().is_empty()),
                "{command:?}: undescribed: {line:?}\n{help}"
            );
            described += 1;
        }
        assert!(described >= 2, "{command:?}: {help}");
    }
    // The ones that touch the database name it the way `astral serve` does.
    let help = String::from_utf8(astral(&["users", "list", "--help"]).stdout).unwrap();
    assert!(help.contains("--database-url <URL>") && help.contains("--config <FILE>"), "{help}");
}

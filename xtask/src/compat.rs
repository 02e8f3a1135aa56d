//! `cargo xtask compat [LIBRARY…]`: real Discord libraries against a real Astral.
//!
//! Per backend (SQLite; PostgreSQL too when `ASTRAL_TEST_DATABASE_URL` is set) it starts
//! `astral serve` with the default rate limits, and per library creates fresh accounts the
//! documented way, writes them to a fixture file and runs the library's suite with
//! `ASTRAL_COMPAT_FIXTURE=<file>`, killing it when it overruns its time limit. The fixture format
//! and the suites are described in docs/discord-libraries.md.
//!
//! Installs are pinned and cached: the Python venv (`target/compat/venv`) is rebuilt only when
//! `compat/python/requirements.txt` changes, `compat/node/node_modules` only when
//! `compat/node/package-lock.json` changes, and twilight builds into `target/compat-twilight`.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::pinned::{self, is_current, run_checked};
use crate::server::{self, Account, Backend, Server, ServerOptions};

/// One library's suite: how to install it and how to run it.
struct Library {
    name: &'static str,
    /// Kept short: a prefix of every account name the fixture creates.
    prefix: &'static str,
    time_limit: Duration,
}

const LIBRARIES: [Library; 3] = [
    Library { name: "discord.py", prefix: "py", time_limit: Duration::from_secs(120) },
    Library { name: "discordjs-rest", prefix: "js", time_limit: Duration::from_secs(120) },
    Library { name: "twilight", prefix: "tw", time_limit: Duration::from_secs(180) },
];

struct Outcome {
    library: &'static str,
    backend: &'static str,
    passed: bool,
    detail: String,
    checks_passed: usize,
    checks_failed: usize,
    elapsed: Duration,
}

pub fn run(args: &[String]) -> ExitCode {
    let root = server::workspace_root();
    let mut selected: Vec<&Library> = Vec::new();
    for arg in args {
        match LIBRARIES.iter().find(|l| l.name == arg || l.prefix == arg) {
            Some(library) => selected.push(library),
            None => {
                eprintln!(
                    "compat: unknown library {arg:?} (known: discord.py or py, discordjs-rest or js, twilight or tw)"
                );
                return ExitCode::FAILURE;
            }
        }
    }
    if selected.is_empty() {
        selected = LIBRARIES.iter().collect();
    }

    let mut prepared: Vec<(&Library, Vec<String>)> = Vec::new();
    for library in selected {
        println!("compat: preparing {}", library.name);
        match prepare(library, &root) {
            Ok(command) => prepared.push((library, command)),
            Err(e) => {
                eprintln!("compat: cannot prepare {}: {e}", library.name);
                return ExitCode::FAILURE;
            }
        }
    }

    let binary = match server::build_astral() {
        Ok(binary) => binary,
        Err(e) => {
            eprintln!("compat: {e}");
            return ExitCode::FAILURE;
        }
    };

    let fixtures_dir = root.join("target/compat/fixtures");
    if let Err(e) = std::fs::create_dir_all(&fixtures_dir) {
        eprintln!("compat: cannot create {}: {e}", fixtures_dir.display());
        return ExitCode::FAILURE;
    }

    let started = Instant::now();
    let mut outcomes = Vec::new();
    for backend in Backend::from_env() {
        let options =
            ServerOptions { backend: backend.clone(), rate_limits: true, env: Vec::new() };
        let server = match Server::start(&binary, options) {
            Ok(server) => server,
            Err(e) => {
                eprintln!("compat: cannot start astral on {}: {e}", backend.name());
                return ExitCode::FAILURE;
            }
        };
        println!("compat: astral on {} at {}", backend.name(), server.base_url);
        for (library, command) in &prepared {
            let outcome = run_library(&server, &backend, library, command, &root, &fixtures_dir);
            if !outcome.passed {
                let log = server.log();
                let tail: Vec<&str> = log.lines().rev().take(20).collect();
                eprintln!(
                    "compat: the server's last log lines:\n{}",
                    tail.into_iter().rev().collect::<Vec<_>>().join("\n")
                );
            }
            outcomes.push(outcome);
        }
    }

    println!("\ncompat results ({:.0?} in all):", started.elapsed());
    for o in &outcomes {
        println!(
            "  {:<15} {:<9} {:<4} {:>3} checks passed, {} failed, {:.1?}{}",
            o.library,
            o.backend,
            if o.passed { "PASS" } else { "FAIL" },
            o.checks_passed,
            o.checks_failed,
            o.elapsed,
            if o.detail.is_empty() { String::new() } else { format!(" ({})", o.detail) }
        );
    }
    let runs_passed = outcomes.iter().filter(|o| o.passed).count();
    let runs_failed = outcomes.len() - runs_passed;
    let checks_passed: usize = outcomes.iter().map(|o| o.checks_passed).sum();
    let checks_failed: usize = outcomes.iter().map(|o| o.checks_failed).sum();
    println!(
        "compat: {runs_passed} passed, {runs_failed} failed (library runs; {checks_passed} checks passed, {checks_failed} failed)"
    );
    if runs_failed == 0 && !outcomes.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn twilight_manifest(root: &Path) -> PathBuf {
    root.join("compat/twilight/Cargo.toml")
}

fn twilight_target(root: &Path) -> PathBuf {
    root.join("target/compat-twilight")
}

/// Installs what the library's suite needs (when its pins changed) and returns the command that
/// runs the suite.
fn prepare(library: &Library, root: &Path) -> Result<Vec<String>, String> {
    match library.prefix {
        "py" => prepare_python(root),
        "js" => prepare_node(root),
        _ => prepare_twilight(root),
    }
}

fn require_tool(tool: &str, hint: &str) -> Result<(), String> {
    match Command::new(tool).arg("--version").stdout(Stdio::null()).stderr(Stdio::null()).status() {
        Ok(status) if status.success() => Ok(()),
        _ => Err(format!("{tool} is required ({hint})")),
    }
}

fn prepare_python(root: &Path) -> Result<Vec<String>, String> {
    require_tool("python3", "with the venv module, e.g. apt-get install python3-venv")?;
    let venv = root.join("target/compat/venv");
    pinned::python_venv(&root.join("compat/python/requirements.txt"), &venv, "compat")?;
    let python = venv.join("bin/python");
    Ok(vec![
        python.display().to_string(),
        root.join("compat/python/test_discord_py.py").display().to_string(),
    ])
}

fn prepare_node(root: &Path) -> Result<Vec<String>, String> {
    require_tool("node", "Node.js 18 or later, e.g. apt-get install nodejs")?;
    require_tool("npm", "e.g. apt-get install npm")?;
    let dir = root.join("compat/node");
    let lock = dir.join("package-lock.json");
    let stamp = dir.join("node_modules/.astral-package-lock.json");
    if !is_current(&lock, &stamp)? {
        println!("compat: npm ci in compat/node");
        run_checked(
            Command::new("npm")
                .args(["ci", "--no-audit", "--no-fund", "--loglevel=error"])
                .current_dir(&dir),
            "npm ci in compat/node",
        )?;
        std::fs::copy(&lock, &stamp).map_err(|e| e.to_string())?;
    }
    Ok(vec!["node".to_owned(), dir.join("test.mjs").display().to_string()])
}

fn prepare_twilight(root: &Path) -> Result<Vec<String>, String> {
    let manifest = twilight_manifest(root);
    if !manifest.exists() {
        return Err(format!("{} does not exist", manifest.display()));
    }
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    // Compiled here, outside the suite's time limit: a first build takes minutes.
    run_checked(
        Command::new(&cargo)
            .args(["test", "--quiet", "--no-run", "--locked", "--manifest-path"])
            .arg(&manifest)
            .env("CARGO_TARGET_DIR", twilight_target(root)),
        "building compat/twilight",
    )?;
    Ok(vec![
        cargo,
        "test".to_owned(),
        "--locked".to_owned(),
        "--manifest-path".to_owned(),
        manifest.display().to_string(),
    ])
}

fn run_library(
    server: &Server,
    backend: &Backend,
    library: &Library,
    command: &[String],
    root: &Path,
    fixtures_dir: &Path,
) -> Outcome {
    let started = Instant::now();
    let mut outcome = Outcome {
        library: library.name,
        backend: backend.name(),
        passed: false,
        detail: String::new(),
        checks_passed: 0,
        checks_failed: 0,
        elapsed: Duration::ZERO,
    };
    let fixture = match make_fixture(server, backend, library.prefix) {
        Ok(fixture) => fixture,
        Err(e) => {
            outcome.detail = format!("fixture: {e}");
            eprintln!("compat: {} on {}: {}", library.name, backend.name(), outcome.detail);
            return outcome;
        }
    };
    let path = fixtures_dir.join(format!("{}-{}.json", backend.name(), library.prefix));
    if let Err(e) = std::fs::write(&path, format!("{fixture:#}\n")) {
        outcome.detail = format!("cannot write {}: {e}", path.display());
        return outcome;
    }
    println!(
        "\ncompat: {} on {} (ASTRAL_COMPAT_FIXTURE={})",
        library.name,
        backend.name(),
        path.display()
    );
    let label = format!("{}/{}", backend.name(), library.prefix);
    let result = run_bounded(command, root, &path, library, &label);
    outcome.elapsed = started.elapsed();
    match result {
        Ok(run) => {
            outcome.checks_passed = run.checks_passed;
            outcome.checks_failed = run.checks_failed;
            if run.timed_out {
                outcome.detail = format!("killed after {:?}", library.time_limit);
            } else if !run.success {
                outcome.detail = "the suite exited non-zero".to_owned();
            } else if run.checks_failed > 0 || run.checks_passed == 0 {
                outcome.detail = "exit 0 without every check passing".to_owned();
            } else {
                outcome.passed = true;
            }
        }
        Err(e) => outcome.detail = e,
    }
    outcome
}

struct SuiteRun {
    success: bool,
    timed_out: bool,
    checks_passed: usize,
    checks_failed: usize,
}

/// Runs the suite in its own process group, echoing its output with a label, and kills the whole
/// group when it overruns the library's limit.
fn run_bounded(
    command: &[String],
    root: &Path,
    fixture: &Path,
    library: &Library,
    label: &str,
) -> Result<SuiteRun, String> {
    use std::os::unix::process::CommandExt;

    let mut cmd = Command::new(&command[0]);
    cmd.args(&command[1..])
        .current_dir(root)
        .env("ASTRAL_COMPAT_FIXTURE", fixture)
        .env("CARGO_TARGET_DIR", twilight_target(root))
        // The libraries must talk to 127.0.0.1 only, never through a proxy from the environment.
        .env("NO_PROXY", "127.0.0.1,localhost")
        .env("no_proxy", "127.0.0.1,localhost")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    for proxy in
        ["HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "https_proxy", "all_proxy"]
    {
        cmd.env_remove(proxy);
    }
    let mut child = cmd.spawn().map_err(|e| format!("cannot run {}: {e}", command[0]))?;

    let (lines_tx, lines_rx) = mpsc::channel::<String>();
    let mut readers = Vec::new();
    if let Some(out) = child.stdout.take() {
        readers.push(echo(out, lines_tx.clone()));
    }
    if let Some(err) = child.stderr.take() {
        readers.push(echo(err, lines_tx.clone()));
    }
    drop(lines_tx);

    let deadline = Instant::now() + library.time_limit;
    let mut run = SuiteRun { success: false, timed_out: false, checks_passed: 0, checks_failed: 0 };
    let mut passed = 0;
    let mut failed = 0;
    loop {
        match lines_rx.recv_timeout(Duration::from_millis(100)) {
            Ok(line) => {
                println!("[{label}] {line}");
                match check_result(&line) {
                    Some(true) => passed += 1,
                    Some(false) => failed += 1,
                    None => {}
                }
            }
            Err(mpsc::RecvTimeoutError::Timeout) => {}
            Err(mpsc::RecvTimeoutError::Disconnected) => break,
        }
        if Instant::now() > deadline {
            run.timed_out = true;
            kill_group(child.id());
            break;
        }
    }
    let status = child.wait().map_err(|e| e.to_string())?;
    // Lines still buffered after a kill.
    while let Ok(line) = lines_rx.try_recv() {
        println!("[{label}] {line}");
    }
    for reader in readers {
        let _ = reader.join();
    }
    run.success = status.success() && !run.timed_out;
    run.checks_passed = passed;
    run.checks_failed = failed;
    Ok(run)
}

/// A check's result line, the same TAP-like form in every suite: `ok - …` / `not ok - …`.
/// (cargo test's own `test … ... ok` lines for twilight are not checks: its one test runs them all.)
fn check_result(line: &str) -> Option<bool> {
    if line.starts_with("ok - ") {
        Some(true)
    } else if line.starts_with("not ok - ") {
        Some(false)
    } else {
        None
    }
}

fn echo(
    stream: impl std::io::Read + Send + 'static,
    lines: mpsc::Sender<String>,
) -> std::thread::JoinHandle<()> {
    std::thread::spawn(move || {
        for line in BufReader::new(stream).lines() {
            let Ok(line) = line else { break };
            if lines.send(line).is_err() {
                break;
            }
        }
    })
}

fn kill_group(pid: u32) {
    // The suite may have children (cargo runs the test binary): kill its whole process group.
    let _ = Command::new("kill").args(["-KILL", "--", &format!("-{pid}")]).status();
}

/// Fresh accounts for one library, made the documented way: the bot with
/// `astral users create --bot`, two people with `POST /auth/register`, four guilds created by the
/// first person with the bot added by them as owner (`PUT /guilds/{id}/members/{bot_id}`).
fn make_fixture(server: &Server, backend: &Backend, prefix: &str) -> Result<Value, String> {
    let bot = server.create_bot(&format!("{prefix}_bot"))?;
    let password = "compat suite password";
    let user = with_retries(|| server.register(&format!("{prefix}_user"), password))?;
    let other = with_retries(|| server.register(&format!("{prefix}_other"), password))?;
    let mut guild_ids = Vec::new();
    for n in 1..=4 {
        let body = json!({"name": format!("{prefix} guild {n}")});
        let created = call(server, "POST", "/api/v10/guilds", &user.token, Some(&body), 201)?;
        let id = created["id"]
            .as_str()
            .ok_or_else(|| format!("guild without id: {created}"))?
            .to_owned();
        call(
            server,
            "PUT",
            &format!("/api/v10/guilds/{id}/members/{}", bot.id),
            &user.token,
            None,
            201,
        )?;
        guild_ids.push(id);
    }
    // Snowflakes of one process grow with time, but sort numerically to be sure.
    guild_ids.sort_by_key(|id| id.parse::<u64>().unwrap_or(u64::MAX));
    let leave_guild_id = guild_ids.pop();
    let account = |a: &Account| json!({"id": a.id, "username": a.username, "token": a.token});
    Ok(json!({
        "backend": backend.name(),
        "base_url": server.base_url,
        "bot": account(&bot),
        "user": account(&user),
        "other_user": account(&other),
        "guild_ids": guild_ids,
        "leave_guild_id": leave_guild_id,
    }))
}

/// The harness meets Astral's rate limits too (registration is limited per IP): on a 429 it waits
/// what the answer says and tries again, a few times.
fn with_retries<T>(mut attempt: impl FnMut() -> Result<T, String>) -> Result<T, String> {
    let mut last = String::new();
    for _ in 0..5 {
        match attempt() {
            Ok(value) => return Ok(value),
            Err(e) if e.contains(" 429 ") => {
                last = e;
                std::thread::sleep(Duration::from_millis(retry_after_ms(&last)));
            }
            Err(e) => return Err(e),
        }
    }
    Err(last)
}

fn retry_after_ms(error: &str) -> u64 {
    error
        .find('{')
        .and_then(|at| serde_json::from_str::<Value>(&error[at..]).ok())
        .and_then(|body| body["retry_after"].as_f64())
        .map_or(1000, |seconds| (seconds * 1000.0).ceil() as u64 + 10)
}

fn call(
    server: &Server,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&Value>,
    expected: u16,
) -> Result<Value, String> {
    for _ in 0..5 {
        let response = server.request(method, path, Some(token), body)?;
        if response.status == expected {
            return if response.text.is_empty() { Ok(Value::Null) } else { response.json() };
        }
        if response.status != 429 {
            return Err(format!("{method} {path}: {} {}", response.status, response.text));
        }
        let wait_ms = response
            .json()
            .ok()
            .and_then(|b| b["retry_after"].as_f64())
            .map(|seconds| (seconds * 1000.0).ceil() as u64 + 10)
            .or_else(|| {
                response
                    .header("retry-after")
                    .and_then(|s| s.parse::<u64>().ok())
                    .map(|seconds| seconds * 1000)
            })
            .unwrap_or(1000);
        std::thread::sleep(Duration::from_millis(wait_ms));
    }
    Err(format!("{method} {path}: still rate limited after 5 tries"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn check_lines_of_every_suite_are_counted() {
        assert_eq!(check_result("ok - login: detail"), Some(true));
        assert_eq!(check_result("not ok - login: detail"), Some(false));
        assert_eq!(check_result("test astral ... ok"), None);
        assert_eq!(check_result("discord.py: 3 passed, 0 failed"), None);
        assert_eq!(check_result("okay - not a check"), None);
    }

    #[test]
    fn an_overrunning_suite_is_killed_with_its_children() {
        let library = Library { name: "sleeper", prefix: "sl", time_limit: Duration::from_secs(1) };
        let command: Vec<String> =
            ["sh", "-c", "echo 'ok - started'; sleep 60 & wait"].map(str::to_owned).into();
        let started = Instant::now();
        let run = run_bounded(
            &command,
            &std::env::temp_dir(),
            Path::new("/nonexistent"),
            &library,
            "test",
        )
        .expect("runs");
        assert!(run.timed_out && !run.success);
        assert_eq!((run.checks_passed, run.checks_failed), (1, 0));
        // The background `sleep` held the output pipe: returning at all means it was killed too.
        assert!(started.elapsed() < Duration::from_secs(10));
    }
}

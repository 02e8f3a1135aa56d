//! `cargo xtask api-fuzz`: property-based testing of the running server against the contract
//! with Schemathesis (docs/api-fuzz.md).
//!
//! Per backend (SQLite; PostgreSQL too when `ASTRAL_TEST_DATABASE_URL` is set): a fresh server
//! with rate limits off, two registered people and a bot (whose id is one of the known user
//! ids), then one bounded Schemathesis run per person over every operation of
//! `openapi/astral.json`: all phases (coverage, fuzzing, stateful through the contract's
//! links), positive and negative data, the checks chosen in `tools/api-fuzz/schemathesis.toml`.
//! Then one capped run on SQLite with rate limits on, where 429 must be answered as documented.
//! Exits non-zero on any failure or error.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};
use std::time::Instant;

use serde_json::Value;

use crate::pinned;
use crate::server::{build_astral, workspace_root, Backend, Server, ServerOptions};

/// Generated test cases per operation and phase (Schemathesis `--max-examples`).
const MAX_EXAMPLES: u32 = 20;
/// Wall-clock cap of one person's run, in seconds (Schemathesis `--max-time`).
const MAX_SECONDS: u32 = 40;
/// The capped run with rate limits on: fewer cases, shorter.
const LIMITED_MAX_EXAMPLES: u32 = 5;
const LIMITED_MAX_SECONDS: u32 = 30;
/// No spaces: the hooks read `email:password:token` entries separated by spaces.
const PASSWORD: &str = "fuzz-horse-battery-staple";

pub fn run() -> ExitCode {
    match run_all() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("api-fuzz: {e}");
            ExitCode::FAILURE
        }
    }
}

/// What one Schemathesis run reported.
struct Totals {
    label: String,
    operations: u64,
    test_cases: u64,
    failures: u64,
    errors: u64,
    passed: bool,
}

/// One server's share of the work.
struct Plan {
    label: String,
    /// How many of the two people get a run of their own.
    people: usize,
    max_examples: u32,
    max_seconds: u32,
    /// Further Schemathesis arguments.
    extra_args: &'static [&'static str],
}

struct Paths {
    tools: PathBuf,
    work: PathBuf,
    schemathesis: PathBuf,
    binary: PathBuf,
}

fn run_all() -> Result<bool, String> {
    let started = Instant::now();
    let root = workspace_root();
    let tools = root.join("tools/api-fuzz");
    let work = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
        .join("api-fuzz");
    let schemathesis = ensure_venv(&tools, &work)?;
    let binary = build_astral()?;
    let paths = Paths { tools, work, schemathesis, binary };
    let contract: Value = serde_json::from_str(
        &std::fs::read_to_string(root.join("openapi/astral.json")).map_err(|e| e.to_string())?,
    )
    .map_err(|e| format!("openapi/astral.json: {e}"))?;

    let mut runs = Vec::new();
    for backend in Backend::from_env() {
        let label = format!("{}, rate limits off", backend.name());
        let options = ServerOptions { backend, rate_limits: false, env: Vec::new() };
        let plan = Plan {
            label,
            people: 2,
            max_examples: MAX_EXAMPLES,
            max_seconds: MAX_SECONDS,
            extra_args: &[],
        };
        runs.extend(fuzz(&paths, &contract, options, &plan)?);
    }
    // Everything comes from 127.0.0.1, so the per-address buckets would also starve
    // Schemathesis' own log-ins (POST /auth/login, again after each generated logout), and
    // every operation would error before being sent: the bucket for requests without a token,
    // and the failed-login buckets, which the generated wrong logins fill within seconds. Those
    // are widened; the per-token and per-route ones keep their defaults and answer 429 plenty.
    let widened = |name: &str| (name.to_owned(), "600/10s".to_owned());
    let options = ServerOptions {
        backend: Backend::Sqlite,
        rate_limits: true,
        env: vec![
            widened("ASTRAL_RATE_LIMIT_UNAUTHENTICATED"),
            widened("ASTRAL_RATE_LIMIT_FAILED_LOGINS_PER_ADDRESS"),
            widened("ASTRAL_RATE_LIMIT_FAILED_LOGINS_PER_ACCOUNT"),
        ],
    };
    let plan = Plan {
        label: "sqlite, rate limits on".to_owned(),
        people: 1,
        max_examples: LIMITED_MAX_EXAMPLES,
        max_seconds: LIMITED_MAX_SECONDS,
        // The limiter answers before authentication (buckets are keyed by the presented
        // token), so a request with a bad token may get the documented 429 instead of 401;
        // whether auth is ignored is checked in the runs with limits off.
        extra_args: &["--exclude-checks", "ignored_auth"],
    };
    runs.extend(fuzz(&paths, &contract, options, &plan)?);

    println!("\napi-fuzz totals ({:.0?}):", started.elapsed());
    for t in &runs {
        println!(
            "  {:<48} {:>3} operations, {:>5} test cases, {} failures, {} errors",
            t.label, t.operations, t.test_cases, t.failures, t.errors
        );
    }
    let passed = runs.iter().filter(|t| t.passed).count();
    // The plain closing line CI logs are read for.
    println!("api-fuzz: {passed} passed, {} failed", runs.len() - passed);
    Ok(passed == runs.len())
}

/// Schemathesis from the venv in `work/venv`, (re)installed from the pinned requirements
/// whenever they change.
fn ensure_venv(tools: &Path, work: &Path) -> Result<PathBuf, String> {
    let venv = work.join("venv");
    pinned::python_venv(&tools.join("requirements.txt"), &venv, "api-fuzz")?;
    Ok(venv.join("bin/schemathesis"))
}

/// One server; one Schemathesis run per person in `people` (by index: 0 alice, 1 bob), in turn,
/// so the second meets the state the first left behind (friend requests, guilds, DMs).
fn fuzz(
    paths: &Paths,
    contract: &Value,
    options: ServerOptions,
    plan: &Plan,
) -> Result<Vec<Totals>, String> {
    let Plan { label, people, max_examples, max_seconds, extra_args } = plan;
    println!("\n==> api-fuzz: {label}");
    let server = Server::start(&paths.binary, options)?;

    // Schemathesis reads the contract from the server, so that its relative `servers` (the API
    // under /api/v10, the root routes at /) resolve against it. It must be the committed file.
    let served = server.request("GET", "/openapi.json", None, None)?.json()?;
    if &served != contract {
        return Err("GET /openapi.json is not openapi/astral.json".to_owned());
    }

    let mut accounts = Vec::new();
    for name in ["alice", "bob"] {
        let email = format!("{name}@fuzz.example");
        let account = server.register_account(&serde_json::json!({
            "username": format!("fuzz_{name}"), "password": PASSWORD, "email": email}))?;
        accounts.push((email, account));
    }
    let bot = server.create_bot("fuzz_bot")?;

    let slug: String =
        label.chars().map(|c| if c.is_ascii_alphanumeric() { c } else { '-' }).collect();
    let mut totals = Vec::new();
    for (email, account) in accounts.iter().take(*people) {
        let run_dir = paths.work.join(format!("{slug}-{}", account.username));
        let _ = std::fs::remove_dir_all(&run_dir);
        std::fs::create_dir_all(&run_dir).map_err(|e| e.to_string())?;
        let config = run_dir.join("schemathesis.toml");
        let mut settings = std::fs::read_to_string(paths.tools.join("schemathesis.toml"))
            .map_err(|e| e.to_string())?;
        // Half of the `{user_id}`s are real users (the other person, the bot, oneself), so
        // relationships, DMs and profiles get past 404; the other half stay generated.
        let ids: Vec<String> = accounts
            .iter()
            .map(|(_, a)| format!("{:?}", a.id))
            .chain([format!("{:?}", bot.id)])
            .collect();
        settings.push_str(&format!(
            "\n[dictionaries.known_user_ids]\nvalues = [{}]\n\n[parameters]\n\
             \"path.user_id\" = {{ dictionary = \"known_user_ids\", probability = 0.5 }}\n",
            ids.join(", ")
        ));
        std::fs::write(&config, settings).map_err(|e| e.to_string())?;

        let run_label = format!("{label}, as {}", account.username);
        println!("\n--- schemathesis: {run_label}");
        let report = run_dir.join("report.json");
        let status = Command::new(&paths.schemathesis)
            .current_dir(&run_dir)
            .arg("--config-file")
            .arg(&config)
            .arg("run")
            .arg(format!("{}/openapi.json", server.base_url))
            .args(["--max-examples", &max_examples.to_string()])
            .args(["--max-time", &max_seconds.to_string(), "--no-color"])
            .args(extra_args.iter())
            .args(["--report", "json", "--report-json-path"])
            .arg(&report)
            .env("ASTRAL_FUZZ_LOGIN", email)
            .env("ASTRAL_FUZZ_PASSWORD", PASSWORD)
            .status()
            .map_err(|e| format!("cannot run schemathesis: {e}"))?;
        let run = read_totals(&run_label, &report, status.success())?;
        if !run.passed {
            eprintln!("api-fuzz: {run_label} failed; report: {}", report.display());
        }
        totals.push(run);
    }
    Ok(totals)
}

/// The totals of one run, from Schemathesis' JSON report.
fn read_totals(label: &str, report: &Path, exited_ok: bool) -> Result<Totals, String> {
    let text = std::fs::read_to_string(report).map_err(|e| format!("{e}: {report:?}"))?;
    let value: Value = serde_json::from_str(&text).map_err(|e| format!("{e}: {report:?}"))?;
    let number = |pointer: &str| value.pointer(pointer).and_then(Value::as_u64).unwrap_or(0);
    let count = |key: &str| {
        value[key]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|entry| entry["count"].as_u64())
            .sum::<u64>()
    };
    let failures = count("failures");
    let errors = count("errors");
    Ok(Totals {
        label: label.to_owned(),
        operations: number("/operations/tested"),
        test_cases: number("/test_cases/generated"),
        failures,
        errors,
        passed: exited_ok && failures == 0 && errors == 0,
    })
}

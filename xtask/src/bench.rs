//! `cargo xtask bench [--smoke] [--users N] [--guilds G] [--duration SECS] [--warmup SECS]
//! [--backend sqlite|postgres]`: the hot paths of a release `astral` under wrk on loopback, as
//! ratios to a ceiling measured in the same run (docs/performance.md; issue 18).
//!
//! Per backend (SQLite; PostgreSQL too when `ASTRAL_TEST_DATABASE_URL` is set): astral on a
//! fresh database with rate limits off and its default logging; the database seeded through the
//! store (`astral-bench-seed`: N people with a token each, one person in G guilds, one DM);
//! astral restarted on it (the start-up time); the ceiling (`astral-bench-ceiling`, same
//! actix-web, same workers) answering the bytes of a real `GET /users/@me`; then every scenario
//! at 64 connections and at 1, each scenario first run unmeasured for the warm-up (5 s by
//! default: the rows are a server that has been serving, its caches filled, not its first
//! seconds), and `GET /users/@me` once more with rate limits on and quotas
//! raised so nothing is refused. Each row: requests/s, p50, p99, non-2xx answers and socket
//! errors, and the server's peak RSS (`VmHWM`, reset before the row through `clear_refs`).
//! A row with any error is FAILED: a benchmark of 401s measures nothing.
//!
//! `--smoke` (CI): 1k people, 100 guilds, ~1 s per row; checks every row ran without errors and
//! asserts no timing.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitCode, Stdio};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::server::{build_astral, http, workspace_root, Backend, Server, ServerOptions};

/// wrk's threads and connections per row: the loaded row and the latency row.
const CONNECTIONS: [(u32, u32); 2] = [(2, 64), (1, 1)];

/// The load generator's script: picks a random token (and id) per request, and prints the
/// summary as one `BENCH {json}` line the xtask parses. Arguments after `--`: the scenario,
/// then its files.
const WRK_SCRIPT: &str = r#"-- Written by cargo xtask bench (xtask/src/bench.rs); overwritten on each run.
local scenario, tokens, ids, token, target

local function lines(path)
  local found = {}
  for line in io.lines(path) do
    if line ~= "" then found[#found + 1] = line end
  end
  return found
end

function init(args)
  scenario = args[1]
  -- Each thread its own sequence: the table's address differs per Lua state.
  local salt = tonumber(string.match(tostring({}), "0x(%x+)") or "0", 16) or 0
  math.randomseed(os.time() + salt % 1000003)
  if scenario == "guilds_deep" or scenario == "guilds_first" or scenario == "dm" then
    local both = lines(args[2])
    token, target = both[1], both[2]
  else
    tokens = lines(args[2])
    if args[3] then ids = lines(args[3]) end
  end
end

local json = { ["Content-Type"] = "application/json" }

local function any_token()
  return tokens[math.random(#tokens)]
end

function request()
  if scenario == "ceiling" or scenario == "me" then
    return wrk.format("GET", "/api/v10/users/@me", { Authorization = any_token() })
  elseif scenario == "user" then
    return wrk.format("GET", "/api/v10/users/" .. ids[math.random(#ids)],
      { Authorization = any_token() })
  elseif scenario == "patch" then
    json.Authorization = any_token()
    return wrk.format("PATCH", "/api/v10/users/@me", json,
      '{"global_name":"bench ' .. math.random(1, 1000000000) .. '"}')
  elseif scenario == "guilds_deep" then
    return wrk.format("GET", "/api/v10/users/@me/guilds?limit=200&after=" .. target,
      { Authorization = token })
  elseif scenario == "guilds_first" then
    return wrk.format("GET", "/api/v10/users/@me/guilds?limit=200", { Authorization = token })
  elseif scenario == "dm" then
    json.Authorization = token
    return wrk.format("POST", "/api/v10/users/@me/channels", json,
      '{"recipient_id":"' .. target .. '"}')
  end
end

function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH {"requests":%d,"duration_us":%d,"connect":%d,"read":%d,"write":%d,"status":%d,'
      .. '"timeout":%d,"p50_us":%d,"p99_us":%d}\n',
    summary.requests, summary.duration, e.connect, e.read, e.write, e.status, e.timeout,
    latency:percentile(50), latency:percentile(99)))
end
"#;

/// What one run measures.
struct Settings {
    smoke: bool,
    users: usize,
    guilds: usize,
    duration_secs: u32,
    /// Each scenario runs this long at 64 connections, unmeasured, before its rows.
    warmup_secs: u32,
    backends: Vec<Backend>,
}

/// One scenario: its wrk script name, its label in the table, and the request the xtask sends
/// once beforehand to check it answers 200.
struct Scenario {
    name: &'static str,
    label: &'static str,
}

const SCENARIOS: [Scenario; 6] = [
    Scenario { name: "me", label: "GET /users/@me" },
    Scenario { name: "user", label: "GET /users/{id}" },
    Scenario { name: "patch", label: "PATCH /users/@me" },
    Scenario { name: "guilds_deep", label: "GET /users/@me/guilds?limit=200&after=(deep)" },
    Scenario { name: "guilds_first", label: "GET /users/@me/guilds?limit=200" },
    Scenario { name: "dm", label: "POST /users/@me/channels (existing DM)" },
];

const RATE_LIMITED_LABEL: &str = "GET /users/@me, rate limits on";

/// One measured row.
struct Row {
    backend: &'static str,
    scenario: String,
    connections: u32,
    requests_per_sec: f64,
    /// The ceiling's requests/s at the same connection count, same backend's run.
    ceiling: Option<f64>,
    p50_us: u64,
    p99_us: u64,
    peak_rss_kib: Option<u64>,
    requests: u64,
    /// Answers with status ≥ 400 (wrk's `errors.status`).
    non_2xx: u64,
    socket_errors: u64,
}

impl Row {
    fn failed(&self) -> bool {
        self.non_2xx > 0 || self.socket_errors > 0 || self.requests == 0
    }

    fn ratio(&self) -> Option<f64> {
        self.ceiling.filter(|c| *c > 0.0).map(|c| self.requests_per_sec / c)
    }

    fn json(&self) -> Value {
        json!({
            "backend": self.backend,
            "scenario": self.scenario,
            "connections": self.connections,
            "requests_per_sec": self.requests_per_sec,
            "ratio_to_ceiling": self.ratio(),
            "p50_ms": self.p50_us as f64 / 1000.0,
            "p99_ms": self.p99_us as f64 / 1000.0,
            "peak_rss_kib": self.peak_rss_kib,
            "requests": self.requests,
            "non_2xx": self.non_2xx,
            "socket_errors": self.socket_errors,
            "failed": self.failed(),
        })
    }
}

/// What seeding and starting one backend took.
struct BackendFacts {
    backend: &'static str,
    seed: Value,
    seed_wall: Duration,
    startup: Duration,
}

pub fn run(args: &[String]) -> ExitCode {
    let settings = match parse_args(args) {
        Ok(settings) => settings,
        Err(e) => {
            eprintln!("bench: {e}");
            return ExitCode::FAILURE;
        }
    };
    match run_all(&settings) {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("bench: {e}");
            ExitCode::FAILURE
        }
    }
}

fn parse_args(args: &[String]) -> Result<Settings, String> {
    let smoke = args.iter().any(|a| a == "--smoke");
    let mut settings = Settings {
        smoke,
        users: if smoke { 1_000 } else { 100_000 },
        guilds: if smoke { 100 } else { 10_000 },
        duration_secs: if smoke { 1 } else { 10 },
        warmup_secs: if smoke { 1 } else { 5 },
        backends: Backend::from_env(),
    };
    let mut rest = args.iter();
    while let Some(arg) = rest.next() {
        let mut value =
            |name: &str| rest.next().cloned().ok_or_else(|| format!("{name} needs a value"));
        let number = |name: &str, text: String| {
            text.parse::<usize>().map_err(|e| format!("{name} {text:?}: {e}"))
        };
        match arg.as_str() {
            "--smoke" => {}
            "--users" => settings.users = number(arg, value(arg)?)?,
            "--guilds" => settings.guilds = number(arg, value(arg)?)?,
            "--duration" => {
                settings.duration_secs = number(arg, value(arg)?)?.try_into().unwrap_or(u32::MAX)
            }
            "--warmup" => {
                settings.warmup_secs = number(arg, value(arg)?)?.try_into().unwrap_or(u32::MAX)
            }
            "--backend" => {
                let wanted = value(arg)?;
                settings.backends.retain(|b| b.name() == wanted);
                if settings.backends.is_empty() {
                    return Err(match wanted.as_str() {
                        "postgres" => "--backend postgres needs ASTRAL_TEST_DATABASE_URL".into(),
                        _ => format!("unknown backend {wanted:?} (sqlite or postgres)"),
                    });
                }
            }
            other => {
                return Err(format!(
                    "unknown argument {other:?}; usage: cargo xtask bench [--smoke] [--users N] \
                     [--guilds G] [--duration SECS] [--warmup SECS] [--backend sqlite|postgres]"
                ))
            }
        }
    }
    if settings.users < 2 || settings.guilds < 1 || settings.duration_secs < 1 {
        return Err("--users must be ≥ 2, --guilds ≥ 1 and --duration ≥ 1".into());
    }
    Ok(settings)
}

fn target_dir() -> PathBuf {
    std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| workspace_root().join("target"))
}

fn run_all(settings: &Settings) -> Result<bool, String> {
    let started = Instant::now();
    let out = target_dir().join("bench");
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let (astral, seeder, ceiling) = build_binaries()?;
    ensure_wrk()?;
    let script = out.join("bench.lua");
    std::fs::write(&script, WRK_SCRIPT).map_err(|e| e.to_string())?;
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2);

    let mut rows = Vec::new();
    let mut facts = Vec::new();
    for backend in &settings.backends {
        let paths = Binaries { astral: &astral, seeder: &seeder, ceiling: &ceiling };
        let (backend_rows, backend_facts) =
            run_backend(settings, backend, &paths, &script, &out, workers)?;
        rows.extend(backend_rows);
        facts.push(backend_facts);
    }

    let table = markdown(&rows, &facts, settings, workers);
    println!("\n{table}");
    std::fs::write(out.join("results.md"), &table).map_err(|e| e.to_string())?;
    let results = json!({
        "smoke": settings.smoke,
        "users": settings.users,
        "guilds": settings.guilds,
        "duration_secs": settings.duration_secs,
        "warmup_secs": settings.warmup_secs,
        "workers": workers,
        "backends": facts.iter().map(|f| json!({
            "backend": f.backend,
            "seed": f.seed,
            "seed_wall_ms": f.seed_wall.as_millis() as u64,
            "startup_ms": f.startup.as_secs_f64() * 1000.0,
        })).collect::<Vec<_>>(),
        "rows": rows.iter().map(Row::json).collect::<Vec<_>>(),
    });
    let pretty = serde_json::to_string_pretty(&results).map_err(|e| e.to_string())?;
    std::fs::write(out.join("results.json"), pretty).map_err(|e| e.to_string())?;
    let failed: Vec<&Row> = rows.iter().filter(|r| r.failed()).collect();
    for row in &failed {
        eprintln!(
            "bench: FAILED {} {} c={}: {} requests, {} non-2xx, {} socket errors",
            row.backend,
            row.scenario,
            row.connections,
            row.requests,
            row.non_2xx,
            row.socket_errors
        );
    }
    println!(
        "bench: {} rows, {} failed, in {:.0} s; written to {}",
        rows.len(),
        failed.len(),
        started.elapsed().as_secs_f64(),
        out.display()
    );
    Ok(failed.is_empty())
}

struct Binaries<'a> {
    astral: &'a Path,
    seeder: &'a Path,
    ceiling: &'a Path,
}

/// The release `astral` (through server.rs, as api-fuzz and compat build it) and the two bench
/// binaries, in a separate cargo run: built together, the seeder's astral-store feature would
/// be unified into the measured `astral`.
fn build_binaries() -> Result<(PathBuf, PathBuf, PathBuf), String> {
    if std::env::var_os("ASTRAL_XTASK_PROFILE").is_none() {
        std::env::set_var("ASTRAL_XTASK_PROFILE", "release");
    }
    let astral = build_astral()?;
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let status = Command::new(&cargo)
        .current_dir(workspace_root())
        .args(["build", "--quiet", "--release", "-p", "astral-bench", "--bins"])
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err("building astral-bench failed".into());
    }
    let release = target_dir().join("release");
    Ok((astral, release.join("astral-bench-seed"), release.join("astral-bench-ceiling")))
}

/// wrk from Debian, installed when missing (as .ci/run's apt_install does).
fn ensure_wrk() -> Result<(), String> {
    let present = Command::new("wrk")
        .arg("--version")
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok();
    if present {
        return Ok(());
    }
    println!("bench: installing wrk (apt-get install -y wrk)");
    let root = Command::new("id").arg("-u").output().map(|o| o.stdout == b"0\n").unwrap_or(false);
    let apt = |args: &[&str]| {
        let mut command = if root { Command::new("apt-get") } else { Command::new("sudo") };
        if !root {
            command.arg("apt-get");
        }
        command.args(args).env("DEBIAN_FRONTEND", "noninteractive").status()
    };
    let installed = apt(&["install", "-y", "-qq", "wrk"]).map(|s| s.success()).unwrap_or(false)
        || (apt(&["update", "-qq"]).map(|s| s.success()).unwrap_or(false)
            && apt(&["install", "-y", "-qq", "wrk"]).map(|s| s.success()).unwrap_or(false));
    if installed {
        Ok(())
    } else {
        Err("wrk is missing and apt-get install -y wrk failed".into())
    }
}

fn options(backend: &Backend, rate_limits: bool, workers: usize) -> ServerOptions {
    let mut env = vec![("ASTRAL_WORKERS".to_owned(), workers.to_string())];
    if rate_limits {
        // Every bucket a `GET /users/@me` from one address with many tokens is charged to,
        // raised so that nothing is refused: the row shows what the limiter costs, not what it
        // refuses.
        for (key, value) in [
            ("ASTRAL_RATE_LIMIT_GLOBAL", "1000000/1s"),
            ("ASTRAL_RATE_LIMIT_TOKEN_CHECKS", "10000000/1s"),
            ("ASTRAL_RATE_LIMIT_UNAUTHENTICATED", "10000000/1s"),
            ("ASTRAL_RATE_LIMIT_INVALID_REQUESTS", "10000000/1s"),
        ] {
            env.push((key.to_owned(), value.to_owned()));
        }
    }
    ServerOptions { backend: backend.clone(), rate_limits, env }
}

fn first_line(path: &Path, index: usize) -> Result<String, String> {
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    text.lines()
        .nth(index)
        .map(str::to_owned)
        .ok_or_else(|| format!("{} has no line {}", path.display(), index + 1))
}

fn run_backend(
    settings: &Settings,
    backend: &Backend,
    binaries: &Binaries,
    script: &Path,
    out: &Path,
    workers: usize,
) -> Result<(Vec<Row>, BackendFacts), String> {
    let name = backend.name();
    println!(
        "bench: {name}: starting astral, seeding {} people and {} guilds",
        settings.users, settings.guilds
    );
    let mut server = Server::start(binaries.astral, options(backend, false, workers))?;
    let data = out.join(name);
    let seeding = Instant::now();
    let seeded = Command::new(binaries.seeder)
        .args(["--database-url", &server.database_url])
        .args(["--users", &settings.users.to_string(), "--guilds", &settings.guilds.to_string()])
        .arg("--out")
        .arg(&data)
        .output()
        .map_err(|e| format!("cannot run {}: {e}", binaries.seeder.display()))?;
    let seed_wall = seeding.elapsed();
    if !seeded.status.success() {
        return Err(format!(
            "seeding {name} failed ({}): {}",
            seeded.status,
            String::from_utf8_lossy(&seeded.stderr)
        ));
    }
    let seed: Value = serde_json::from_slice(&seeded.stdout).map_err(|e| {
        format!("the seeder's answer {:?}: {e}", String::from_utf8_lossy(&seeded.stdout))
    })?;
    println!("bench: {name}: seeded in {:.2} s: {seed}", seed_wall.as_secs_f64());

    // Start-up as an operator sees it: on the seeded database, migrations already applied.
    let startup = server.restart(&options(backend, false, workers))?;
    println!(
        "bench: {name}: start-up (spawn to /healthz) {:.1} ms",
        startup.as_secs_f64() * 1000.0
    );

    let tokens = data.join("tokens.txt");
    let user_ids = data.join("user_ids.txt");
    let guild_user = data.join("guild_user.txt");
    let dm = data.join("dm.txt");

    // A seeded token must authenticate (the seeder makes tokens as the server does), and its
    // answer is the ceiling's body.
    let token = first_line(&tokens, 0)?;
    let me = server.request("GET", "/api/v10/users/@me", Some(&token), None)?;
    if me.status != 200 {
        return Err(format!("a seeded token was refused: {} {}", me.status, me.text));
    }
    let body = data.join("users-me.json");
    std::fs::write(&body, me.text.as_bytes()).map_err(|e| e.to_string())?;
    check_scenarios(&server, &tokens, &user_ids, &guild_user, &dm)?;

    // Every scenario at each connection count: the rows, reported as they come. A row's ratio
    // is to the ceiling's row at its connection count (`None`: the rows are the ceiling's).
    let run = |address: &str,
               pid: u32,
               scenario: &str,
               label: &str,
               files: &[&Path],
               ceilings: Option<&[Row]>|
     -> Result<Vec<Row>, String> {
        warm_up(settings, script, address, scenario, files)?;
        let mut rows = Vec::new();
        for (threads, connections) in CONNECTIONS {
            let mut row =
                measure(settings, script, address, pid, scenario, files, threads, connections)?;
            row.backend = name;
            row.scenario = label.into();
            row.ceiling = match ceilings {
                None => Some(row.requests_per_sec),
                Some(ceilings) => ceilings
                    .iter()
                    .find(|c| c.connections == connections)
                    .map(|c| c.requests_per_sec),
            };
            report(&row);
            rows.push(row);
        }
        Ok(rows)
    };

    let ceiling = Ceiling::start(binaries.ceiling, &body, workers)?;
    let ceilings = run(
        &ceiling.address,
        ceiling.child.id(),
        "ceiling",
        "ceiling (actix-web, no middleware)",
        &[&tokens],
        None,
    )?;
    drop(ceiling);
    let mut rows = Vec::new();
    for scenario in &SCENARIOS {
        let files: Vec<&Path> = match scenario.name {
            "user" => vec![&tokens, &user_ids],
            "guilds_deep" | "guilds_first" => vec![&guild_user],
            "dm" => vec![&dm],
            _ => vec![&tokens],
        };
        let pid = server.pid();
        rows.extend(run(
            &server.address,
            pid,
            scenario.name,
            scenario.label,
            &files,
            Some(&ceilings),
        )?);
    }

    server.restart(&options(backend, true, workers))?;
    let pid = server.pid();
    rows.extend(run(&server.address, pid, "me", RATE_LIMITED_LABEL, &[&tokens], Some(&ceilings))?);
    let rows: Vec<Row> = ceilings.into_iter().chain(rows).collect();

    // Anything the server warned about under load (the rate-limits-off notice aside) is worth
    // a look before trusting the rows.
    let log = server.log();
    let warnings: Vec<&str> = log
        .lines()
        .filter(|l| l.contains("WARN") || l.contains("ERROR"))
        .filter(|l| !l.contains("rate limiting is OFF"))
        .collect();
    if let Some(last) = warnings.last() {
        println!(
            "bench: {name}: the server logged {} WARN/ERROR lines, the last: {last}",
            warnings.len()
        );
    }
    Ok((rows, BackendFacts { backend: name, seed, seed_wall, startup }))
}

/// One request per scenario before any load: each must answer 200, or the rows would measure
/// refusals.
fn check_scenarios(
    server: &Server,
    tokens: &Path,
    user_ids: &Path,
    guild_user: &Path,
    dm: &Path,
) -> Result<(), String> {
    let token = first_line(tokens, 1)?;
    let other = first_line(user_ids, 2)?;
    let (guild_token, deep) = (first_line(guild_user, 0)?, first_line(guild_user, 1)?);
    let (dm_token, recipient) = (first_line(dm, 0)?, first_line(dm, 1)?);
    let checks: [(&str, String, &str, Option<Value>); 5] = [
        ("GET", format!("/api/v10/users/{other}"), &token, None),
        ("PATCH", "/api/v10/users/@me".into(), &token, Some(json!({"global_name": "bench check"}))),
        ("GET", format!("/api/v10/users/@me/guilds?limit=200&after={deep}"), &guild_token, None),
        ("GET", "/api/v10/users/@me/guilds?limit=200".into(), &guild_token, None),
        (
            "POST",
            "/api/v10/users/@me/channels".into(),
            &dm_token,
            Some(json!({"recipient_id": recipient})),
        ),
    ];
    for (method, path, authorization, body) in checks {
        let response = server.request(method, &path, Some(authorization), body.as_ref())?;
        if response.status != 200 {
            return Err(format!("{method} {path} answered {} {}", response.status, response.text));
        }
        if path.contains("guilds") {
            let listed = response.json()?.as_array().map(Vec::len).unwrap_or(0);
            if listed == 0 {
                return Err(format!("{method} {path} listed no guild"));
            }
        }
    }
    Ok(())
}

fn report(row: &Row) {
    println!(
        "bench: {} | {} | c={} | {:.0} req/s | p50 {:.2} ms | p99 {:.2} ms | {} non-2xx, {} socket errors{}",
        row.backend,
        row.scenario,
        row.connections,
        row.requests_per_sec,
        row.p50_us as f64 / 1000.0,
        row.p99_us as f64 / 1000.0,
        row.non_2xx,
        row.socket_errors,
        if row.failed() { " FAILED" } else { "" }
    );
}

/// The ceiling server, killed on drop.
struct Ceiling {
    child: Child,
    address: String,
}

impl Ceiling {
    fn start(binary: &Path, body: &Path, workers: usize) -> Result<Ceiling, String> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| e.to_string())?;
        let child = Command::new(binary)
            .args(["--port", &port.to_string(), "--workers", &workers.to_string()])
            .arg("--body")
            .arg(body)
            .stdout(Stdio::null())
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut ceiling = Ceiling { child, address: format!("127.0.0.1:{port}") };
        let started = Instant::now();
        loop {
            if let Ok(Some(status)) = ceiling.child.try_wait() {
                return Err(format!("the ceiling exited with {status}"));
            }
            if let Ok(response) = http(&ceiling.address, "GET", "/", Some("x"), None) {
                if response.status == 200 {
                    return Ok(ceiling);
                }
            }
            if started.elapsed() > Duration::from_secs(10) {
                return Err("the ceiling did not answer within 10 s".into());
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The process's peak resident set since the last reset, in KiB.
fn peak_rss_kib(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Resets the process's peak RSS to its current RSS (`5` to clear_refs), so each row's peak is
/// its own.
fn reset_peak_rss(pid: u32) {
    if let Err(e) = std::fs::write(format!("/proc/{pid}/clear_refs"), "5") {
        eprintln!("bench: cannot reset the peak RSS of {pid}: {e}");
    }
}

/// The scenario at the loaded row's connections for the warm-up, unmeasured: a server's
/// steady state has its caches filled (the token cache holds a token from its first request
/// for 30 s; without a warm-up a 10 s row at 100k tokens is mostly first requests).
fn warm_up(
    settings: &Settings,
    script: &Path,
    address: &str,
    scenario: &str,
    files: &[&Path],
) -> Result<(), String> {
    if settings.warmup_secs == 0 {
        return Ok(());
    }
    let (threads, connections) = CONNECTIONS[0];
    let run = (threads, connections, settings.warmup_secs);
    wrk(script, address, scenario, files, run).map(drop)
}

/// Runs wrk for `(threads, connections, seconds)` and answers what it printed, or why it
/// failed.
fn wrk(
    script: &Path,
    address: &str,
    scenario: &str,
    files: &[&Path],
    (threads, connections, seconds): (u32, u32, u32),
) -> Result<String, String> {
    let output = Command::new("wrk")
        .arg(format!("-t{threads}"))
        .arg(format!("-c{connections}"))
        .arg(format!("-d{seconds}s"))
        // A slow answer is a latency to report, not a timeout to drop from the figures.
        .args(["--timeout", "10s", "-s"])
        .arg(script)
        .arg(format!("http://{address}"))
        .args(["--", scenario])
        .args(files)
        .output()
        .map_err(|e| format!("cannot run wrk: {e}"))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    if !output.status.success() {
        return Err(format!(
            "wrk {scenario} failed ({}): {stdout}{}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    Ok(stdout)
}

/// One wrk run: `threads` threads, `connections` connections, for the run's duration.
#[allow(clippy::too_many_arguments)]
fn measure(
    settings: &Settings,
    script: &Path,
    address: &str,
    pid: u32,
    scenario: &str,
    files: &[&Path],
    threads: u32,
    connections: u32,
) -> Result<Row, String> {
    reset_peak_rss(pid);
    let run = (threads, connections, settings.duration_secs);
    let stdout = wrk(script, address, scenario, files, run)?;
    let line = stdout
        .lines()
        .find_map(|l| l.strip_prefix("BENCH "))
        .ok_or_else(|| format!("wrk printed no summary: {stdout}"))?;
    let summary: Value = serde_json::from_str(line).map_err(|e| format!("{e} in {line:?}"))?;
    let field = |key: &str| summary[key].as_u64().unwrap_or(0);
    let seconds = field("duration_us") as f64 / 1e6;
    Ok(Row {
        backend: "",
        scenario: String::new(),
        connections,
        requests_per_sec: if seconds > 0.0 { field("requests") as f64 / seconds } else { 0.0 },
        ceiling: None,
        p50_us: field("p50_us"),
        p99_us: field("p99_us"),
        peak_rss_kib: peak_rss_kib(pid),
        requests: field("requests"),
        non_2xx: field("status"),
        socket_errors: field("connect") + field("read") + field("write") + field("timeout"),
    })
}

fn markdown(rows: &[Row], facts: &[BackendFacts], settings: &Settings, workers: usize) -> String {
    let mut out = format!(
        "{} people with a token each, one person in {} guilds; wrk {} s per row after {} s of \
         warm-up per scenario; {workers} workers for astral and the ceiling.\n\n",
        settings.users, settings.guilds, settings.duration_secs, settings.warmup_secs
    );
    out.push_str(
        "| backend | scenario | connections | req/s | ×ceiling | p50 | p99 | peak RSS |\n\
         |---|---|---:|---:|---:|---:|---:|---:|\n",
    );
    for row in rows {
        let ratio = row.ratio().map(|r| format!("{r:.3}")).unwrap_or_else(|| "–".into());
        let rss = row
            .peak_rss_kib
            .map(|k| format!("{:.1} MB", k as f64 / 1024.0))
            .unwrap_or_else(|| "–".into());
        let failed = if row.failed() {
            format!(" **FAILED: {} non-2xx, {} socket errors**", row.non_2xx, row.socket_errors)
        } else {
            String::new()
        };
        out.push_str(&format!(
            "| {} | {}{failed} | {} | {:.0} | {ratio} | {:.2} ms | {:.2} ms | {rss} |\n",
            row.backend,
            row.scenario,
            row.connections,
            row.requests_per_sec,
            row.p50_us as f64 / 1000.0,
            row.p99_us as f64 / 1000.0,
        ));
    }
    out.push_str("\n| backend | seeding (seeder's own time) | start-up (spawn to /healthz, seeded) |\n|---|---:|---:|\n");
    for f in facts {
        out.push_str(&format!(
            "| {} | {:.2} s ({} ms) | {:.1} ms |\n",
            f.backend,
            f.seed_wall.as_secs_f64(),
            f.seed["total_ms"],
            f.startup.as_secs_f64() * 1000.0
        ));
    }
    out
}

//! `cargo xtask swagger-check`: Swagger UI (`/docs/`) in headless Chromium against a running
//! server, as someone trying the API from the page would (tools/swagger-check/README.md).
//!
//! A fresh server on SQLite (rate limits on, as a user runs it), a bot made with the CLI, then
//! `tools/swagger-check/swagger_check.py` (Selenium, pinned in `requirements.txt`, installed into
//! `target/swagger-check/venv`) drives Debian's `chromium` through its `chromedriver`: the page
//! loads without console errors, lists every operation of the contract, takes the bot token in
//! "Authorize", and "Try it out" answers 200 on `GET /users/@me` and on `PATCH /users/@me` with
//! the example body as shown. Exits non-zero on any miss.

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Instant;

use crate::pinned;
use crate::server::{build_astral, workspace_root, Backend, Server, ServerOptions};

pub fn run() -> ExitCode {
    let passed = match check() {
        Ok(()) => true,
        Err(e) => {
            eprintln!("swagger-check: {e}");
            false
        }
    };
    // The plain closing line CI logs are read for: the whole browser run is one test.
    println!("swagger-check: {} passed, {} failed", u8::from(passed), u8::from(!passed));
    if passed {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    }
}

fn check() -> Result<(), String> {
    let started = Instant::now();
    let root = workspace_root();
    let tools = root.join("tools/swagger-check");
    for program in ["CHROMIUM", "CHROMEDRIVER"] {
        let path = std::env::var(program)
            .unwrap_or_else(|_| format!("/usr/bin/{}", program.to_ascii_lowercase()));
        if !PathBuf::from(&path).exists() {
            return Err(format!(
                "{path} is missing: install Debian's chromium and chromium-driver (.ci/run does)"
            ));
        }
    }
    let venv = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"))
        .join("swagger-check/venv");
    pinned::python_venv(&tools.join("requirements.txt"), &venv, "swagger-check")?;
    let binary = build_astral()?;
    let options = ServerOptions { backend: Backend::Sqlite, rate_limits: true, env: Vec::new() };
    let server = Server::start(&binary, options)?;
    let bot = server.create_bot("swagger-bot")?;
    let status = Command::new(venv.join("bin/python"))
        .arg(tools.join("swagger_check.py"))
        .env("ASTRAL_SWAGGER_BASE", &server.base_url)
        .env("ASTRAL_SWAGGER_TOKEN", format!("Bot {}", bot.token))
        .env("ASTRAL_SWAGGER_BOT_ID", &bot.id)
        .env("ASTRAL_SWAGGER_CONTRACT", root.join("openapi/astral.json"))
        .status()
        .map_err(|e| format!("cannot run swagger_check.py: {e}"))?;
    println!("swagger-check: {:.1?} in all (install, build, server, browser)", started.elapsed());
    if status.success() {
        Ok(())
    } else {
        Err(format!("the browser check failed ({status}); the server's log:\n{}", server.log()))
    }
}

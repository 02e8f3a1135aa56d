//! `cargo xtask <command>`: project automation. Kept light on purpose (serde_json and
//! openapiv3 only): heavy work is delegated to the workspace's own binaries via `$CARGO`.
//!
//! Commands:
//! - `spec-check`: the hand-maintained contract (openapi/astral.json) and the document
//!   generated from the handlers' annotations must describe the same API. See docs/spec-check.md.

#[allow(dead_code)] // used by the api-fuzz and compat commands as they land
mod server;
mod spec_check;

use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("spec-check") => spec_check::run(),
        _ => {
            eprintln!("usage: cargo xtask spec-check");
            ExitCode::FAILURE
        }
    }
}

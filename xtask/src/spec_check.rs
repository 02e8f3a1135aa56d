//! `cargo xtask spec-check`: the contract (openapi/astral.json) and the document generated from
//! the handlers' annotations must describe the same API. The comparison itself lives in
//! `crates/spec-compat`; this only gathers the two inputs. The generated document comes from the
//! `astral-openapi-dump` binary, run through `$CARGO`, so the xtask does not link the server.

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

const CONTRACT: &str = "openapi/astral.json";

pub fn run() -> ExitCode {
    match check() {
        Ok(report) => {
            println!("{report}");
            ExitCode::SUCCESS
        }
        Err(report) => {
            eprintln!("{report}");
            ExitCode::FAILURE
        }
    }
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

fn check() -> Result<String, String> {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join(CONTRACT))
        .map_err(|e| format!("spec-check: cannot read {CONTRACT}: {e}"))?;
    let hand = spec_compat::load_hand(&text).map_err(|e| format!("spec-check: {CONTRACT} {e}"))?;
    // The layout is checked too, so that it cannot drift (docs/spec-check.md#layout).
    let canonical = crate::contract_layout::format(&text)
        .map_err(|e| format!("spec-check: {CONTRACT} is not JSON: {e}"))?;
    if canonical != text {
        return Err(format!(
            "spec-check: {CONTRACT} is not in its canonical layout: run `cargo xtask fmt-contract`"
        ));
    }
    let dump = generated_document(&root)?;
    let generated = spec_compat::load_generated(&dump)
        .map_err(|e| format!("spec-check: the generated document is {e}"))?;
    let differences = spec_compat::compare(&hand, &generated);
    if differences.is_empty() {
        let operations = hand["paths"]
            .as_object()
            .map(|p| {
                p.values()
                    .map(|i| {
                        i.as_object().map_or(0, |m| {
                            m.keys()
                                .filter(|k| k.as_str() != "servers" && k.as_str() != "parameters")
                                .count()
                        })
                    })
                    .sum::<usize>()
            })
            .unwrap_or(0);
        let schemas = hand["components"]["schemas"].as_object().map_or(0, |s| s.len());
        Ok(format!(
            "spec-check: ok: {CONTRACT} and the handlers agree ({operations} operations, {schemas} schemas)"
        ))
    } else {
        Err(format!(
            "spec-check: {CONTRACT} and the handlers disagree:\n\n{}",
            spec_compat::render_report(&differences, CONTRACT)
        ))
    }
}

/// The document utoipa builds from the handlers, registered exactly as the server does.
fn generated_document(root: &Path) -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args(["run", "--quiet", "--package", "astral-server", "--bin", "astral-openapi-dump"])
        .output()
        .map_err(|e| format!("spec-check: cannot run astral-openapi-dump: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "spec-check: astral-openapi-dump failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    String::from_utf8(output.stdout).map_err(|e| format!("spec-check: dump is not UTF-8: {e}"))
}

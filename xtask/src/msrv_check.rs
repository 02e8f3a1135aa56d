//! `cargo xtask msrv-check`: the workspace's declared `rust-version` must be at least every
//! locked dependency's own `rust-version`, so the minimum the README states is one that really
//! builds. Reads `cargo metadata --locked` for this machine's platform (dependencies of other
//! platforms are never built here, so their requirements are not ours).

use std::process::{Command, ExitCode};

use serde_json::Value;

use crate::server::workspace_root;

pub fn run() -> ExitCode {
    match check() {
        Ok(summary) => {
            println!("msrv-check: {summary}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("msrv-check: {e}");
            ExitCode::FAILURE
        }
    }
}

fn check() -> Result<String, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let host = host_triple(&cargo)?;
    let output = Command::new(&cargo)
        .current_dir(workspace_root())
        .args(["metadata", "--format-version", "1", "--locked"])
        .args(["--filter-platform", &host])
        .output()
        .map_err(|e| format!("cannot run {cargo} metadata: {e}"))?;
    if !output.status.success() {
        return Err(format!("cargo metadata failed: {}", String::from_utf8_lossy(&output.stderr)));
    }
    let metadata: Value = serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("cargo metadata printed no JSON: {e}"))?;
    compare(&metadata)
}

fn host_triple(cargo: &str) -> Result<String, String> {
    // `rustc -vV` names the host; cargo's own rustc is the one next to it in the toolchain.
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = Command::new(&rustc)
        .arg("-vV")
        .output()
        .map_err(|e| format!("cannot run {rustc} (beside {cargo}): {e}"))?;
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .find_map(|l| l.strip_prefix("host: "))
        .map(str::to_owned)
        .ok_or_else(|| "rustc -vV names no host".to_owned())
}

/// A `rust-version` as comparable numbers: "1.88" and "1.88.0" are equal.
fn version(text: &str) -> Option<(u64, u64, u64)> {
    let mut parts = text.split('.').map(|p| p.parse::<u64>().ok());
    let major = parts.next()??;
    let minor = parts.next().unwrap_or(Some(0))?;
    let patch = parts.next().unwrap_or(Some(0))?;
    Some((major, minor, patch))
}

/// Compares the workspace members' `rust-version` with every resolved package's.
fn compare(metadata: &Value) -> Result<String, String> {
    let empty = Vec::new();
    let members: Vec<&str> = metadata["workspace_members"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(Value::as_str)
        .collect();
    let resolved: Vec<&str> = metadata["resolve"]["nodes"]
        .as_array()
        .unwrap_or(&empty)
        .iter()
        .filter_map(|n| n["id"].as_str())
        .collect();
    let packages = metadata["packages"].as_array().unwrap_or(&empty);
    let declared = |p: &Value| p["rust_version"].as_str().and_then(version);

    let mut ours = None;
    for p in packages.iter().filter(|p| p["id"].as_str().is_some_and(|id| members.contains(&id))) {
        let name = p["name"].as_str().unwrap_or("?");
        let v = declared(p)
            .ok_or_else(|| format!("workspace member {name} declares no rust-version"))?;
        if ours.is_some_and(|o| o != v) {
            return Err(format!("workspace members disagree on rust-version ({name})"));
        }
        ours = Some(v);
    }
    let ours = ours.ok_or("no workspace members in cargo metadata")?;

    let mut too_new: Vec<String> = packages
        .iter()
        .filter(|p| {
            p["id"].as_str().is_some_and(|id| resolved.contains(&id) && !members.contains(&id))
        })
        .filter_map(|p| {
            let v = declared(p)?;
            (v > ours).then(|| {
                format!(
                    "{} {} needs Rust {}",
                    p["name"].as_str().unwrap_or("?"),
                    p["version"].as_str().unwrap_or("?"),
                    p["rust_version"].as_str().unwrap_or("?")
                )
            })
        })
        .collect();
    let ours_text = format!("{}.{}", ours.0, ours.1);
    if too_new.is_empty() {
        Ok(format!(
            "rust-version {ours_text} covers all {} locked dependencies",
            resolved.len() - members.len().min(resolved.len())
        ))
    } else {
        too_new.sort();
        Err(format!(
            "the workspace declares rust-version {ours_text}, but locked dependencies need more \
             (raise it in Cargo.toml and the README):\n  {}",
            too_new.join("\n  ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn metadata(ours: &str, dep: &str) -> Value {
        json!({
            "workspace_members": ["path+file:///w#astral@0.1.0"],
            "resolve": {"nodes": [{"id": "path+file:///w#astral@0.1.0"}, {"id": "registry#dep@1.0.0"}]},
            "packages": [
                {"id": "path+file:///w#astral@0.1.0", "name": "astral", "version": "0.1.0", "rust_version": ours},
                {"id": "registry#dep@1.0.0", "name": "dep", "version": "1.0.0", "rust_version": dep},
                {"id": "registry#other-platform@1.0.0", "name": "other-platform", "version": "1.0.0", "rust_version": "9.0"}
            ]
        })
    }

    #[test]
    fn a_dependency_needing_a_newer_rust_fails() {
        let err = compare(&metadata("1.88", "1.95")).unwrap_err();
        assert!(err.contains("dep 1.0.0 needs Rust 1.95"), "{err}");
        assert!(!err.contains("other-platform"), "unresolved packages are not ours: {err}");
    }

    #[test]
    fn equal_or_older_requirements_pass() {
        assert!(compare(&metadata("1.95", "1.95.0")).is_ok());
        assert!(compare(&metadata("1.95", "1.60")).is_ok());
    }

    #[test]
    fn versions_compare_numerically() {
        assert!(version("1.100") > version("1.95"));
        assert_eq!(version("1.88"), version("1.88.0"));
        assert_eq!(version("x"), None);
    }
}

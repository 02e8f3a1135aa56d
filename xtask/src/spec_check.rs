//! spec-check, first stage: both documents load, the contract is OpenAPI 3.0.x (progenitor
//! reads nothing else), and both describe the same operations with the same status codes.
//!
//! The full semantic comparison (schemas, parameters, bodies, nullability, after normalising
//! 3.1 to 3.0 spellings) is its own piece of work; this stage already fails on the drift that
//! matters most: a route in the code but not in the contract, or the reverse, a renamed
//! operationId, or a changed status code.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use serde_json::Value;

const CONTRACT: &str = "openapi/astral.json";
const METHODS: [&str; 8] = [
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

pub fn run() -> ExitCode {
    match check() {
        Ok(summary) => {
            println!("spec-check: ok ({summary})");
            ExitCode::SUCCESS
        }
        Err(problems) => {
            eprintln!(
                "spec-check: {} difference(s) between {CONTRACT} and the handlers:",
                problems.len()
            );
            for p in &problems {
                eprintln!("  - {p}");
            }
            eprintln!(
                "Edit {CONTRACT} (the contract, written first) or the #[utoipa::path] / ToSchema \
                 annotations so they agree; this tool never rewrites the spec."
            );
            ExitCode::FAILURE
        }
    }
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map(Path::to_path_buf)
        .unwrap_or_default()
}

fn check() -> Result<String, Vec<String>> {
    let root = workspace_root();
    let text = std::fs::read_to_string(root.join(CONTRACT))
        .map_err(|e| vec![format!("cannot read {CONTRACT}: {e}")])?;
    // Parsed with progenitor's own parser: what it cannot read, the client cannot be built from.
    let parsed: openapiv3::OpenAPI = serde_json::from_str(&text)
        .map_err(|e| vec![format!("{CONTRACT} is not an OpenAPI 3.0 document: {e}")])?;
    if !parsed.openapi.starts_with("3.0.") {
        return Err(vec![format!(
            "{CONTRACT} declares openapi {}; progenitor only reads 3.0.x",
            parsed.openapi
        )]);
    }
    let contract: Value = serde_json::from_str(&text).map_err(|e| vec![e.to_string()])?;
    let generated = generated_document(&root).map_err(|e| vec![e])?;

    let hand = operations(&contract);
    let code = operations(&generated);
    let mut problems = Vec::new();
    for (key, op) in &hand {
        match code.get(key) {
            None => problems.push(format!(
                "{} {}: in the contract, not in the code (/paths/{}/{})",
                key.1.to_uppercase(),
                key.0,
                pointer(&key.0),
                key.1
            )),
            Some(other) => {
                if op.operation_id != other.operation_id {
                    problems.push(format!(
                        "{} {}: operationId is {:?} in the contract but {:?} in the code",
                        key.1.to_uppercase(),
                        key.0,
                        op.operation_id,
                        other.operation_id
                    ));
                }
                if op.statuses != other.statuses {
                    problems.push(format!(
                        "{} {}: status codes {:?} in the contract but {:?} in the code",
                        key.1.to_uppercase(),
                        key.0,
                        op.statuses,
                        other.statuses
                    ));
                }
            }
        }
    }
    for key in code.keys().filter(|k| !hand.contains_key(*k)) {
        problems.push(format!(
            "{} {}: in the code, not in the contract (undocumented route)",
            key.1.to_uppercase(),
            key.0
        ));
    }
    if problems.is_empty() {
        Ok(format!("{} operations agree", hand.len()))
    } else {
        Err(problems)
    }
}

/// Runs the dump binary, which builds the document exactly as the server registers routes.
fn generated_document(root: &Path) -> Result<Value, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let output = Command::new(cargo)
        .current_dir(root)
        .args([
            "run",
            "--quiet",
            "--package",
            "astral-server",
            "--bin",
            "astral-openapi-dump",
        ])
        .output()
        .map_err(|e| format!("cannot run astral-openapi-dump: {e}"))?;
    if !output.status.success() {
        return Err(format!(
            "astral-openapi-dump failed:\n{}",
            String::from_utf8_lossy(&output.stderr)
        ));
    }
    serde_json::from_slice(&output.stdout)
        .map_err(|e| format!("astral-openapi-dump printed invalid JSON: {e}"))
}

struct Operation {
    operation_id: Option<String>,
    statuses: BTreeSet<String>,
}

fn operations(doc: &Value) -> BTreeMap<(String, String), Operation> {
    let mut out = BTreeMap::new();
    let Some(paths) = doc["paths"].as_object() else {
        return out;
    };
    for (path, item) in paths {
        for method in METHODS {
            let Some(op) = item.get(method) else { continue };
            out.insert(
                (path.clone(), method.to_owned()),
                Operation {
                    operation_id: op["operationId"].as_str().map(str::to_owned),
                    statuses: op["responses"]
                        .as_object()
                        .map(|r| r.keys().cloned().collect())
                        .unwrap_or_default(),
                },
            );
        }
    }
    out
}

/// A path as a JSON pointer segment (`/` → `~1`).
fn pointer(path: &str) -> String {
    path.replace('~', "~0").replace('/', "~1")
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn doc(paths: Value) -> Value {
        json!({"paths": paths})
    }

    #[test]
    fn operations_are_keyed_by_path_and_method() {
        let d = doc(
            json!({"/a": {"get": {"operationId": "get_a", "responses": {"200": {}, "4XX": {}}}, "servers": []}}),
        );
        let ops = operations(&d);
        assert_eq!(ops.len(), 1);
        let op = &ops[&("/a".to_owned(), "get".to_owned())];
        assert_eq!(op.operation_id.as_deref(), Some("get_a"));
        assert_eq!(
            op.statuses,
            BTreeSet::from(["200".to_owned(), "4XX".to_owned()])
        );
    }

    #[test]
    fn pointers_escape_slashes() {
        assert_eq!(pointer("/users/@me"), "~1users~1@me");
    }
}

//! Fixture pairs: `tests/cases/<name>/{hand.json, generated.json, expected.txt}`.
//!
//! `expected.txt` holds the headline of every difference, one per line, in report order; `ok`
//! when the pair must compare equal; `error: …` when loading the contract must fail. Every
//! normalisation rule has a case that must pass, every kind of drift one that must fail.

// Test code: a panic is a failed test, which is the point. clippy.toml's allow-*-in-tests
// covers #[test] functions only, not this test crate's helpers.
#![allow(clippy::unwrap_used, clippy::expect_used, reason = "test code: a panic is a failed test")]

use std::path::Path;

fn outcome(dir: &Path) -> String {
    let read = |name: &str| {
        std::fs::read_to_string(dir.join(name))
            .unwrap_or_else(|e| panic!("{}/{name}: {e}", dir.display()))
    };
    let hand = match spec_compat::load_hand(&read("hand.json")) {
        Ok(v) => v,
        Err(e) => return format!("error: {e}"),
    };
    let generated =
        spec_compat::load_generated(&read("generated.json")).expect("generated document loads");
    let differences = spec_compat::compare(&hand, &generated);
    if differences.is_empty() {
        "ok".to_owned()
    } else {
        differences.iter().map(|d| d.headline()).collect::<Vec<_>>().join("\n")
    }
}

#[test]
fn every_case_behaves_as_expected() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases");
    let mut dirs: Vec<_> = std::fs::read_dir(&root)
        .expect("tests/cases")
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(dirs.len() >= 30, "expected the full set of cases, found {}", dirs.len());
    let mut failures = Vec::new();
    for dir in &dirs {
        let expected = std::fs::read_to_string(dir.join("expected.txt"))
            .unwrap_or_else(|e| panic!("{}/expected.txt: {e}", dir.display()));
        let actual = outcome(dir);
        if actual.trim() != expected.trim() {
            failures.push(format!(
                "case {}:\n  expected:\n    {}\n  actual:\n    {}",
                dir.file_name().unwrap_or_default().to_string_lossy(),
                expected.trim().replace('\n', "\n    "),
                actual.replace('\n', "\n    ")
            ));
        }
    }
    assert!(failures.is_empty(), "{} case(s) differ:\n\n{}", failures.len(), failures.join("\n\n"));
}

#[test]
fn the_report_ends_with_what_to_edit() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/cases/renamed-operation-id");
    let hand =
        spec_compat::load_hand(&std::fs::read_to_string(dir.join("hand.json")).unwrap()).unwrap();
    let generated =
        spec_compat::load_generated(&std::fs::read_to_string(dir.join("generated.json")).unwrap())
            .unwrap();
    let report =
        spec_compat::render_report(&spec_compat::compare(&hand, &generated), "openapi/x.json");
    assert!(report.contains("- contract"), "{report}");
    assert!(report.contains("+ code"), "{report}");
    assert!(report.trim_end().ends_with("This tool never rewrites the spec."), "{report}");
}

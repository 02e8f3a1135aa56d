//! The real contract and the real handlers, through the same comparison `cargo xtask
//! spec-check` runs: they agree, and removing any single operation from either side is caught.

use serde_json::Value;

fn documents() -> (Value, Value) {
    let hand =
        spec_compat::load_hand(astral_server::openapi::CONTRACT_JSON).expect("contract loads");
    let generated =
        astral_server::openapi::generated_document().to_json().expect("generated document");
    let generated = spec_compat::load_generated(&generated).expect("generated document loads");
    (hand, generated)
}

fn operations(doc: &Value) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for method in item.as_object().expect("path item").keys() {
            if !matches!(method.as_str(), "servers" | "parameters" | "summary" | "description") {
                out.push((path.clone(), method.clone()));
            }
        }
    }
    out
}

/// Comparing `hand` with `generated` finds exactly one difference: about `label`, saying `what`.
fn assert_one_difference(hand: &Value, generated: &Value, label: &str, what: &str) {
    let found = spec_compat::compare(hand, generated);
    assert_eq!(found.len(), 1, "{found:?}");
    let message = &found[0].message;
    assert!(message.starts_with(label) && message.contains(what), "{message}");
}

#[test]
fn the_contract_and_the_handlers_agree() {
    let (hand, generated) = documents();
    let differences = spec_compat::compare(&hand, &generated);
    assert!(
        differences.is_empty(),
        "{}",
        spec_compat::render_report(&differences, "openapi/astral.json")
    );
}

#[test]
fn removing_any_operation_from_either_side_is_reported() {
    let (hand, generated) = documents();
    let all = operations(&hand);
    assert!(all.len() >= 7, "{all:?}");
    for (path, method) in all {
        let label = format!("{} {path}:", method.to_uppercase());

        let mut without = hand.clone();
        without["paths"][&path].as_object_mut().unwrap().remove(&method);
        assert_one_difference(&without, &generated, &label, "in the code but not in the contract");

        let mut undocumented_in_code = generated.clone();
        undocumented_in_code["paths"][&path].as_object_mut().unwrap().remove(&method);
        let what = "in the contract but not in the code";
        assert_one_difference(&hand, &undocumented_in_code, &label, what);
    }
}

//! Generates the client from the committed contract, openapi/astral.json, at build time, into
//! OUT_DIR/codegen.rs (pretty-printed, readable). See src/spec_transform.rs for the one
//! adaptation progenitor needs.

use std::path::Path;

#[path = "src/spec_transform.rs"]
mod spec_transform;

fn main() {
    let spec_path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../openapi/astral.json");
    println!("cargo:rerun-if-changed={}", spec_path.display());
    println!("cargo:rerun-if-changed=src/spec_transform.rs");
    let text = std::fs::read_to_string(&spec_path)
        .unwrap_or_else(|e| panic!("cannot read {}: {e}", spec_path.display()));
    let mut json: serde_json::Value = serde_json::from_str(&text)
        .unwrap_or_else(|e| panic!("{} is not JSON: {e}", spec_path.display()));
    let mut inlined = json.clone();
    spec_transform::inline_references(&mut inlined);
    spec_transform::make_successes_uniform(&mut inlined);
    spec_transform::make_successes_uniform(&mut json);
    let code = generate(json, &spec_path);
    // The shared answers and headers are written once in the contract and referred to: that
    // is layout, and must not change the client (docs/client.md#the-contracts-layout).
    if generate(inlined, &spec_path) != code {
        panic!(
            "progenitor generates a different client from {} with its `components/responses` \
             and `components/headers` references inlined: a reference changed the client",
            spec_path.display()
        );
    }
    let out =
        Path::new(&std::env::var("OUT_DIR").unwrap_or_else(|_| ".".into())).join("codegen.rs");
    std::fs::write(&out, code).unwrap_or_else(|e| panic!("cannot write {}: {e}", out.display()));
}

/// The client's code, pretty-printed, from a (transformed) copy of the contract.
fn generate(json: serde_json::Value, spec_path: &Path) -> String {
    let spec: openapiv3::OpenAPI = serde_json::from_value(json)
        .unwrap_or_else(|e| panic!("{} is not an OpenAPI 3.0 document: {e}", spec_path.display()));
    let tokens = progenitor::Generator::default()
        .generate_tokens(&spec)
        .unwrap_or_else(|e| panic!("progenitor cannot generate a client from the contract: {e}"));
    let file: syn::File =
        syn::parse2(tokens).unwrap_or_else(|e| panic!("generated code does not parse: {e}"));
    prettyplease::unparse(&file)
}

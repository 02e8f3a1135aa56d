//! Prints the OpenAPI document generated from the handlers' annotations (OpenAPI 3.1, paths
//! without a version prefix) on stdout. `cargo xtask spec-check` compares it with the
//! hand-maintained contract in openapi/astral.json.

fn main() -> std::process::ExitCode {
    match astral_server::openapi::generated_document().to_pretty_json() {
        Ok(json) => {
            println!("{json}");
            std::process::ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("astral-openapi-dump: {e}");
            std::process::ExitCode::FAILURE
        }
    }
}

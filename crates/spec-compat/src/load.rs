//! Reading the two inputs.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct LoadError(pub String);

/// The contract: it must parse with `openapiv3` (progenitor's parser, so what fails here
/// would also fail the client build) and declare OpenAPI 3.0.x (progenitor reads nothing else).
pub fn load_hand(text: &str) -> Result<Value, LoadError> {
    let parsed: openapiv3::OpenAPI = serde_json::from_str(text)
        .map_err(|e| LoadError(format!("not an OpenAPI 3.0 document (openapiv3 says: {e})")))?;
    if !parsed.openapi.starts_with("3.0.") {
        return Err(LoadError(format!(
            "declares openapi {:?}; progenitor only reads 3.0.x",
            parsed.openapi
        )));
    }
    serde_json::from_str(text).map_err(|e| LoadError(e.to_string()))
}

/// The generated document: any OpenAPI 3.x JSON.
pub fn load_generated(text: &str) -> Result<Value, LoadError> {
    let value: Value =
        serde_json::from_str(text).map_err(|e| LoadError(format!("not JSON: {e}")))?;
    match value.get("openapi").and_then(Value::as_str) {
        Some(v) if v.starts_with("3.") => Ok(value),
        other => Err(LoadError(format!("not an OpenAPI 3 document (openapi = {other:?})"))),
    }
}

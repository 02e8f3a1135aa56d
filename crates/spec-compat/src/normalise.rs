//! One canonical form for OpenAPI 3.0 and 3.1 documents.
//!
//! ```text
//! {"paths": {PATH: {METHOD: {
//!     "operationId", "deprecated"?, "security": [..sorted..],
//!     "parameters": {"IN:NAME": {"required", "schema" | "content", ...non-default keys}},
//!     "requestBody"?: {"required", "content": {MEDIA: {"schema"}}},
//!     "responses": {STATUS: {"content"?: {MEDIA: {"schema"}}, "headers"?: {name: {...}},
//!                            "links"?: {name: {"operationId" | "operationRef", "parameters"?,
//!                                              "requestBody"?}}}}}}},
//!  "components": {"schemas": {NAME: SCHEMA}, "securitySchemes": {NAME: {...}}}}
//! ```
//! Schemas: nullability is one marker, `"nullable": true`, whatever the spelling
//! (`type: [T, "null"]`, `oneOf/anyOf: [X, {type: null}]`, 3.0 `nullable`); a single-element
//! `allOf` around a `$ref` is the bare `$ref`; `const` is a one-element `enum`; 3.1 numeric
//! `exclusiveMinimum/Maximum` are 3.0's `minimum/maximum` + boolean; `required` and `enum` are
//! sorted; defaults and documentation-only keys are dropped. References to components other
//! than schemas are resolved in place. `info`, `servers`, `tags` and descriptions are ignored.

use serde_json::{json, Map, Value};

use crate::pointer::resolve;

const METHODS: [&str; 8] = ["get", "put", "post", "delete", "options", "head", "patch", "trace"];

/// Keys that document and never constrain.
const ANNOTATIONS: [&str; 8] = [
    "description",
    "summary",
    "title",
    "example",
    "examples",
    "externalDocs",
    "$comment",
    "$schema",
];

/// Keys whose value, when it is the default, is the same as the key being absent.
const FALSE_DEFAULTS: [&str; 5] =
    ["deprecated", "readOnly", "writeOnly", "uniqueItems", "allowEmptyValue"];

pub fn normalise(doc: &Value) -> Value {
    let mut paths = Map::new();
    if let Some(items) = doc.get("paths").and_then(Value::as_object) {
        for (path, item) in items {
            let item = deref(doc, item);
            let shared = item.get("parameters").cloned().unwrap_or(Value::Null);
            let mut methods = Map::new();
            for method in METHODS {
                if let Some(op) = item.get(method) {
                    methods.insert(method.to_owned(), operation(doc, op, &shared));
                }
            }
            paths.insert(path.clone(), Value::Object(methods));
        }
    }
    let mut schemas = Map::new();
    if let Some(items) = doc.pointer("/components/schemas").and_then(Value::as_object) {
        for (name, s) in items {
            schemas.insert(name.clone(), schema(s));
        }
    }
    let mut security_schemes = Map::new();
    if let Some(items) = doc.pointer("/components/securitySchemes").and_then(Value::as_object) {
        for (name, s) in items {
            security_schemes.insert(name.clone(), strip_annotations(deref(doc, s)));
        }
    }
    json!({
        "paths": paths,
        "components": {"schemas": schemas, "securitySchemes": security_schemes},
    })
}

/// Follows a non-schema `$ref` (parameters, responses, request bodies, headers, path items),
/// up to a fixed depth so that a reference cycle cannot loop.
fn deref<'a>(doc: &'a Value, mut v: &'a Value) -> &'a Value {
    for _ in 0..16 {
        match v.get("$ref").and_then(Value::as_str) {
            Some(r) if !r.starts_with("#/components/schemas/") => match resolve(doc, r) {
                Some(target) => v = target,
                None => return v,
            },
            _ => return v,
        }
    }
    v
}

fn operation(doc: &Value, op: &Value, shared_parameters: &Value) -> Value {
    let mut out = Map::new();
    if let Some(id) = op.get("operationId") {
        out.insert("operationId".into(), id.clone());
    }
    if op.get("deprecated") == Some(&Value::Bool(true)) {
        out.insert("deprecated".into(), Value::Bool(true));
    }

    // Path-level parameters apply to every operation; an operation's own override them.
    let mut parameters = Map::new();
    for list in [shared_parameters, op.get("parameters").unwrap_or(&Value::Null)] {
        for p in list.as_array().into_iter().flatten() {
            let p = deref(doc, p);
            let location = p.get("in").and_then(Value::as_str).unwrap_or("?");
            let name = p.get("name").and_then(Value::as_str).unwrap_or("?");
            parameters.insert(format!("{location}:{name}"), parameter(p, location));
        }
    }
    out.insert("parameters".into(), Value::Object(parameters));

    if let Some(body) = op.get("requestBody") {
        let body = deref(doc, body);
        out.insert(
            "requestBody".into(),
            json!({
                "required": body.get("required").and_then(Value::as_bool).unwrap_or(false),
                "content": content(body.get("content")),
            }),
        );
    }

    let mut responses = Map::new();
    for (status, r) in op.get("responses").and_then(Value::as_object).into_iter().flatten() {
        let r = deref(doc, r);
        let mut response = Map::new();
        let media = content(r.get("content"));
        if media.as_object().is_some_and(|m| !m.is_empty()) {
            response.insert("content".into(), media);
        }
        let mut headers = Map::new();
        for (name, h) in r.get("headers").and_then(Value::as_object).into_iter().flatten() {
            // Header names are case-insensitive.
            headers.insert(name.to_ascii_lowercase(), header(doc, h));
        }
        if !headers.is_empty() {
            response.insert("headers".into(), Value::Object(headers));
        }
        // Links say which response values feed which operation's parameters: that is API
        // behaviour (clients and stateful testers follow them), so they are compared too.
        let mut links = Map::new();
        for (name, l) in r.get("links").and_then(Value::as_object).into_iter().flatten() {
            links.insert(name.clone(), link(deref(doc, l)));
        }
        if !links.is_empty() {
            response.insert("links".into(), Value::Object(links));
        }
        responses.insert(status.to_ascii_uppercase(), Value::Object(response));
    }
    out.insert("responses".into(), Value::Object(responses));

    // An operation without `security` inherits the document's.
    let security = op.get("security").or_else(|| doc.get("security"));
    let mut requirements: Vec<String> = security
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .map(|req| {
            let mut entries: Vec<(String, Vec<String>)> = req
                .as_object()
                .into_iter()
                .flatten()
                .map(|(name, scopes)| {
                    let mut scopes: Vec<String> =
                        scopes.as_array().into_iter().flatten().map(|s| s.to_string()).collect();
                    scopes.sort();
                    (name.clone(), scopes)
                })
                .collect();
            entries.sort();
            entries
                .iter()
                .map(|(n, s)| if s.is_empty() { n.clone() } else { format!("{n}{s:?}") })
                .collect::<Vec<_>>()
                .join(" + ")
        })
        .map(|req| if req.is_empty() { "(anonymous)".to_owned() } else { req })
        .collect();
    requirements.sort();
    requirements.dedup();
    out.insert("security".into(), json!(requirements));
    Value::Object(out)
}

/// A link: its target (`operationId` or `operationRef`), `parameters` and `requestBody`.
/// `server` is ignored like the document's `servers`; descriptions like everywhere.
fn link(l: &Value) -> Value {
    let mut out = Map::new();
    for key in ["operationId", "operationRef", "parameters", "requestBody"] {
        if let Some(v) = l.get(key) {
            if key == "parameters" && v.as_object().is_some_and(|m| m.is_empty()) {
                continue;
            }
            out.insert(key.to_owned(), strip_annotations(v));
        }
    }
    Value::Object(out)
}

fn parameter(p: &Value, location: &str) -> Value {
    let mut out = Map::new();
    // Path parameters are always required, whatever the document says.
    let required =
        location == "path" || p.get("required").and_then(Value::as_bool).unwrap_or(false);
    out.insert("required".into(), Value::Bool(required));
    if let Some(s) = p.get("schema") {
        out.insert("schema".into(), schema(s));
    }
    if p.get("content").is_some() {
        out.insert("content".into(), content(p.get("content")));
    }
    let default_style = if matches!(location, "query" | "cookie") { "form" } else { "simple" };
    let style = p.get("style").and_then(Value::as_str).unwrap_or(default_style);
    if style != default_style {
        out.insert("style".into(), json!(style));
    }
    let explode = p.get("explode").and_then(Value::as_bool).unwrap_or(style == "form");
    if explode != (style == "form") {
        out.insert("explode".into(), json!(explode));
    }
    for key in ["deprecated", "allowEmptyValue", "allowReserved"] {
        if p.get(key) == Some(&Value::Bool(true)) {
            out.insert(key.into(), Value::Bool(true));
        }
    }
    Value::Object(out)
}

fn header(doc: &Value, h: &Value) -> Value {
    let h = deref(doc, h);
    let mut out = Map::new();
    out.insert(
        "required".into(),
        Value::Bool(h.get("required").and_then(Value::as_bool).unwrap_or(false)),
    );
    if let Some(s) = h.get("schema") {
        out.insert("schema".into(), schema(s));
    }
    Value::Object(out)
}

fn content(c: Option<&Value>) -> Value {
    let mut out = Map::new();
    for (media, m) in c.and_then(Value::as_object).into_iter().flatten() {
        let mut entry = Map::new();
        if let Some(s) = m.get("schema") {
            entry.insert("schema".into(), schema(s));
        }
        out.insert(media.to_ascii_lowercase(), Value::Object(entry));
    }
    Value::Object(out)
}

fn strip_annotations(v: &Value) -> Value {
    match v {
        Value::Object(m) => Value::Object(
            m.iter()
                .filter(|(k, _)| !ANNOTATIONS.contains(&k.as_str()) && !k.starts_with("x-"))
                .map(|(k, v)| (k.clone(), strip_annotations(v)))
                .collect(),
        ),
        other => other.clone(),
    }
}

fn is_null_schema(v: &Value) -> bool {
    v.get("type") == Some(&json!("null")) && v.as_object().is_some_and(|m| m.len() == 1)
}

/// The canonical form of a schema.
pub(crate) fn schema(v: &Value) -> Value {
    let Some(input) = v.as_object() else {
        return v.clone();
    };
    let mut m: Map<String, Value> = Map::new();
    for (k, v) in input {
        if ANNOTATIONS.contains(&k.as_str()) || k.starts_with("x-") {
            continue;
        }
        if FALSE_DEFAULTS.contains(&k.as_str()) && v == &Value::Bool(false) {
            continue;
        }
        m.insert(k.clone(), v.clone());
    }
    let mut nullable = m.remove("nullable") == Some(Value::Bool(true));

    // Children first.
    for key in ["items", "not", "additionalProperties"] {
        if let Some(child) = m.get(key).filter(|c| c.is_object()) {
            let child = schema(child);
            m.insert(key.into(), child);
        }
    }
    for key in ["properties", "patternProperties"] {
        if let Some(Value::Object(props)) = m.get(key) {
            let props: Map<String, Value> =
                props.iter().map(|(k, v)| (k.clone(), schema(v))).collect();
            m.insert(key.into(), Value::Object(props));
        }
    }
    for key in ["allOf", "oneOf", "anyOf", "prefixItems"] {
        if let Some(Value::Array(items)) = m.get(key) {
            let items: Vec<Value> = items.iter().map(schema).collect();
            m.insert(key.into(), Value::Array(items));
        }
    }

    // 3.1 `type: [T, "null"]`.
    if let Some(Value::Array(types)) = m.get("type").cloned() {
        let rest: Vec<Value> =
            types.iter().filter(|t| t.as_str() != Some("null")).cloned().collect();
        if rest.len() < types.len() {
            nullable = true;
        }
        match rest.len() {
            0 => {
                m.remove("type");
            }
            1 => {
                m.insert("type".into(), rest[0].clone());
            }
            _ => {
                m.insert("type".into(), Value::Array(sorted(rest)));
            }
        }
    }

    // 3.1 `oneOf/anyOf: [X, {type: "null"}]`: X, nullable.
    for key in ["oneOf", "anyOf"] {
        if let Some(Value::Array(items)) = m.get(key).cloned() {
            let rest: Vec<Value> = items.iter().filter(|i| !is_null_schema(i)).cloned().collect();
            if rest.len() < items.len() {
                nullable = true;
                m.remove(key);
                if rest.len() == 1 {
                    merge_into(&mut m, &rest[0]);
                } else if !rest.is_empty() {
                    m.insert(key.into(), Value::Array(rest));
                }
            }
        }
    }

    // `allOf: [X]` is X (3.0's way of putting `nullable` beside a `$ref`).
    if let Some(Value::Array(items)) = m.get("allOf").cloned() {
        if items.len() == 1 {
            m.remove("allOf");
            merge_into(&mut m, &items[0]);
        }
    }
    if let Some(Value::Bool(true)) = m.remove("nullable") {
        nullable = true;
    }

    // `const: v` is `enum: [v]`.
    if let Some(c) = m.remove("const") {
        m.insert("enum".into(), Value::Array(vec![c]));
    }
    // 3.1 numeric exclusive bounds are 3.0's bound + boolean.
    for (exclusive, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
        match m.get(exclusive).cloned() {
            Some(Value::Number(n)) => {
                m.insert(bound.into(), Value::Number(n));
                m.insert(exclusive.into(), Value::Bool(true));
            }
            Some(Value::Bool(false)) => {
                m.remove(exclusive);
            }
            _ => {}
        }
    }
    // 3.1 binary and base64 spellings.
    if m.get("contentMediaType") == Some(&json!("application/octet-stream"))
        && !m.contains_key("format")
    {
        m.remove("contentMediaType");
        m.insert("format".into(), json!("binary"));
    }
    if m.get("contentEncoding") == Some(&json!("base64")) && !m.contains_key("format") {
        m.remove("contentEncoding");
        m.insert("format".into(), json!("byte"));
    }
    // Defaults.
    if matches!(m.get("additionalProperties"), Some(Value::Bool(true)))
        || m.get("additionalProperties") == Some(&json!({}))
    {
        m.remove("additionalProperties");
    }
    for key in ["properties", "patternProperties"] {
        if m.get(key).and_then(Value::as_object).is_some_and(Map::is_empty) {
            m.remove(key);
        }
    }
    // Order carries no meaning in these.
    if let Some(Value::Array(required)) = m.remove("required") {
        if !required.is_empty() {
            m.insert("required".into(), Value::Array(sorted(required)));
        }
    }
    if let Some(Value::Array(values)) = m.remove("enum") {
        // 3.0 nullable enums must list `null`; the marker already says it.
        let values: Vec<Value> = values.into_iter().filter(|v| !v.is_null()).collect();
        m.insert("enum".into(), Value::Array(sorted(values)));
    }
    // `0` and `0.0` are the same bound.
    for key in [
        "minimum",
        "maximum",
        "multipleOf",
        "minLength",
        "maxLength",
        "minItems",
        "maxItems",
        "minProperties",
        "maxProperties",
    ] {
        if let Some(Value::Number(n)) = m.get(key) {
            if let Some(f) = n.as_f64().filter(|f| f.fract() == 0.0 && f.abs() < 9.0e15) {
                m.insert(key.into(), json!(f as i64));
            }
        }
    }
    // Beside a `$ref` only nullability matters (3.1 allows annotations there; 3.0 ignores
    // siblings of `$ref` altogether).
    if let Some(r) = m.get("$ref").cloned() {
        m.clear();
        m.insert("$ref".into(), r);
    }
    if nullable {
        m.insert("nullable".into(), Value::Bool(true));
    }
    Value::Object(m)
}

/// Merges a canonical schema into one being built (keys already present win).
fn merge_into(m: &mut Map<String, Value>, other: &Value) {
    if let Some(o) = other.as_object() {
        for (k, v) in o {
            m.entry(k.clone()).or_insert_with(|| v.clone());
        }
    }
}

fn sorted(mut values: Vec<Value>) -> Vec<Value> {
    values.sort_by_key(|v| v.to_string());
    values.dedup();
    values
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nullable_spellings_agree() {
        let a = schema(&json!({"type": "string", "nullable": true, "description": "x"}));
        let b = schema(&json!({"type": ["string", "null"]}));
        let c = schema(&json!({"oneOf": [{"type": "string"}, {"type": "null"}]}));
        assert_eq!(a, b);
        assert_eq!(a, c);
        let r1 = schema(&json!({"nullable": true, "allOf": [{"$ref": "#/components/schemas/X"}]}));
        let r2 = schema(
            &json!({"oneOf": [{"type": "null"}, {"$ref": "#/components/schemas/X", "description": "d"}]}),
        );
        assert_eq!(r1, r2);
        assert_eq!(r1, json!({"$ref": "#/components/schemas/X", "nullable": true}));
    }

    #[test]
    fn optional_is_not_nullable() {
        assert_ne!(
            schema(&json!({"type": "string"})),
            schema(&json!({"type": ["string", "null"]}))
        );
    }

    #[test]
    fn spellings_of_bounds_and_constants_agree() {
        assert_eq!(
            schema(&json!({"type": "integer", "exclusiveMinimum": 0})),
            schema(&json!({"type": "integer", "minimum": 0.0, "exclusiveMinimum": true}))
        );
        assert_eq!(schema(&json!({"const": "a"})), schema(&json!({"enum": ["a"]})));
        assert_eq!(
            schema(&json!({"required": ["b", "a"]})),
            schema(&json!({"required": ["a", "b"]}))
        );
    }
}

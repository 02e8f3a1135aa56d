//! What the client build does to its copy of the contract before progenitor reads it.
//!
//! Progenitor generates one success type per operation, but the contract is true to the wire:
//! `PUT /guilds/{guild_id}/members/{user_id}` answers 201 with the member *or* 204 with no
//! body. For such an operation (2xx answers that differ in body) the client's copy drops the
//! 2xx bodies, so the generated method returns `ResponseValue<()>` for every success and the
//! caller reads the status from it. The committed contract is never changed.

use serde_json::Value;

/// Applies the transform; returns the `METHOD path` of every operation it changed.
pub fn make_successes_uniform(spec: &mut Value) -> Vec<String> {
    let mut changed = Vec::new();
    let Some(paths) = spec.get_mut("paths").and_then(Value::as_object_mut) else {
        return changed;
    };
    for (path, item) in paths.iter_mut() {
        let Some(item) = item.as_object_mut() else {
            continue;
        };
        for (method, op) in item.iter_mut() {
            let Some(responses) = op.get_mut("responses").and_then(Value::as_object_mut) else {
                continue;
            };
            let successes: Vec<String> =
                responses.keys().filter(|s| s.starts_with('2')).cloned().collect();
            let bodies: Vec<Option<Value>> =
                successes.iter().map(|s| responses[s].get("content").cloned()).collect();
            let uniform = bodies.windows(2).all(|w| w[0] == w[1]);
            if uniform {
                continue;
            }
            for status in &successes {
                if let Some(response) = responses.get_mut(status).and_then(Value::as_object_mut) {
                    response.remove("content");
                }
            }
            changed.push(format!("{} {path}", method.to_uppercase()));
        }
    }
    changed
}

/// Replaces every reference to a component other than a schema (`components/responses`,
/// `components/headers`, parameters, request bodies) by the component itself. The build
/// generates the client from such a copy too and insists on the same code: writing a shared
/// answer once and referring to it is layout, and must not change the client.
pub fn inline_references(spec: &mut Value) {
    let components = spec.get("components").cloned().unwrap_or(Value::Null);
    inline(spec, &components, 0);
}

fn inline(node: &mut Value, components: &Value, depth: usize) {
    // References between components are a few levels deep; a cycle would stop here.
    if depth > 32 {
        return;
    }
    if let Some(target) = node
        .get("$ref")
        .and_then(Value::as_str)
        .and_then(|r| r.strip_prefix("#/components/"))
        .filter(|r| !r.starts_with("schemas/"))
        .and_then(|r| components.pointer(&format!("/{r}")))
    {
        *node = target.clone();
        inline(node, components, depth + 1);
        return;
    }
    match node {
        Value::Object(map) => map.values_mut().for_each(|v| inline(v, components, depth + 1)),
        Value::Array(items) => items.iter_mut().for_each(|v| inline(v, components, depth + 1)),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn mixed_successes_become_bodiless_and_nothing_else_changes() {
        let member =
            json!({"application/json": {"schema": {"$ref": "#/components/schemas/GuildMember"}}});
        let error = json!({"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}});
        let mut spec = json!({"paths": {
            "/guilds/{g}/members/{u}": {"put": {"responses": {
                "201": {"description": "added", "content": member},
                "204": {"description": "already"},
                "403": {"description": "no", "content": error}
            }}},
            "/users/@me": {"get": {"responses": {
                "200": {"description": "ok", "content": member}
            }}}
        }});
        let untouched = spec["paths"]["/users/@me"].clone();
        let changed = make_successes_uniform(&mut spec);
        assert_eq!(changed, vec!["PUT /guilds/{g}/members/{u}"]);
        let put = &spec["paths"]["/guilds/{g}/members/{u}"]["put"]["responses"];
        assert!(put["201"].get("content").is_none());
        assert_eq!(put["201"]["description"], "added");
        assert_eq!(put["403"]["content"], error, "error answers keep their body");
        assert_eq!(spec["paths"]["/users/@me"], untouched);
        assert!(make_successes_uniform(&mut spec).is_empty(), "idempotent");
    }
    #[test]
    fn shared_answers_and_headers_are_inlined_and_schemas_stay_references() {
        let mut spec = json!({
            "paths": {"/x": {"get": {"responses": {
                "200": {"description": "ok", "headers": {"H": {"$ref": "#/components/headers/H"}}},
                "401": {"$ref": "#/components/responses/Unauthorized"}
            }}}},
            "components": {
                "schemas": {"Error": {"type": "object"}},
                "headers": {"H": {"schema": {"type": "string"}}},
                "responses": {"Unauthorized": {
                    "description": "no",
                    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                    "headers": {"H": {"$ref": "#/components/headers/H"}}
                }}
            }
        });
        inline_references(&mut spec);
        let responses = &spec["paths"]["/x"]["get"]["responses"];
        assert_eq!(responses["200"]["headers"]["H"], json!({"schema": {"type": "string"}}));
        assert_eq!(
            responses["401"],
            json!({
                "description": "no",
                "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}},
                "headers": {"H": {"schema": {"type": "string"}}}
            })
        );
    }
}

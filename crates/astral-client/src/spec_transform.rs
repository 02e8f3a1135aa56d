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
            let successes: Vec<String> = responses
                .keys()
                .filter(|s| s.starts_with('2'))
                .cloned()
                .collect();
            let bodies: Vec<Option<Value>> = successes
                .iter()
                .map(|s| responses[s].get("content").cloned())
                .collect();
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
        assert_eq!(
            put["403"]["content"], error,
            "error answers keep their body"
        );
        assert_eq!(spec["paths"]["/users/@me"], untouched);
        assert!(make_successes_uniform(&mut spec).is_empty(), "idempotent");
    }
}

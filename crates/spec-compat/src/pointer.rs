//! JSON pointers (RFC 6901) and mapping a canonical location back into an original document.

use serde_json::Value;

pub fn escape(segment: &str) -> String {
    segment.replace('~', "~0").replace('/', "~1")
}

pub fn join(segments: &[String]) -> String {
    let mut out = String::from("#");
    for s in segments {
        out.push('/');
        out.push_str(&escape(s));
    }
    out
}

/// Finds where a canonical location lies in the original document. Canonical parameters are
/// keyed `in:name` (the original has an index), canonical schemas drop 3.1 null wrappers
/// (`oneOf: [X, {type: null}]`) and single-element `allOf`s, and resolved references live in
/// `components`; this follows the original as far as it goes and returns the deepest existing
/// pointer, or `None` when not even the first segment exists.
pub fn locate(doc: &Value, canonical: &[String]) -> Option<String> {
    // An operation without `security` inherits the document's: that is where it is written.
    if let [paths, path, method, security] = canonical {
        let operation = doc.get(paths).and_then(|p| p.get(path)).and_then(|i| i.get(method));
        if security == "security"
            && operation.is_some_and(|op| op.get("security").is_none())
            && doc.get("security").is_some()
        {
            return Some(join(&["security".to_owned()]));
        }
    }
    let mut node = doc;
    let mut found: Vec<String> = Vec::new();
    for segment in canonical {
        node = match step(node, segment, &mut found, doc) {
            Some(next) => next,
            None => break,
        };
    }
    if found.is_empty() && !canonical.is_empty() {
        return None;
    }
    Some(join(&found))
}

fn step<'a>(
    node: &'a Value,
    segment: &str,
    found: &mut Vec<String>,
    root: &'a Value,
) -> Option<&'a Value> {
    // Follow a `$ref` transparently (it was resolved during normalisation) unless it points at
    // a schema, which stays a reference in canonical form too.
    if let Some(target) = node.get("$ref").and_then(Value::as_str) {
        if !target.starts_with("#/components/schemas/") {
            let resolved = resolve(root, target)?;
            found.clear();
            found.extend(target.trim_start_matches("#/").split('/').map(unescape));
            return step(resolved, segment, found, root);
        }
    }
    if let Some(next) = node.get(segment) {
        found.push(segment.to_owned());
        return Some(next);
    }
    if let (Some(list), Some((location, name))) = (node.as_array(), segment.split_once(':')) {
        for (i, p) in list.iter().enumerate() {
            let p = match p.get("$ref").and_then(Value::as_str) {
                Some(target) => resolve(root, target).unwrap_or(p),
                None => p,
            };
            if p.get("in").and_then(Value::as_str) == Some(location)
                && p.get("name").and_then(Value::as_str) == Some(name)
            {
                found.push(i.to_string());
                return list.get(i);
            }
        }
    }
    for wrapper in ["oneOf", "anyOf", "allOf"] {
        if let Some(members) = node.get(wrapper).and_then(Value::as_array) {
            for (i, m) in members.iter().enumerate() {
                if m.get(segment).is_some() {
                    found.push(wrapper.to_owned());
                    found.push(i.to_string());
                    found.push(segment.to_owned());
                    return m.get(segment);
                }
            }
        }
    }
    None
}

fn unescape(s: &str) -> String {
    s.replace("~1", "/").replace("~0", "~")
}

/// Resolves a local reference (`#/a/b`).
pub fn resolve<'a>(root: &'a Value, reference: &str) -> Option<&'a Value> {
    let path = reference.strip_prefix('#')?;
    root.pointer(path)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn locates_parameters_by_key_and_schemas_through_wrappers() {
        let doc = json!({"paths": {"/u/{id}": {"get": {
            "parameters": [{"in": "query", "name": "q"}, {"in": "path", "name": "id", "schema": {"type": "string"}}]
        }}}, "components": {"schemas": {"A": {"properties": {"p": {"oneOf": [{"$ref": "#/components/schemas/B"}, {"type": "null"}]}}}}}});
        let seg = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert_eq!(
            locate(
                &doc,
                &seg(&["paths", "/u/{id}", "get", "parameters", "path:id", "schema", "type"])
            )
            .unwrap(),
            "#/paths/~1u~1{id}/get/parameters/1/schema/type"
        );
        assert_eq!(
            locate(&doc, &seg(&["components", "schemas", "A", "properties", "p", "$ref"])).unwrap(),
            "#/components/schemas/A/properties/p/oneOf/0/$ref"
        );
        assert_eq!(locate(&doc, &seg(&["nothing"])), None);
        assert_eq!(locate(&doc, &seg(&["paths", "/v"])).unwrap(), "#/paths");
    }
}

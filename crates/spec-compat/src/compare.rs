//! Comparing two canonical documents and reporting each difference.

use std::collections::BTreeSet;

use serde_json::Value;

use crate::normalise::normalise;
use crate::pointer::locate;

/// Which document a thing is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Side {
    /// The hand-maintained contract.
    Hand,
    /// The document generated from the code.
    Generated,
}

/// One way in which the two documents disagree.
#[derive(Debug, Clone, PartialEq)]
pub struct Difference {
    /// One line: where (operation or schema) and what.
    pub message: String,
    /// Pointer into the contract: the location itself, or `Err(nearest existing ancestor)`
    /// when the contract lacks it.
    pub hand_pointer: Result<String, String>,
    /// Pointer into the generated document, likewise.
    pub generated_pointer: Result<String, String>,
    /// The canonical subtrees that differ (`None` where absent).
    pub hand: Option<Value>,
    pub generated: Option<Value>,
}

impl Difference {
    /// `message [contract: POINTER | code: POINTER]`.
    pub fn headline(&self) -> String {
        fn show(p: &Result<String, String>) -> String {
            match p {
                Ok(p) => p.clone(),
                Err(nearest) => format!("absent, nearest {nearest}"),
            }
        }
        format!(
            "{} [contract: {} | code: {}]",
            self.message,
            show(&self.hand_pointer),
            show(&self.generated_pointer)
        )
    }
}

/// Every difference between the contract (`hand`) and the generated document, in a stable
/// order. Empty means they describe the same API.
pub fn compare(hand: &Value, generated: &Value) -> Vec<Difference> {
    let mut walk = Walk { hand_doc: hand, generated_doc: generated, out: Vec::new() };
    let a = normalise(hand);
    let b = normalise(generated);

    let paths_a = a["paths"].as_object().cloned().unwrap_or_default();
    let paths_b = b["paths"].as_object().cloned().unwrap_or_default();
    let mut operations: BTreeSet<(String, String)> = BTreeSet::new();
    for paths in [&paths_a, &paths_b] {
        for (path, methods) in paths {
            for method in methods.as_object().into_iter().flatten().map(|(m, _)| m) {
                operations.insert((path.clone(), method.clone()));
            }
        }
    }
    for (path, method) in &operations {
        let label = format!("{} {path}", method.to_uppercase());
        let at = vec!["paths".to_owned(), path.clone(), method.clone()];
        walk.compare_entry(
            &label,
            &at,
            paths_a.get(path).and_then(|p| p.get(method)),
            paths_b.get(path).and_then(|p| p.get(method)),
            (
                "operation is in the contract but not in the code",
                "operation is in the code but not in the contract (undocumented route)",
            ),
        );
    }

    for kind in ["schemas", "securitySchemes"] {
        let xs = a["components"][kind].as_object().cloned().unwrap_or_default();
        let ys = b["components"][kind].as_object().cloned().unwrap_or_default();
        let names: BTreeSet<&String> = xs.keys().chain(ys.keys()).collect();
        let noun = if kind == "schemas" { "schema" } else { "security scheme" };
        for name in names {
            let label = format!("{noun} {name}");
            let at = vec!["components".to_owned(), kind.to_owned(), name.clone()];
            walk.compare_entry(
                &label,
                &at,
                xs.get(name),
                ys.get(name),
                (
                    "defined in the contract but not in the code",
                    "defined in the code but not in the contract",
                ),
            );
        }
    }
    walk.out
}

struct Walk<'a> {
    hand_doc: &'a Value,
    generated_doc: &'a Value,
    out: Vec<Difference>,
}

impl Walk<'_> {
    /// An operation or component at `at` (three keys deep): compared where both documents have
    /// it, else reported with `only_in.0` (only in the contract) or `only_in.1` (only in the
    /// code).
    fn compare_entry(
        &mut self,
        label: &str,
        at: &[String],
        hand: Option<&Value>,
        generated: Option<&Value>,
        only_in: (&str, &str),
    ) {
        match (hand, generated) {
            (Some(x), Some(y)) => self.diff(label, at, 3, x, y),
            (Some(_), None) => self.report(label, only_in.0, at, hand, None),
            (None, Some(_)) => self.report(label, only_in.1, at, None, generated),
            (None, None) => {}
        }
    }

    fn report(
        &mut self,
        label: &str,
        what: &str,
        at: &[String],
        hand: Option<&Value>,
        generated: Option<&Value>,
    ) {
        let point = |doc: &Value, present: bool| {
            let found = locate(doc, at).unwrap_or_else(|| "#".to_owned());
            if present {
                Ok(found)
            } else {
                Err(found)
            }
        };
        self.out.push(Difference {
            message: format!("{label}: {what}"),
            hand_pointer: point(self.hand_doc, hand.is_some()),
            generated_pointer: point(self.generated_doc, generated.is_some()),
            hand: hand.cloned(),
            generated: generated.cloned(),
        });
    }

    /// A key present on one side only. A scalar (`nullable: true`, `format`) is shown with the
    /// object around it on both sides, which is what a reader needs to see, and the side
    /// without it points at that object.
    fn one_sided(
        &mut self,
        prefix: &str,
        parent: (&Value, &Value),
        key: &str,
        child: &str,
        side: Side,
        at: &[String],
    ) {
        let what = only_in(key, child, side);
        let value = match side {
            Side::Hand => parent.0.get(child),
            Side::Generated => parent.1.get(child),
        };
        let mut next = at.to_vec();
        next.push(child.to_owned());
        match side {
            Side::Hand => self.report(prefix, &what, &next, value, None),
            Side::Generated => self.report(prefix, &what, &next, None, value),
        }
        let scalar = value.is_some_and(|v| !v.is_object() && !v.is_array());
        if let (true, Some(last)) = (scalar, self.out.last_mut()) {
            last.hand = Some(parent.0.clone());
            last.generated = Some(parent.1.clone());
        }
    }

    /// Recursive structural diff. `base` is how many leading segments of `at` the label
    /// already names; the rest become a readable location inside it.
    fn diff(&mut self, label: &str, at: &[String], base: usize, a: &Value, b: &Value) {
        if a == b {
            return;
        }
        let here = describe(&at[base.min(at.len())..]);
        let prefix = if here.is_empty() { label.to_owned() } else { format!("{label} › {here}") };
        let key = at.last().map(String::as_str).unwrap_or("");
        match (a, b) {
            (Value::Object(x), Value::Object(y)) => {
                let keys: BTreeSet<&String> = x.keys().chain(y.keys()).collect();
                for k in keys {
                    let mut next = at.to_vec();
                    next.push(k.clone());
                    match (x.get(k), y.get(k)) {
                        (Some(p), Some(q)) => self.diff(label, &next, base, p, q),
                        (Some(_), None) => self.one_sided(&prefix, (a, b), key, k, Side::Hand, at),
                        (None, Some(_)) => {
                            self.one_sided(&prefix, (a, b), key, k, Side::Generated, at)
                        }
                        (None, None) => {}
                    }
                }
            }
            _ => {
                let what = changed(key, a, b);
                let parent = describe(&at[base.min(at.len())..at.len().saturating_sub(1)]);
                let prefix = if parent.is_empty() {
                    label.to_owned()
                } else {
                    format!("{label} › {parent}")
                };
                self.report(&prefix, &what, at, Some(a), Some(b));
            }
        }
    }
}

/// What it means that `child` of a node named `parent` exists on one side only.
fn only_in(parent: &str, child: &str, side: Side) -> String {
    let (there, missing) = match side {
        Side::Hand => ("contract", "code"),
        Side::Generated => ("code", "contract"),
    };
    let thing = match (parent, child) {
        ("properties", p) => format!("property `{p}`"),
        ("parameters", p) => format!("parameter `{p}`"),
        ("responses", s) => format!("status code {s}"),
        ("content", m) => format!("media type {m}"),
        ("headers", h) => format!("response header `{h}`"),
        ("links", l) => format!("link `{l}`"),
        (_, "nullable") => {
            return format!("nullable in the {there} but not in the {missing}");
        }
        (_, "requestBody") => "request body".to_owned(),
        (_, "headers") => "the headers block".to_owned(),
        (_, "links") => "the links block".to_owned(),
        (_, k) => format!("`{k}`"),
    };
    format!("{thing} is in the {there} but not in the {missing}")
}

/// What it means that a leaf differs.
fn changed(key: &str, a: &Value, b: &Value) -> String {
    match key {
        "required" if a.is_array() || b.is_array() => {
            let xs: BTreeSet<String> =
                a.as_array().into_iter().flatten().map(|v| v.to_string()).collect();
            let ys: BTreeSet<String> =
                b.as_array().into_iter().flatten().map(|v| v.to_string()).collect();
            let only_a: Vec<&String> = xs.difference(&ys).collect();
            let only_b: Vec<&String> = ys.difference(&xs).collect();
            format!(
                "required properties differ (only in the contract: {}; only in the code: {})",
                list(&only_a),
                list(&only_b)
            )
        }
        "$ref" => format!("refers to {} in the contract but {} in the code", short(a), short(b)),
        "security" => format!("security differs (contract: {}; code: {})", short(a), short(b)),
        _ => format!("`{key}` differs (contract: {}; code: {})", short(a), short(b)),
    }
}

fn list(items: &[&String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.iter().map(|s| s.trim_matches('"')).collect::<Vec<_>>().join(", ")
    }
}

fn short(v: &Value) -> String {
    let s = v.to_string();
    if s.chars().count() > 80 {
        format!("{}…", s.chars().take(79).collect::<String>())
    } else {
        s
    }
}

/// A readable location from canonical segments, e.g. `parameters › path:user_id › required`.
fn describe(segments: &[String]) -> String {
    segments.join(" › ")
}

/// The full report: per difference, the headline and a short line diff of the canonical
/// subtrees, then what to do about it.
pub fn render_report(differences: &[Difference], contract_path: &str) -> String {
    let mut out = String::new();
    for d in differences {
        out.push_str(&d.headline());
        out.push('\n');
        let pretty = |v: &Option<Value>| {
            v.as_ref()
                .map(|v| serde_json::to_string_pretty(v).unwrap_or_default())
                .unwrap_or_default()
        };
        let (a, b) = (pretty(&d.hand), pretty(&d.generated));
        let diff = similar::TextDiff::from_lines(&a, &b);
        // Changed lines with two lines of context, at most 16 lines per difference.
        let mut shown = 0;
        'hunks: for (i, group) in diff.grouped_ops(2).iter().enumerate() {
            if i > 0 {
                out.push_str("          …\n");
            }
            for op in group {
                for change in diff.iter_changes(op) {
                    if shown == 16 {
                        out.push_str("          …\n");
                        break 'hunks;
                    }
                    let sign = match change.tag() {
                        similar::ChangeTag::Delete => "- contract",
                        similar::ChangeTag::Insert => "+ code    ",
                        similar::ChangeTag::Equal => "          ",
                    };
                    out.push_str(&format!("    {sign} {}", change.value()));
                    if !change.value().ends_with('\n') {
                        out.push('\n');
                    }
                    shown += 1;
                }
            }
        }
    }
    if !differences.is_empty() {
        out.push_str(&format!(
            "\n{} difference(s). The contract ({contract_path}) is the source of truth: if the code is right, \
             edit the contract at the `contract:` pointer; otherwise fix the #[utoipa::path] / ToSchema \
             annotation (or the handler) behind the `code:` pointer. This tool never rewrites the spec.\n",
            differences.len()
        ));
    }
    out
}

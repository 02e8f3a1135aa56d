//! The contract's canonical layout, written by `cargo xtask fmt-contract` and checked by
//! `cargo xtask spec-check`: two-space indentation, and any object or array whose one-line form
//! (`{"a": 1, "b": [2, 3]}`) fits in [`WIDTH`] columns at its place is written on one line. So a
//! `{"$ref": …}` or a short schema takes one line, and a response or an operation stays spread
//! out. Only whitespace changes: keys keep their order, strings and numbers keep their exact
//! spelling (escapes included), so the document means the same before and after.
//!
//! serde_json's `Value` would sort the keys (the workspace does not enable `preserve_order`),
//! hence this small reader that keeps the source text of every scalar.

use std::path::Path;
use std::process::ExitCode;

/// The widest line the layout writes, unless a single scalar is wider by itself.
pub const WIDTH: usize = 100;

const CONTRACT: &str = "openapi/astral.json";

/// `cargo xtask fmt-contract [--check]`.
pub fn run(args: &[String], root: &Path) -> ExitCode {
    let check_only = match args {
        [] => false,
        [flag] if flag == "--check" => true,
        _ => {
            eprintln!("usage: cargo xtask fmt-contract [--check]");
            return ExitCode::FAILURE;
        }
    };
    let path = root.join(CONTRACT);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) => {
            eprintln!("fmt-contract: cannot read {CONTRACT}: {e}");
            return ExitCode::FAILURE;
        }
    };
    let formatted = match format(&text) {
        Ok(formatted) => formatted,
        Err(e) => {
            eprintln!("fmt-contract: {CONTRACT} is not JSON: {e}");
            return ExitCode::FAILURE;
        }
    };
    if formatted == text {
        println!("fmt-contract: {CONTRACT} is in its canonical layout");
        return ExitCode::SUCCESS;
    }
    if check_only {
        eprintln!("fmt-contract: {CONTRACT} is not in its canonical layout: run `cargo xtask fmt-contract`");
        return ExitCode::FAILURE;
    }
    match std::fs::write(&path, formatted) {
        Ok(()) => {
            println!("fmt-contract: rewrote {CONTRACT} in its canonical layout");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("fmt-contract: cannot write {CONTRACT}: {e}");
            ExitCode::FAILURE
        }
    }
}

/// A JSON value with the source text of its scalars and the order of its keys.
#[derive(Debug)]
enum Node<'a> {
    /// A string (with its quotes and escapes), number, `true`, `false` or `null`, as written.
    Scalar(&'a str),
    Array(Vec<Node<'a>>),
    /// Keys with their quotes and escapes, as written.
    Object(Vec<(&'a str, Node<'a>)>),
}

/// The canonical layout of `text`, which must be one JSON value.
pub fn format(text: &str) -> Result<String, String> {
    let mut reader = Reader { text, pos: 0 };
    let node = reader.value()?;
    reader.skip_whitespace();
    if reader.pos != text.len() {
        return Err(reader.error("text after the JSON value"));
    }
    let mut out = String::with_capacity(text.len());
    write(&node, 0, "", "", &mut out);
    Ok(out)
}

fn write(node: &Node, indent: usize, prefix: &str, suffix: &str, out: &mut String) {
    let pad = "  ".repeat(indent);
    let one_line = one_line(node);
    let fits = pad.chars().count()
        + prefix.chars().count()
        + one_line.chars().count()
        + suffix.chars().count()
        <= WIDTH;
    let (open, close, items): (char, char, Vec<(Option<&str>, &Node)>) = match node {
        Node::Array(items) if !fits => ('[', ']', items.iter().map(|n| (None, n)).collect()),
        Node::Object(entries) if !fits => {
            ('{', '}', entries.iter().map(|(k, n)| (Some(*k), n)).collect())
        }
        _ => {
            out.push_str(&format!("{pad}{prefix}{one_line}{suffix}\n"));
            return;
        }
    };
    out.push_str(&format!("{pad}{prefix}{open}\n"));
    let last = items.len().saturating_sub(1);
    for (i, (key, item)) in items.into_iter().enumerate() {
        let key = key.map(|k| format!("{k}: ")).unwrap_or_default();
        write(item, indent + 1, &key, if i < last { "," } else { "" }, out);
    }
    out.push_str(&format!("{pad}{close}{suffix}\n"));
}

fn one_line(node: &Node) -> String {
    match node {
        Node::Scalar(s) => (*s).to_owned(),
        Node::Array(items) => {
            format!("[{}]", items.iter().map(one_line).collect::<Vec<_>>().join(", "))
        }
        Node::Object(entries) => format!(
            "{{{}}}",
            entries
                .iter()
                .map(|(k, n)| format!("{k}: {}", one_line(n)))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    }
}

struct Reader<'a> {
    text: &'a str,
    pos: usize,
}

impl<'a> Reader<'a> {
    fn error(&self, what: &str) -> String {
        let line = self.text[..self.pos].matches('\n').count() + 1;
        format!("{what} at line {line}")
    }

    fn skip_whitespace(&mut self) {
        let rest = &self.text[self.pos..];
        self.pos += rest.len() - rest.trim_start_matches([' ', '\t', '\n', '\r']).len();
    }

    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.pos).copied()
    }

    fn expect(&mut self, byte: u8) -> Result<(), String> {
        self.skip_whitespace();
        if self.peek() == Some(byte) {
            self.pos += 1;
            Ok(())
        } else {
            Err(self.error(&format!("expected `{}`", byte as char)))
        }
    }

    /// An object's entries or an array's items, each read by `element`: from the opening byte
    /// (at `pos`) through `close`.
    fn sequence<T>(
        &mut self,
        close: u8,
        mut element: impl FnMut(&mut Self) -> Result<T, String>,
    ) -> Result<Vec<T>, String> {
        self.pos += 1;
        let mut elements = Vec::new();
        self.skip_whitespace();
        if self.peek() == Some(close) {
            self.pos += 1;
            return Ok(elements);
        }
        loop {
            elements.push(element(self)?);
            self.skip_whitespace();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(byte) if byte == close => {
                    self.pos += 1;
                    return Ok(elements);
                }
                _ => return Err(self.error(&format!("expected `,` or `{}`", close as char))),
            }
        }
    }

    fn value(&mut self) -> Result<Node<'a>, String> {
        self.skip_whitespace();
        match self.peek() {
            Some(b'{') => self
                .sequence(b'}', |p| {
                    p.skip_whitespace();
                    let key = p.string()?;
                    p.expect(b':')?;
                    Ok((key, p.value()?))
                })
                .map(Node::Object),
            Some(b'[') => self.sequence(b']', Self::value).map(Node::Array),
            Some(b'"') => self.string().map(Node::Scalar),
            Some(_) => {
                let start = self.pos;
                let rest = &self.text[start..];
                let len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || "+-.".contains(c)))
                    .unwrap_or(rest.len());
                let literal = &rest[..len];
                // serde_json judges the literal (number syntax, `true`, `false`, `null`).
                if len == 0 || serde_json::from_str::<serde_json::Value>(literal).is_err() {
                    return Err(self.error("expected a value"));
                }
                self.pos += len;
                Ok(Node::Scalar(literal))
            }
            None => Err(self.error("unexpected end")),
        }
    }

    /// A string token, quotes and escapes included, as written.
    fn string(&mut self) -> Result<&'a str, String> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string"));
        }
        let start = self.pos;
        let bytes = self.text.as_bytes();
        let mut i = start + 1;
        while i < bytes.len() {
            match bytes[i] {
                b'\\' => i += 2,
                b'"' => {
                    let token = &self.text[start..=i];
                    // serde_json judges the escapes and control characters.
                    if serde_json::from_str::<String>(token).is_err() {
                        return Err(self.error("invalid string"));
                    }
                    self.pos = i + 1;
                    return Ok(token);
                }
                _ => i += 1,
            }
        }
        Err(self.error("unterminated string"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn short_containers_go_on_one_line_and_long_ones_are_spread() {
        let text = r##"{"a":{"$ref":"#/x"},"list":[1,2.50,-3e2],"empty":{},"none":[],
            "long":{"description":"a description long enough that the one-line form cannot fit in the width","b":true}}"##;
        let expected = r##"{
  "a": {"$ref": "#/x"},
  "list": [1, 2.50, -3e2],
  "empty": {},
  "none": [],
  "long": {
    "description": "a description long enough that the one-line form cannot fit in the width",
    "b": true
  }
}
"##;
        assert_eq!(format(text).unwrap(), expected);
    }

    #[test]
    fn keys_keep_their_order_and_scalars_their_spelling() {
        let text = "{\"z\": \"\\u00e9\\\\u0000 \\\"q\\\" –\", \"a\": 1.0, \"m\": null}";
        assert_eq!(
            format(text).unwrap(),
            "{\"z\": \"\\u00e9\\\\u0000 \\\"q\\\" –\", \"a\": 1.0, \"m\": null}\n"
        );
    }

    #[test]
    fn the_layout_is_a_fixed_point_and_means_the_same() {
        let text = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("../openapi/astral.json"),
        )
        .unwrap();
        let once = format(&text).unwrap();
        assert_eq!(format(&once).unwrap(), once);
        let before: serde_json::Value = serde_json::from_str(&text).unwrap();
        let after: serde_json::Value = serde_json::from_str(&once).unwrap();
        assert_eq!(before, after);
        // A line is wider than WIDTH only for a scalar too long by itself.
        for line in once.lines().filter(|l| l.chars().count() > WIDTH) {
            let line = line.trim_end_matches(',');
            assert!(!line.ends_with(['}', ']']), "{line}");
        }
    }

    #[test]
    fn invalid_json_is_refused() {
        for bad in ["{", "{\"a\" 1}", "[1,]", "{\"a\": tru}", "\"\\x\"", "1 2", "[01x]"] {
            assert!(format(bad).is_err(), "{bad}");
        }
    }
}

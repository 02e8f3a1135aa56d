//! docs/api.md's error table and the catalogue (`astral_types::ErrorKind`) are one list: every
//! kind Astral answers is a row with its status, code and message, and the table has no row the
//! catalogue lacks.

use astral_types::ErrorKind;

const API_DOC: &str = include_str!("../../../../docs/api.md");

/// `(status, code, message)` of each row of the table in the `## Errors` section.
fn documented_errors() -> Vec<(u16, i32, String)> {
    let (_, section) =
        API_DOC.split_once("\n## Errors\n").expect("docs/api.md has an `## Errors` section");
    let section = section.split("\n## ").next().unwrap_or(section);
    let mut table = section
        .lines()
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'));
    let header = table.next().expect("the Errors section has a table");
    assert_eq!(
        cells(header)[..3],
        ["Status", "`code`", "`message`"],
        "the error table's first columns"
    );
    let _separator = table.next();
    table
        .map(|row| {
            let cells = cells(row);
            let status = cells[0].parse().unwrap_or_else(|_| panic!("status in {row}"));
            let code = cells[1].parse().unwrap_or_else(|_| panic!("code in {row}"));
            let message = cells[2]
                .strip_prefix('`')
                .and_then(|m| m.strip_suffix('`'))
                .unwrap_or_else(|| panic!("message in backticks in {row}"));
            (status, code, message.to_owned())
        })
        .collect()
}

fn cells(row: &str) -> Vec<&str> {
    row.trim().trim_matches('|').split('|').map(str::trim).collect()
}

#[test]
fn the_error_table_in_the_docs_is_the_catalogue() {
    let documented = documented_errors();
    let catalogue: Vec<(u16, i32, String)> = ErrorKind::CATALOGUE
        .iter()
        .map(|entry| (entry.status, entry.code.0, entry.message.to_owned()))
        .collect();
    for (entry, row) in ErrorKind::CATALOGUE.iter().zip(&catalogue) {
        assert!(
            documented.contains(row),
            "docs/api.md's error table lacks {}: {row:?}",
            entry.name
        );
    }
    for row in &documented {
        assert!(
            catalogue.contains(row),
            "docs/api.md's error table lists {row:?}, which is not in the catalogue"
        );
    }
    assert_eq!(documented.len(), catalogue.len(), "docs/api.md's error table lists a row twice");
}

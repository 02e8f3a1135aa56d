//! Decides whether the PostgreSQL half of tests/schema_parity.rs runs, by the rule astral-server's
//! build.rs uses for its integration tests (test_gate.rs): when `ASTRAL_TEST_DATABASE_URL` is
//! set, and always under `CI=true`.

include!("test_gate.rs");

fn main() {
    gate_tests("astral_pg_tests", "ASTRAL_TEST_DATABASE_URL");
}

//! Decides whether the PostgreSQL variants (and the Redis tests) of the integration tests run,
//! by the rule in astral-store's test_gate.rs.
//!
//! They run when `ASTRAL_TEST_DATABASE_URL` is set, and always under `CI=true`: there a missing
//! URL makes them fail loudly instead of being skipped. Elsewhere they are compiled but marked
//! ignored, so `cargo test` lists them as ignored rather than passing them silently.

include!("../astral-store/test_gate.rs");

fn main() {
    gate_tests("astral_pg_tests", "ASTRAL_TEST_DATABASE_URL");
    // Likewise the Redis tests (`ASTRAL_TEST_REDIS_URL`, and a `redis-server` binary for the
    // outage test).
    gate_tests("astral_redis_tests", "ASTRAL_TEST_REDIS_URL");
}

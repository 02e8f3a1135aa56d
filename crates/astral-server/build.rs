//! Decides whether the PostgreSQL variants (and the Redis tests) of the integration tests run.
//!
//! They run when `ASTRAL_TEST_DATABASE_URL` is set, and always under `CI=true`: there a missing
//! URL makes them fail loudly instead of being skipped. Elsewhere they are compiled but marked
//! ignored, so `cargo test` lists them as ignored rather than passing them silently.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(astral_pg_tests)");
    println!("cargo::rustc-check-cfg=cfg(astral_redis_tests)");
    println!("cargo:rerun-if-env-changed=ASTRAL_TEST_REDIS_URL");
    println!("cargo:rerun-if-env-changed=ASTRAL_TEST_DATABASE_URL");
    println!("cargo:rerun-if-env-changed=CI");
    let url_set = std::env::var("ASTRAL_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if url_set || ci {
        println!("cargo:rustc-cfg=astral_pg_tests");
    }
    // Likewise the Redis tests (`ASTRAL_TEST_REDIS_URL`, and a `redis-server` binary for the
    // outage test).
    let redis_set = std::env::var("ASTRAL_TEST_REDIS_URL").is_ok_and(|v| !v.is_empty());
    if redis_set || ci {
        println!("cargo:rustc-cfg=astral_redis_tests");
    }
}

//! Decides whether the PostgreSQL half of tests/schema_parity.rs runs, as astral-server's
//! build.rs does for its integration tests: when `ASTRAL_TEST_DATABASE_URL` is set, and always
//! under `CI=true` (where a missing URL must fail loudly, not skip). Elsewhere it is compiled
//! but marked ignored.

fn main() {
    println!("cargo::rustc-check-cfg=cfg(astral_pg_tests)");
    println!("cargo:rerun-if-env-changed=ASTRAL_TEST_DATABASE_URL");
    println!("cargo:rerun-if-env-changed=CI");
    let url_set = std::env::var("ASTRAL_TEST_DATABASE_URL").is_ok_and(|v| !v.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if url_set || ci {
        println!("cargo:rustc-cfg=astral_pg_tests");
    }
}

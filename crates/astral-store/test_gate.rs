// The one rule for gating integration tests on a service, `include!`d by astral-store's and
// astral-server's build scripts.

/// Declares `cfg(cfg)` and sets it when `url_variable` is set (not empty), and always under
/// `CI=true`: there a missing URL makes the gated tests fail loudly instead of being skipped.
/// Elsewhere they are compiled but marked ignored, so `cargo test` lists them as ignored rather
/// than passing them silently.
fn gate_tests(cfg: &str, url_variable: &str) {
    println!("cargo::rustc-check-cfg=cfg({cfg})");
    println!("cargo:rerun-if-env-changed={url_variable}");
    println!("cargo:rerun-if-env-changed=CI");
    let url_set = std::env::var(url_variable).is_ok_and(|v| !v.is_empty());
    let ci = std::env::var("CI").is_ok_and(|v| v == "true" || v == "1");
    if url_set || ci {
        println!("cargo:rustc-cfg={cfg}");
    }
}

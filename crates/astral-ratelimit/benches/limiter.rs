//! What rate limiting costs a request, measured against work every authenticated request
//! already does (hashing its token). Run: `cargo bench -p astral-ratelimit`.

use std::hint::black_box;
use std::net::{IpAddr, Ipv4Addr};

use astral_ratelimit::{Limiter, LimiterConfig, Quota, Subject};
use criterion::{criterion_group, criterion_main, Criterion};
use sha2::{Digest, Sha256};

#[expect(
    clippy::expect_used,
    reason = "criterion fixes the signature; a benchmark that cannot set up has nothing to measure and stops, as a test would"
)]
fn bench(c: &mut Criterion) {
    let runtime = tokio::runtime::Builder::new_current_thread().build().expect("runtime");
    let mut config = LimiterConfig::seed_defaults();
    // Never refuse, so every iteration takes the full admit-and-charge path.
    config.global = Quota::new(u32::MAX, std::time::Duration::from_secs(1));
    config.token_checks = Quota::new(u32::MAX, std::time::Duration::from_secs(1));
    config.routes[0].quota = Quota::new(u32::MAX, std::time::Duration::from_secs(1));
    let limiter = Limiter::new(config).expect("limiter");
    let ip = IpAddr::V4(Ipv4Addr::LOCALHOST);
    let tokens: Vec<String> =
        (0..1000).map(|i| format!("Bot MTIz.AAAA.secret-{i:04}-{}", "x".repeat(32))).collect();
    // After authentication a request is charged to its token's id.
    let subjects: Vec<Subject> =
        (0..1000).map(|i| Subject::Token(format!("1574{i:015}"))).collect();

    let mut group = c.benchmark_group("per request");
    let mut i = 0usize;
    group.bench_function("baseline: SHA-256 of the token (auth does this anyway)", |b| {
        b.iter(|| {
            i = (i + 1) % tokens.len();
            black_box(Sha256::digest(tokens[i].as_bytes()))
        })
    });
    group.bench_function("limiter check: GET (invalid-request look + global bucket)", |b| {
        b.iter(|| {
            i = (i + 1) % tokens.len();
            runtime.block_on(limiter.check("GET", "/users/@me", &subjects[i]))
        })
    });
    group.bench_function("limiter check: PATCH /users/@me (+ route bucket)", |b| {
        b.iter(|| {
            i = (i + 1) % tokens.len();
            runtime.block_on(limiter.check("PATCH", "/users/@me", &subjects[i]))
        })
    });
    group.bench_function("token gate (per address, before the token is looked up)", |b| {
        b.iter(|| runtime.block_on(limiter.check_token_gate(ip)))
    });
    group.finish();
}

criterion_group!(benches, bench);
criterion_main!(benches);

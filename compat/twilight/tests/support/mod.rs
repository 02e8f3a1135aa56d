//! The fixture, the check report, twilight's rate-limit events, and a bare HTTP GET for the
//! CDN (twilight-http only talks to the API).

use std::time::Duration;

use serde::Deserialize;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

#[derive(Debug, Deserialize)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub token: String,
}

/// What `cargo xtask compat` writes (see docs of the compat harness).
#[derive(Debug, Deserialize)]
pub struct Fixture {
    pub backend: String,
    pub base_url: String,
    pub bot: Account,
    pub user: Account,
    pub other_user: Account,
    pub guild_ids: Vec<String>,
    pub leave_guild_id: String,
}

impl Fixture {
    pub fn from_env() -> Fixture {
        let path = std::env::var("ASTRAL_COMPAT_FIXTURE").unwrap_or_else(|_| {
            panic!(
                "ASTRAL_COMPAT_FIXTURE is not set: this suite is run by `cargo xtask compat`, \
                 which starts Astral and writes the fixture file (or see \
                 compat/twilight/dev-fixture.sh)"
            )
        });
        let text = std::fs::read_to_string(&path)
            .unwrap_or_else(|e| panic!("cannot read the fixture {path}: {e}"));
        let fixture: Fixture = serde_json::from_str(&text)
            .unwrap_or_else(|e| panic!("the fixture {path} is not valid: {e}"));
        println!(
            "# twilight-http 0.18.0 against {} ({})",
            fixture.base_url, fixture.backend
        );
        fixture
    }

    /// `127.0.0.1:PORT`: what twilight's proxy option takes (it adds `http://` and `/api/v10`).
    pub fn host_port(&self) -> String {
        let rest = self
            .base_url
            .strip_prefix("http://")
            .unwrap_or_else(|| panic!("base_url {} is not http://", self.base_url));
        let host_port = rest.trim_end_matches('/');
        assert!(
            host_port.starts_with("127.0.0.1:") || host_port.starts_with("localhost:"),
            "the suite only talks to this machine, not {host_port}"
        );
        host_port.to_owned()
    }
}

/// One line per check (`ok` / `FAIL`), notes as `#` lines, a summary at the end.
#[derive(Default)]
pub struct Checks {
    passed: usize,
    failed: Vec<String>,
}

impl Checks {
    pub fn check(&mut self, name: &str, check: impl FnOnce() -> Result<String, String>) {
        match check() {
            Ok(detail) => {
                self.passed += 1;
                println!("ok - {name}: {detail}");
            }
            Err(reason) => {
                self.failed.push(name.to_owned());
                println!("not ok - {name}: {reason}");
            }
        }
    }

    pub fn note(&mut self, text: String) {
        println!("# {text}");
    }

    /// Prints the summary and returns the process exit code.
    pub fn finish(&self) -> i32 {
        println!(
            "# {} passed, {} failed{}",
            self.passed,
            self.failed.len(),
            if self.failed.is_empty() {
                String::new()
            } else {
                format!(": {}", self.failed.join("; "))
            }
        );
        i32::from(!self.failed.is_empty())
    }
}

/// `GET path` over plain HTTP/1.1: the status, the content type and the body length.
pub async fn http_get(host_port: &str, path: &str) -> Result<(u16, String, usize), String> {
    let exchange = async {
        let mut stream = tokio::net::TcpStream::connect(host_port)
            .await
            .map_err(|e| e.to_string())?;
        let request =
            format!("GET {path} HTTP/1.1\r\nHost: {host_port}\r\nConnection: close\r\n\r\n");
        stream
            .write_all(request.as_bytes())
            .await
            .map_err(|e| e.to_string())?;
        let mut answer = Vec::new();
        stream
            .read_to_end(&mut answer)
            .await
            .map_err(|e| e.to_string())?;
        Ok::<_, String>(answer)
    };
    let answer = tokio::time::timeout(Duration::from_secs(10), exchange)
        .await
        .map_err(|_| "no answer within 10 s".to_owned())??;
    let split = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no end of headers")?;
    let head = String::from_utf8_lossy(&answer[..split]);
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|l| l.split(' ').nth(1))
        .and_then(|s| s.parse().ok())
        .ok_or("no status line")?;
    let content_type = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(name, _)| name.eq_ignore_ascii_case("content-type"))
        .map(|(_, value)| value.trim().to_owned())
        .unwrap_or_default();
    Ok((status, content_type, answer.len() - split - 4))
}

/// Counts of the tracing events twilight emits while rate limiting, so a check can say how
/// many requests twilight actually sent and how many 429s it took (it logs each one).
pub mod events {
    use std::fmt::Debug;
    use std::sync::atomic::{AtomicU64, Ordering};

    use tracing::field::{Field, Visit};
    use tracing::span::{Attributes, Id, Record};
    use tracing::{Event, Metadata, Subscriber};

    /// twilight-http-ratelimiting's actor: one per request it lets out (retries included).
    static PERMITS: AtomicU64 = AtomicU64::new(0);
    /// twilight-http's response future on every 429 it receives, just before retrying.
    static RETRIES: AtomicU64 = AtomicU64::new(0);
    /// twilight-http on a 429 whose `X-RateLimit-Scope` is `global`.
    static GLOBAL: AtomicU64 = AtomicU64::new(0);

    #[derive(Debug, Clone, Default)]
    pub struct Counts {
        pub permits: u64,
        pub retries: u64,
        pub global: u64,
    }

    impl Counts {
        pub fn since(&self, earlier: &Counts) -> Counts {
            Counts {
                permits: self.permits - earlier.permits,
                retries: self.retries - earlier.retries,
                global: self.global - earlier.global,
            }
        }
    }

    pub fn snapshot() -> Counts {
        Counts {
            permits: PERMITS.load(Ordering::SeqCst),
            retries: RETRIES.load(Ordering::SeqCst),
            global: GLOBAL.load(Ordering::SeqCst),
        }
    }

    pub fn install() {
        tracing::subscriber::set_global_default(Counter)
            .expect("no other tracing subscriber is installed");
    }

    struct Counter;

    struct Message(Option<String>);

    impl Visit for Message {
        fn record_debug(&mut self, field: &Field, value: &dyn Debug) {
            if field.name() == "message" {
                self.0 = Some(format!("{value:?}"));
            }
        }
    }

    impl Subscriber for Counter {
        fn enabled(&self, metadata: &Metadata<'_>) -> bool {
            metadata.is_event() && metadata.target().starts_with("twilight_http")
        }

        fn new_span(&self, _: &Attributes<'_>) -> Id {
            // Spans are never enabled (see `enabled`), so this id is never used.
            Id::from_u64(1)
        }

        fn record(&self, _: &Id, _: &Record<'_>) {}

        fn record_follows_from(&self, _: &Id, _: &Id) {}

        fn event(&self, event: &Event<'_>) {
            let mut message = Message(None);
            event.record(&mut message);
            let counter = match message.0.as_deref() {
                Some("permitted") => &PERMITS,
                Some("rate limited; retrying") => &RETRIES,
                Some("globally rate limited") => &GLOBAL,
                _ => return,
            };
            counter.fetch_add(1, Ordering::SeqCst);
        }

        fn enter(&self, _: &Id) {}

        fn exit(&self, _: &Id) {}
    }
}

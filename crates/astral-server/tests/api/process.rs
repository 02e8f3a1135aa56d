//! The real `astral serve` binary as a child process, for what an in-process server cannot
//! show: its log output, SIGTERM, `kill -9` and restarts on the same database.

use std::io::{BufRead, BufReader};
use std::net::TcpListener;
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

/// A running `astral serve`. Killed (SIGKILL) and reaped on drop, so a failing test leaves no
/// server behind.
pub struct ServerProcess {
    child: Child,
    pub root: String,
    lines: Arc<Mutex<Vec<String>>>,
    reader: Option<std::thread::JoinHandle<()>>,
    /// The media directory [`serve`](Self::serve) made, removed after the process.
    _media: Option<tempfile::TempDir>,
}

/// Registers `username` (password `correct horse battery`) through `api`, a server's
/// `/api/v10`, as any client would; it must be created. Answers the 201's body (`token`,
/// `user_id`).
pub async fn register_account(http: &reqwest::Client, api: &str, username: &str) -> Value {
    let response = http
        .post(format!("{api}/auth/register"))
        .json(&json!({"username": username, "password": "correct horse battery"}))
        .send()
        .await
        .expect("register");
    assert_eq!(response.status(), 201, "register {username}");
    response.json().await.expect("registration answer is JSON")
}

/// `astral serve` with its database at `database_url`, on a free port of 127.0.0.1, rate limits
/// off (tests drive it hard on purpose), uploads in `media_dir`, plus `env`.
pub fn command(database_url: &str, media_dir: &std::path::Path, env: &[(&str, &str)]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_astral"));
    cmd.arg("serve")
        .env_remove("ASTRAL_CONFIG")
        .env("ASTRAL_DATABASE_URL", database_url)
        .env("ASTRAL_MEDIA_DIR", media_dir)
        .env("ASTRAL_RATE_LIMITS", "off")
        .env("ASTRAL_WORKERS", "2")
        .env("ASTRAL_DB_POOL_SIZE", "4");
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd
}

pub fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").and_then(|l| l.local_addr()).expect("free port").port()
}

impl ServerProcess {
    /// Starts the server and waits until `/healthz` answers 200.
    pub async fn start(mut cmd: Command) -> ServerProcess {
        let port = free_port();
        cmd.env("ASTRAL_BIND", format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        let mut child = cmd.spawn().expect("spawn astral serve");
        let stderr = child.stderr.take().expect("stderr");
        let lines = Arc::new(Mutex::new(Vec::new()));
        let sink = Arc::clone(&lines);
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                sink.lock().expect("log lines").push(line);
            }
        });
        let mut server = ServerProcess {
            child,
            root: format!("http://127.0.0.1:{port}"),
            lines,
            reader: Some(reader),
            _media: None,
        };
        server.wait_healthy(Duration::from_secs(30)).await;
        server
    }

    /// Starts `astral serve` on `database_url` with `env` and a media directory of its own,
    /// kept as long as the process.
    pub async fn serve(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let media = tempfile::tempdir().unwrap();
        let mut server = ServerProcess::start(command(database_url, media.path(), env)).await;
        server._media = Some(media);
        server
    }

    async fn wait_healthy(&mut self, within: Duration) {
        let http = reqwest::Client::new();
        let deadline = Instant::now() + within;
        loop {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("astral serve exited with {status}:\n{}", self.logs());
            }
            let ok = http
                .get(format!("{}/healthz", self.root))
                .timeout(Duration::from_secs(2))
                .send()
                .await
                .is_ok_and(|r| r.status() == 200);
            if ok {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "astral serve did not become healthy:\n{}",
                self.logs()
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    pub fn api(&self) -> String {
        format!("{}/api/v10", self.root)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// `kill -9`: no shutdown, no flush, no goodbye.
    pub fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, through kill(1) (this crate forbids unsafe code, so no libc::kill).
    pub fn sigterm(&self) {
        let status = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status()
            .expect("run kill");
        assert!(status.success());
    }

    /// Waits for the process to exit by itself.
    pub async fn wait_exit(&mut self, within: Duration) -> Option<ExitStatus> {
        let deadline = Instant::now() + within;
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Some(status);
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        None
    }

    /// Everything the server wrote to stderr so far (after it exited: everything).
    pub fn logs(&mut self) -> String {
        if matches!(self.child.try_wait(), Ok(Some(_))) {
            if let Some(reader) = self.reader.take() {
                let _ = reader.join();
            }
        }
        self.lines.lock().expect("log lines").join("\n")
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

//! A real `astral serve` process for the commands that drive the server from outside
//! (`api-fuzz`, `compat`): builds the binary through `$CARGO`, gives it a fresh database
//! (a temporary SQLite file, or a new PostgreSQL database created with `psql`), starts it on a
//! free 127.0.0.1 port, waits for `/healthz`, and kills it (and drops the database) on drop.
//!
//! Accounts are created the documented way: bots with `astral users create --bot`, people with
//! `POST /api/v10/auth/register`. HTTP is a few lines over `TcpStream` so the xtask stays light.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

/// Where the server keeps its data.
#[derive(Debug, Clone)]
pub enum Backend {
    Sqlite,
    /// An admin URL such as `postgres://postgres@127.0.0.1:5432/test`; a new database is created
    /// next to the one it names and dropped afterwards.
    Postgres(String),
}

impl Backend {
    pub fn name(&self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres(_) => "postgres",
        }
    }

    /// SQLite always; PostgreSQL too when `ASTRAL_TEST_DATABASE_URL` is set (CI sets it).
    pub fn from_env() -> Vec<Backend> {
        let mut backends = vec![Backend::Sqlite];
        if let Ok(url) = std::env::var("ASTRAL_TEST_DATABASE_URL") {
            if !url.is_empty() {
                backends.push(Backend::Postgres(url));
            }
        }
        backends
    }
}

pub struct ServerOptions {
    pub backend: Backend,
    /// `false` sets `ASTRAL_RATE_LIMITS=off`.
    pub rate_limits: bool,
    /// Further `ASTRAL_*` settings, e.g. `("ASTRAL_RATE_LIMIT_GLOBAL", "5/1s")`.
    pub env: Vec<(String, String)>,
}

/// A created account: `token` is what goes into `Authorization` (with `Bot ` for bots).
#[derive(Debug, Clone)]
pub struct Account {
    pub id: String,
    pub username: String,
    pub token: String,
}

pub struct Server {
    child: Child,
    binary: PathBuf,
    /// e.g. `http://127.0.0.1:41234` (no trailing slash); the API is under `/api/v10`.
    pub base_url: String,
    pub address: String,
    pub database_url: String,
    workdir: PathBuf,
    dropped_database: Option<(String, String)>,
    log_path: PathBuf,
}

pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().map(Path::to_path_buf).unwrap_or_default()
}

/// Builds `astral` (dev profile unless `ASTRAL_XTASK_PROFILE` names another) and returns its path.
pub fn build_astral() -> Result<PathBuf, String> {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let profile = std::env::var("ASTRAL_XTASK_PROFILE").unwrap_or_else(|_| "dev".to_owned());
    let root = workspace_root();
    let status = Command::new(&cargo)
        .current_dir(&root)
        .args(["build", "--quiet", "--profile", &profile, "--bin", "astral"])
        .status()
        .map_err(|e| format!("cannot run {cargo}: {e}"))?;
    if !status.success() {
        return Err("building the astral binary failed".to_owned());
    }
    let target = std::env::var("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|_| root.join("target"));
    let dir = if profile == "dev" { "debug" } else { &profile };
    Ok(target.join(dir).join("astral"))
}

fn free_port() -> Result<u16, String> {
    let listener = TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    listener.local_addr().map(|a| a.port()).map_err(|e| e.to_string())
}

fn unique_name(prefix: &str) -> String {
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    format!("{prefix}_{}_{nanos}", std::process::id())
}

fn psql(admin_url: &str, sql: &str) -> Result<(), String> {
    let output = Command::new("psql")
        .args([admin_url, "-v", "ON_ERROR_STOP=1", "-qc", sql])
        .output()
        .map_err(|e| format!("cannot run psql: {e}"))?;
    if output.status.success() {
        Ok(())
    } else {
        Err(format!("psql {sql:?} failed: {}", String::from_utf8_lossy(&output.stderr)))
    }
}

/// `postgres://u@h:p/db?x` with the database name replaced.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let base = match base.rfind('/') {
        Some(slash)
            if base[..slash].contains("://") && slash > base.find("://").unwrap_or(0) + 2 =>
        {
            &base[..slash]
        }
        _ => base,
    };
    match query {
        Some(q) => format!("{base}/{database}?{q}"),
        None => format!("{base}/{database}"),
    }
}

impl Server {
    pub fn start(binary: &Path, options: ServerOptions) -> Result<Server, String> {
        let workdir = std::env::temp_dir().join(unique_name("astral-xtask"));
        std::fs::create_dir_all(&workdir).map_err(|e| e.to_string())?;
        let (database_url, dropped_database) = match &options.backend {
            Backend::Sqlite => (format!("sqlite://{}", workdir.join("astral.db").display()), None),
            Backend::Postgres(admin) => {
                let name = unique_name("astral_xtask");
                psql(admin, &format!("CREATE DATABASE {name}"))?;
                (with_database(admin, &name), Some((admin.clone(), name)))
            }
        };
        let port = free_port()?;
        let address = format!("127.0.0.1:{port}");
        let log_path = workdir.join("server.log");
        let child = spawn(binary, &address, &database_url, &workdir, &log_path, &options)?;
        let mut server = Server {
            child,
            binary: binary.to_path_buf(),
            base_url: format!("http://{address}"),
            address,
            database_url,
            workdir,
            dropped_database,
            log_path,
        };
        server.wait_healthy(Duration::from_secs(60))?;
        Ok(server)
    }

    /// Stops the server and starts it again on the same database, address and media directory
    /// with `options`' settings (its backend is ignored: the database stays), e.g. after a
    /// database was seeded, or to switch rate limits on. Returns the time from the spawn to
    /// `/healthz` answering 200 (polled every 2 ms), the server's start-up time.
    pub fn restart(&mut self, options: &ServerOptions) -> Result<Duration, String> {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let started = Instant::now();
        self.child = spawn(
            &self.binary,
            &self.address,
            &self.database_url,
            &self.workdir,
            &self.log_path,
            options,
        )?;
        self.wait_healthy_every(Duration::from_secs(60), Duration::from_millis(2))?;
        Ok(started.elapsed())
    }

    /// The server process's id (for /proc/<pid>/status).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_healthy(&mut self, limit: Duration) -> Result<(), String> {
        self.wait_healthy_every(limit, Duration::from_millis(100))
    }

    fn wait_healthy_every(&mut self, limit: Duration, poll: Duration) -> Result<(), String> {
        let started = Instant::now();
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "astral exited with {status} before answering; its log:\n{}",
                    self.log()
                ));
            }
            if let Ok(response) = self.request("GET", "/healthz", None, None) {
                if response.status == 200 {
                    return Ok(());
                }
            }
            std::thread::sleep(poll);
        }
        Err(format!("astral did not answer /healthz within {limit:?}; its log:\n{}", self.log()))
    }

    /// What the server wrote to stderr so far.
    pub fn log(&self) -> String {
        std::fs::read_to_string(&self.log_path).unwrap_or_default()
    }

    /// A bot account made with `astral users create --bot` against this server's database.
    pub fn create_bot(&self, username: &str) -> Result<Account, String> {
        let output = Command::new(&self.binary)
            .args(["users", "create", "--bot", "--username", username])
            .env("ASTRAL_DATABASE_URL", &self.database_url)
            .env("ASTRAL_LOG", "warn")
            .output()
            .map_err(|e| e.to_string())?;
        if !output.status.success() {
            // The status and both streams: a run once failed here with an empty stderr.
            return Err(format!(
                "astral users create --bot failed ({}): stderr: {} stdout: {}",
                output.status,
                String::from_utf8_lossy(&output.stderr),
                String::from_utf8_lossy(&output.stdout)
            ));
        }
        let line: Value = serde_json::from_slice(&output.stdout).map_err(|e| e.to_string())?;
        account_from(&line, "token")
    }

    /// A person registered through `POST /api/v10/auth/register`.
    pub fn register(&self, username: &str, password: &str) -> Result<Account, String> {
        self.register_account(&serde_json::json!({"username": username, "password": password}))
    }

    /// Like [`Server::register`], with any `RegisterRequest` body (e.g. with an `email`).
    pub fn register_account(&self, body: &Value) -> Result<Account, String> {
        let username = body["username"].as_str().unwrap_or_default();
        let response = self.request("POST", "/api/v10/auth/register", None, Some(body))?;
        if response.status != 201 && response.status != 200 {
            return Err(format!("register {username}: {} {}", response.status, response.text));
        }
        let value = response.json()?;
        let field = |key: &str| {
            value[key]
                .as_str()
                .map(str::to_owned)
                .ok_or_else(|| format!("register answered without {key}: {value}"))
        };
        Ok(Account { id: field("user_id")?, username: username.to_owned(), token: field("token")? })
    }

    /// One HTTP/1.1 request; `authorization` is sent as given (include `Bot ` yourself).
    pub fn request(
        &self,
        method: &str,
        path: &str,
        authorization: Option<&str>,
        body: Option<&Value>,
    ) -> Result<HttpResponse, String> {
        http(&self.address, method, path, authorization, body)
    }
}

/// Starts `astral serve` on `address` and `database_url`, its stderr appended to `log_path`.
fn spawn(
    binary: &Path,
    address: &str,
    database_url: &str,
    workdir: &Path,
    log_path: &Path,
    options: &ServerOptions,
) -> Result<Child, String> {
    let log = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path)
        .map_err(|e| e.to_string())?;
    let mut command = Command::new(binary);
    command
        .arg("serve")
        .env("ASTRAL_BIND", address)
        .env("ASTRAL_DATABASE_URL", database_url)
        .env("ASTRAL_MEDIA_DIR", workdir.join("media"))
        .env("ASTRAL_LOG", "info")
        .stdout(Stdio::null())
        .stderr(log);
    if !options.rate_limits {
        command.env("ASTRAL_RATE_LIMITS", "off");
    }
    for (key, value) in &options.env {
        command.env(key, value);
    }
    command.spawn().map_err(|e| format!("cannot start {}: {e}", binary.display()))
}

fn account_from(value: &Value, token_key: &str) -> Result<Account, String> {
    let field = |key: &str| {
        value[key].as_str().map(str::to_owned).ok_or_else(|| format!("missing {key} in {value}"))
    };
    Ok(Account { id: field("id")?, username: field("username")?, token: field(token_key)? })
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        if let Some((admin, name)) = self.dropped_database.take() {
            let _ = psql(&admin, &format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"));
        }
        let _ = std::fs::remove_dir_all(&self.workdir);
    }
}

#[derive(Debug)]
pub struct HttpResponse {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub text: String,
}

impl HttpResponse {
    pub fn json(&self) -> Result<Value, String> {
        serde_json::from_str(&self.text).map_err(|e| format!("{e} in {:?}", self.text))
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }
}

/// One HTTP/1.1 request to `address` (`host:port`), `Connection: close`.
pub fn http(
    address: &str,
    method: &str,
    path: &str,
    authorization: Option<&str>,
    body: Option<&Value>,
) -> Result<HttpResponse, String> {
    let mut stream = TcpStream::connect(address).map_err(|e| e.to_string())?;
    stream.set_read_timeout(Some(Duration::from_secs(30))).map_err(|e| e.to_string())?;
    let payload = body.map(Value::to_string).unwrap_or_default();
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: {address}\r\nConnection: close\r\n");
    if let Some(auth) = authorization {
        head.push_str(&format!("Authorization: {auth}\r\n"));
    }
    if body.is_some() {
        head.push_str("Content-Type: application/json\r\n");
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", payload.len()));
    stream
        .write_all(head.as_bytes())
        .and_then(|()| stream.write_all(payload.as_bytes()))
        .map_err(|e| e.to_string())?;
    let mut raw = Vec::new();
    stream.read_to_end(&mut raw).map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&raw);
    let (head, body) =
        text.split_once("\r\n\r\n").ok_or_else(|| format!("malformed response: {text:?}"))?;
    let mut lines = head.lines();
    let status = lines
        .next()
        .and_then(|line| line.split_whitespace().nth(1))
        .and_then(|code| code.parse().ok())
        .ok_or_else(|| format!("malformed status line: {head:?}"))?;
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let chunked = headers.iter().any(|(k, v)| {
        k.eq_ignore_ascii_case("transfer-encoding") && v.eq_ignore_ascii_case("chunked")
    });
    let text = if chunked { dechunk(body) } else { body.to_owned() };
    Ok(HttpResponse { status, headers, text })
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let Ok(size) = usize::from_str_radix(size.trim(), 16) else {
            break;
        };
        if size == 0 || rest.len() < size {
            break;
        }
        out.push_str(&rest[..size]);
        body = rest[size..].trim_start_matches("\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_is_replaced() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test?sslmode=disable", "x"),
            "postgres://postgres@127.0.0.1:5432/x?sslmode=disable"
        );
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
    }

    #[test]
    fn chunked_bodies_are_joined() {
        assert_eq!(dechunk("3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n"), "abcde");
    }
}

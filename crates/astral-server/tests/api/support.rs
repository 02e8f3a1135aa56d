//! Test harness: `TestDb` (a temp-file SQLite database, or a fresh PostgreSQL schema),
//! `TestApp` (the real app on 127.0.0.1:0), the `backend_test!` macro, and contract checks
//! that validate responses against openapi/astral.json and Discord's published schemas.

use std::net::TcpListener;
use std::sync::{Arc, LazyLock};

use actix_web::{web, HttpServer};
use astral_ratelimit::{Limiter, LimiterConfig, ManualClock};
use astral_server::config::UsernameRule;
use astral_server::AppState;
use astral_store::testing::PostgresSchema;
use astral_store::{Store, StoreConfig};
use serde_json::{json, Value};

/// `backend_test!(name);` above `async fn name(app: TestApp)` runs it once per backend, as the
/// tests `name::sqlite` and `name::postgres`, each on a freshly started `TestApp`. The body is a
/// plain function so that rustfmt formats it (a body inside a macro call escapes it). A function
/// in the value namespace and a module in the type namespace may share a name, so the test keeps
/// the function's; a function that no `backend_test!` names is dead code, which clippy refuses.
macro_rules! backend_test {
    ($name:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                let db = crate::support::TestDb::sqlite();
                super::$name(crate::support::TestApp::start(db).await).await;
            }

            #[actix_web::test]
            #[cfg_attr(
                not(astral_pg_tests),
                ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL"
            )]
            async fn postgres() {
                let db = crate::support::TestDb::postgres();
                super::$name(crate::support::TestApp::start(db).await).await;
            }
        }
    };
}
pub(crate) use backend_test;

/// `backend_db_test!(name, function);` runs `async fn function(db: TestDb)` once per backend, as
/// `name::sqlite` and `name::postgres`: for tests that start the app their own way (options,
/// several instances, the real binary).
macro_rules! backend_db_test {
    ($name:ident, $function:ident) => {
        mod $name {
            #[actix_web::test]
            async fn sqlite() {
                super::$function(crate::support::TestDb::sqlite()).await;
            }

            #[actix_web::test]
            #[cfg_attr(
                not(astral_pg_tests),
                ignore = "set ASTRAL_TEST_DATABASE_URL to run on PostgreSQL"
            )]
            async fn postgres() {
                super::$function(crate::support::TestDb::postgres()).await;
            }
        }
    };
}
pub(crate) use backend_db_test;

pub enum TestDb {
    Sqlite {
        dir: tempfile::TempDir,
    },
    Postgres {
        schema: PostgresSchema,
    },
    /// Another instance's database, owned (and cleaned up) by that instance.
    Shared {
        url: String,
    },
}

impl TestDb {
    pub fn sqlite() -> TestDb {
        TestDb::Sqlite { dir: tempfile::tempdir().expect("temp dir") }
    }

    /// A fresh schema in the database named by `ASTRAL_TEST_DATABASE_URL`. Reaching this
    /// without the variable means CI asked for PostgreSQL tests: fail loudly.
    pub fn postgres() -> TestDb {
        TestDb::Postgres { schema: PostgresSchema::for_tests() }
    }

    /// The backend's name for a test's report: `sqlite` or `postgresql`.
    pub fn backend(&self) -> &'static str {
        if self.url().starts_with("postgres") {
            "postgresql"
        } else {
            "sqlite"
        }
    }

    pub fn url(&self) -> String {
        match self {
            TestDb::Sqlite { dir } => format!("sqlite://{}", self.sqlite_path_in(dir)),
            TestDb::Postgres { schema } => schema.url.clone(),
            TestDb::Shared { url } => url.clone(),
        }
    }

    pub fn sqlite_path(&self) -> Option<String> {
        match self {
            TestDb::Sqlite { dir } => Some(self.sqlite_path_in(dir)),
            TestDb::Postgres { .. } | TestDb::Shared { .. } => None,
        }
    }

    fn sqlite_path_in(&self, dir: &tempfile::TempDir) -> String {
        dir.path().join("astral.db").display().to_string()
    }
}

/// Options for starting the app.
pub struct TestOptions {
    pub max_body_bytes: usize,
    pub sqlite_busy_timeout_ms: u64,
    pub pool_timeout_secs: u64,
    /// Off by default, so that tests of other features are not throttled.
    pub rate_limits: Option<LimiterConfig>,
    /// The limiter's and the app's clock (`AppState::clock`); the system clock when `None`.
    pub clock: Option<Arc<ManualClock>>,
    /// Discord's 1000 by default; small to test the limit.
    pub max_friends: i64,
    /// The JSON body limit of routes without images and the body-read deadline.
    pub body: astral_server::body::BodyLimits,
    /// The image workers (the defaults for two cores unless a test sets them).
    pub images: astral_media::WorkerSettings,
    /// The CDN routes' per-address limit; off by default, like the rate limits.
    pub image_rate_limit: Option<astral_ratelimit::Quota>,
    // issue 16 D
    /// `deletion_grace_hours` in milliseconds (the default's unless a test sets it).
    pub deletion_grace_ms: i64,
    /// Where account mail goes: the outbox unless a test sets `smtp_url` (issue 16 B).
    pub mail: astral_server::mail::MailSettings,
    // issue 16 C
    /// The MFA sealing key: a fixed test key unless a test sets `None` (not configured).
    pub mfa_key: Option<astral_server::crypto::MfaKey>,
    // issue 18
    /// The token cache, on by default as in `astral serve`; `None`: off.
    pub token_cache: Option<astral_store::TokenCacheConfig>,
}

impl Default for TestOptions {
    fn default() -> Self {
        TestOptions {
            max_body_bytes: astral_server::config::DEFAULT_MAX_BODY_BYTES,
            sqlite_busy_timeout_ms: 5000,
            pool_timeout_secs: 5,
            rate_limits: None,
            clock: None,
            max_friends: astral_server::handlers::relationships::MAX_FRIENDS,
            body: astral_server::body::BodyLimits::default(),
            images: astral_media::WorkerSettings::for_cores(2),
            image_rate_limit: None,
            // issue 16 D
            deletion_grace_ms: astral_server::config::DEFAULT_DELETION_GRACE_HOURS as i64
                * 3_600_000,
            mail: astral_server::mail::MailSettings::default(),
            // issue 16 C
            mfa_key: Some(test_mfa_key()),
            // issue 18: on, as in `astral serve`.
            token_cache: Some(astral_store::TokenCacheConfig::default()),
        }
    }
}

pub struct TestApp {
    /// `http://127.0.0.1:PORT`
    pub root: String,
    pub http: reqwest::Client,
    server: actix_web::dev::ServerHandle,
    /// Uploaded images of this instance.
    pub media_dir: tempfile::TempDir,
    /// Its image workers (their render count shows single-flight at work).
    pub images: Arc<astral_media::ImageWorkers>,
    /// Its state (metrics, the shutting-down flag).
    pub state: web::Data<AppState>,
    // Last, so the database outlives the server.
    pub db: TestDb,
}

impl TestApp {
    pub async fn start(db: TestDb) -> TestApp {
        Self::start_with(db, TestOptions::default()).await
    }

    /// [`start_with`](Self::start_with) on a fresh SQLite database.
    pub async fn sqlite(options: TestOptions) -> TestApp {
        Self::start_with(TestDb::sqlite(), options).await
    }

    pub async fn start_with(db: TestDb, options: TestOptions) -> TestApp {
        let mut config = StoreConfig::new(db.url());
        config.pool_size = 4;
        config.pool_timeout = std::time::Duration::from_secs(options.pool_timeout_secs);
        config.connection.sqlite_busy_timeout =
            std::time::Duration::from_millis(options.sqlite_busy_timeout_ms);
        let store = Store::open(&config).expect("open store");
        store.migrate().expect("migrate");
        if let Some(cache) = options.token_cache {
            store.start_token_cache(cache);
        }
        let clock: Arc<dyn astral_ratelimit::Clock> = match &options.clock {
            Some(clock) => clock.clone(),
            None => Arc::new(astral_ratelimit::SystemClock),
        };
        let limiter = options.rate_limits.map(|config| {
            let limiter = match options.clock {
                Some(clock) => Limiter::with_clock(config, clock),
                None => Limiter::new(config),
            };
            Arc::new(limiter.expect("limiter"))
        });
        let media_dir = tempfile::tempdir().expect("media dir");
        let media = astral_media::DiskStore::open(media_dir.path()).expect("media store");
        let pool = |name, timeout| {
            Arc::new(astral_server::pool::BoundedPool::new(name, 2, timeout).expect("pool"))
        };
        let images = astral_media::ImageWorkers::new(Arc::new(media), options.images);
        let store = Arc::new(store);
        if options.token_cache.is_some() {
            CACHED_STORES.lock().expect("cached stores").push(Arc::downgrade(&store));
        }
        let last_use = astral_server::last_use::LastUseRecorder::start(Arc::clone(&store))
            .expect("last-use writer");
        let state = web::Data::new(AppState {
            password_pool: pool("password", std::time::Duration::from_secs(30)),
            json_pool: pool("json", options.body.timeout),
            body: options.body,
            images: Arc::clone(&images),
            image_rate_limit: options.image_rate_limit.map(|quota| {
                // One trusted-proxy list for the API scopes and the CDN routes, as in `astral serve`.
                let trusted = limiter.as_ref().map(|l| l.config().trusted_proxies.clone());
                Arc::new(astral_server::handlers::images::AddressLimit::new(
                    quota,
                    trusted.unwrap_or_default(),
                ))
            }),
            max_friends: options.max_friends,
            clock,
            store,
            last_use,
            username_rule: UsernameRule::default(),
            max_body_bytes: options.max_body_bytes,
            limiter,
            metrics: Arc::new(astral_server::metrics::Metrics::new()),
            shutting_down: Arc::new(std::sync::atomic::AtomicBool::new(false)),
            // issue 16 D
            deletion_grace_ms: options.deletion_grace_ms,
            mailer: Arc::new(astral_server::mail::Mailer::new(&options.mail).expect("mailer")),
            mfa_key: options.mfa_key.clone(),
        });
        state.metrics.observe(&state.store, &state.images);
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let app_state = state.clone();
        let server = HttpServer::new(move || astral_server::build_app(state.clone()))
            .workers(1)
            .disable_signals()
            .listen(listener)
            .expect("listen")
            .run();
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            root: format!("http://127.0.0.1:{port}"),
            http: http_client(reqwest::Client::builder()),
            server: handle,
            media_dir,
            images,
            state: app_state,
            db,
        }
    }

    /// Starts this instance's metrics listener (as `metrics_bind` does in `astral serve`) on a
    /// free port; returns its root, `http://127.0.0.1:PORT`.
    pub async fn start_metrics(&self) -> String {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("addr").port();
        let server =
            astral_server::app::run_metrics_server(self.state.clone(), listener).expect("listen");
        actix_web::rt::spawn(server);
        format!("http://127.0.0.1:{port}")
    }

    /// A second server instance on the same database (as when several instances run behind a
    /// load balancer).
    pub async fn another_instance(&self, options: TestOptions) -> TestApp {
        TestApp::start_with(TestDb::Shared { url: self.db.url() }, options).await
    }

    /// `http://127.0.0.1:PORT/api/v10` and friends.
    pub fn api(&self, version: &str) -> String {
        format!("{}/api/{version}", self.root)
    }

    /// The generated client on `/api/v10`, sending `authorization` if given.
    pub fn client(&self, authorization: Option<&str>) -> astral_client::Client {
        self.client_at("v10", authorization)
    }

    pub fn client_at(&self, version: &str, authorization: Option<&str>) -> astral_client::Client {
        let mut builder = reqwest::Client::builder();
        if let Some(a) = authorization {
            builder = builder.default_headers(astral_client::auth_headers(a).expect("header"));
        }
        astral_client::Client::new_with_client(&self.api(version), http_client(builder))
    }

    /// Registers through the API; returns `(token, user_id)`.
    pub async fn register(&self, username: &str) -> (String, String) {
        let body = astral_client::types::RegisterRequest {
            username: username.parse().expect("valid username"),
            password: "correct horse battery".parse().expect("valid password"),
            email: None,
            global_name: None,
        };
        let created = self.client(None).register(&body).await.expect("register").into_inner();
        (created.token, created.user_id.to_string())
    }

    /// [`register`](Self::register)s each of `usernames`, in order (so their ids ascend);
    /// returns their `(token, user_id)`s in the same order.
    pub async fn register_all<const N: usize>(
        &self,
        usernames: [&str; N],
    ) -> [(String, String); N] {
        let mut users = Vec::with_capacity(N);
        for username in usernames {
            users.push(self.register(username).await);
        }
        users.try_into().expect("one user per name")
    }

    /// A store on the app's database, for setup that would take too many requests.
    pub fn store(&self) -> astral_store::Store {
        astral_store::Store::open(&astral_store::StoreConfig::new(self.db.url())).expect("store")
    }

    /// `GET {path}` on the root (`/healthz`, `/openapi.json`, `/docs/` …), sent as is.
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http.get(format!("{}{path}", self.root)).send().await.expect("send")
    }

    /// `GET /healthz` as JSON.
    pub async fn health(&self) -> Value {
        self.get("/healthz").await.json().await.expect("healthz is JSON")
    }

    /// A bot account, made the documented way (`astral users create --bot`); returns
    /// `(token, user_id)`.
    pub fn create_bot(&self, name: &str) -> (String, String) {
        self.create_bot_with_password(name, None)
    }

    /// A bot account that can also log in with `password` (`astral users create --password`).
    pub fn create_bot_with_password(&self, name: &str, password: Option<&str>) -> (String, String) {
        let url = self.db.url();
        let mut args = vec!["users", "create", "--username", name, "--bot", "--database-url", &url];
        if let Some(p) = password {
            args.extend(["--password", p]);
        }
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_astral"))
            .args(args)
            .output()
            .expect("run astral");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        let created: Value = serde_json::from_slice(&out.stdout).expect("one JSON line");
        (
            created["token"].as_str().unwrap_or_default().to_owned(),
            created["id"].as_str().unwrap_or_default().to_owned(),
        )
    }

    /// A raw request with raw bytes: `prefix` is `"/api/v10"` and friends, or `""` for root
    /// routes. Answers `(status, content type, body bytes)`.
    pub async fn send_raw(
        &self,
        method: &str,
        prefix: &str,
        path: &str,
        token: Option<&str>,
        content_type: Option<&str>,
        body: Vec<u8>,
    ) -> (u16, String, Vec<u8>) {
        let url = format!("{}{prefix}{path}", self.root);
        let mut req = self.http.request(method.parse().expect("method"), url).body(body);
        if let Some(t) = token {
            req = req.header("Authorization", t);
        }
        if let Some(ct) = content_type {
            req = req.header("Content-Type", ct);
        }
        let response = req.send().await.expect("send");
        let status = response.status().as_u16();
        let content_type =
            header_text(response.headers(), "content-type").unwrap_or_default().to_owned();
        (status, content_type, response.bytes().await.expect("body").to_vec())
    }

    /// `POST /auth/login` with `login` and `password`: `(status, json body)`.
    pub async fn try_login(&self, login: &str, password: &str) -> (u16, Value) {
        self.call("POST", "/auth/login", None, Some(json!({"login": login, "password": password})))
            .await
    }

    /// Logs in through the API; returns a new token.
    pub async fn login(&self, login: &str, password: &str) -> String {
        let (status, session) = self.try_login(login, password).await;
        assert_eq!(status, 200, "login {login}: {session}");
        session["token"].as_str().unwrap_or_default().to_owned()
    }

    /// The user of `token` blocks `user_id` (`PUT /users/@me/relationships/{user_id}`,
    /// `{"type": 2}`).
    pub async fn block(&self, token: &str, user_id: &str) {
        let path = format!("/users/@me/relationships/{user_id}");
        self.expect("PUT", &path, Some(&bot(token)), Some(json!({"type": 2})), 204).await;
    }

    /// [`call`](Self::call) that must answer `status`; returns the body. The failure names the
    /// request and shows the answer.
    pub async fn expect(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        status: u16,
    ) -> Value {
        let (got, answer) = self.call(method, path, token, body).await;
        assert_eq!(got, status, "{method} {path}: {answer}");
        answer
    }

    /// [`call`](Self::call) that must be refused with `status` and Discord JSON `code`, an
    /// answer the contract documents for the operation; returns the body.
    pub async fn refusal(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
        (status, code): (u16, i64),
    ) -> Value {
        let (got, answer) = self.call(method, path, token, body).await;
        assert_eq!(
            (got, answer["code"].as_i64()),
            (status, Some(code)),
            "{method} {path}: {answer}"
        );
        assert_documented(method, &template_of(path), got, &answer);
        answer
    }

    /// A raw request on `/api/v10`: `(status, json body)`; a non-JSON body is `Value::Null`.
    pub async fn call(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> (u16, Value) {
        send(&self.http, method, format!("{}{path}", self.api("v10")), token, body).await
    }
}

/// Requests on `/api/v10` with one `Authorization` (or none), so a test says who asks once:
/// `app.as_user(&token).put(path).json(body).refusal(404, 10004).await`.
pub struct Caller<'a> {
    app: &'a TestApp,
    authorization: Option<String>,
}

impl TestApp {
    /// Requests sent as the user of `token` (`Authorization: Bot <token>`).
    pub fn as_user(&self, token: &str) -> Caller<'_> {
        Caller { app: self, authorization: Some(bot(token)) }
    }

    /// Requests sent with `Authorization: <authorization>` as given.
    pub fn authorized(&self, authorization: &str) -> Caller<'_> {
        Caller { app: self, authorization: Some(authorization.to_owned()) }
    }

    /// Requests sent without `Authorization`.
    pub fn anonymous(&self) -> Caller<'_> {
        Caller { app: self, authorization: None }
    }
}

impl<'a> Caller<'a> {
    pub fn request(&self, method: &'static str, path: impl AsRef<str>) -> Call<'a> {
        Call {
            app: self.app,
            method,
            path: path.as_ref().to_owned(),
            authorization: self.authorization.clone(),
            body: None,
        }
    }

    pub fn get(&self, path: impl AsRef<str>) -> Call<'a> {
        self.request("GET", path)
    }

    pub fn post(&self, path: impl AsRef<str>) -> Call<'a> {
        self.request("POST", path)
    }

    pub fn put(&self, path: impl AsRef<str>) -> Call<'a> {
        self.request("PUT", path)
    }

    pub fn patch(&self, path: impl AsRef<str>) -> Call<'a> {
        self.request("PATCH", path)
    }

    pub fn delete(&self, path: impl AsRef<str>) -> Call<'a> {
        self.request("DELETE", path)
    }
}

/// One request of a [`Caller`]; ends in [`TestApp::call`], [`TestApp::expect`] or
/// [`TestApp::refusal`].
pub struct Call<'a> {
    app: &'a TestApp,
    method: &'static str,
    path: String,
    authorization: Option<String>,
    body: Option<Value>,
}

impl Call<'_> {
    /// Sends `body` as the request's JSON.
    pub fn json(mut self, body: Value) -> Self {
        self.body = Some(body);
        self
    }

    /// `(status, json body)`, as [`TestApp::call`].
    pub async fn call(self) -> (u16, Value) {
        self.app.call(self.method, &self.path, self.authorization.as_deref(), self.body).await
    }

    /// Must answer `status`; returns the body, as [`TestApp::expect`].
    pub async fn expect(self, status: u16) -> Value {
        let token = self.authorization.as_deref();
        self.app.expect(self.method, &self.path, token, self.body, status).await
    }

    /// Must be refused with `status` and Discord JSON `code`, as [`TestApp::refusal`].
    pub async fn refusal(self, status: u16, code: i64) -> Value {
        let token = self.authorization.as_deref();
        self.app.refusal(self.method, &self.path, token, self.body, (status, code)).await
    }

    /// Must be refused 400 / 50035 with an error on `field`; returns that error's code.
    pub async fn field_error(self, field: &str) -> String {
        let answer = self.refusal(400, 50035).await;
        let code = answer["errors"][field]["_errors"][0]["code"].as_str();
        code.unwrap_or_else(|| panic!("no `{field}` error in {answer}")).to_owned()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting and let the worker thread go; the returned future need not be awaited.
        drop(self.server.stop(false));
    }
}

/// Runs the `astral` binary with `args`, whatever `ASTRAL_CONFIG` or `ASTRAL_DATABASE_URL`
/// the tests run under.
pub fn astral(args: &[&str]) -> std::process::Output {
    astral_with_stdin(args, None)
}

/// [`astral`] with `stdin` written to its standard input when given.
pub fn astral_with_stdin(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    use std::process::Stdio;
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_astral"))
        .args(args)
        .env_remove("ASTRAL_CONFIG")
        .env_remove("ASTRAL_DATABASE_URL")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run astral");
    let mut input = child.stdin.take().expect("stdin");
    if let Some(text) = stdin {
        std::io::Write::write_all(&mut input, text.as_bytes()).expect("write stdin");
    }
    drop(input);
    let output = child.wait_with_output().expect("astral exits");
    await_token_cache_feeds();
    output
}

/// The stores of the test servers alive in this process, whose token caches follow the
/// database's change feed.
static CACHED_STORES: LazyLock<std::sync::Mutex<Vec<std::sync::Weak<Store>>>> =
    LazyLock::new(Default::default);

/// The `astral` command is another process: its changes reach a server's token cache through
/// the change feed, within one poll (docs/performance.md, "The token cache"), not at once as
/// the server's own writes do. So after it, every test server has read its feed once before
/// the test goes on (all at once: each waits at most two polls).
fn await_token_cache_feeds() {
    let stores: Vec<Arc<Store>> = {
        let mut stores = CACHED_STORES.lock().expect("cached stores");
        stores.retain(|s| s.strong_count() > 0);
        stores.iter().filter_map(std::sync::Weak::upgrade).collect()
    };
    std::thread::scope(|scope| {
        for store in &stores {
            scope.spawn(|| store.await_token_cache_feed());
        }
    });
}

/// Header `name`'s value, if the answer has it. A value that is not text fails the test: none
/// of the server's may be.
pub fn header_text<'a>(headers: &'a reqwest::header::HeaderMap, name: &str) -> Option<&'a str> {
    headers.get(name).map(|v| v.to_str().expect("a header value that is text"))
}

/// A request to `url`, with `token` as its `Authorization` and `body` as its JSON, when given.
pub fn request(
    http: &reqwest::Client,
    method: &str,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> reqwest::RequestBuilder {
    let mut req = http.request(method.parse().expect("method"), url);
    if let Some(t) = token {
        req = req.header("Authorization", t);
    }
    if let Some(b) = body {
        req = req.json(&b);
    }
    req
}

/// [`request`], sent: `(status, json body)`; a non-JSON body is `Value::Null`.
pub async fn send(
    http: &reqwest::Client,
    method: &str,
    url: String,
    token: Option<&str>,
    body: Option<Value>,
) -> (u16, Value) {
    let response = request(http, method, url, token, body).send().await.expect("send");
    let status = response.status().as_u16();
    let text = response.text().await.expect("body");
    (status, serde_json::from_str(&text).unwrap_or(Value::Null))
}

/// A client that drops idle connections before the server's keep-alive (5 s) closes them, so
/// a test that keeps its thread busy for a while never reuses a connection the server has
/// already closed (hyper reports that as `IncompleteMessage`, or a broken pipe when the request
/// has a body).
pub fn http_client(builder: reqwest::ClientBuilder) -> reqwest::Client {
    builder.pool_idle_timeout(std::time::Duration::from_secs(2)).build().expect("client")
}

/// An 8×8 PNG of one `rgba` colour, as a data URI.
pub fn solid_png_uri(rgba: [u8; 4]) -> String {
    let img = image::RgbaImage::from_pixel(8, 8, image::Rgba(rgba));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).expect("encode PNG");
    data_uri(&out.into_inner(), "image/png")
}

/// `bytes` as a `data:` URI of type `mime`.
pub fn data_uri(bytes: &[u8], mime: &str) -> String {
    use base64::Engine;
    format!("data:{mime};base64,{}", base64::engine::general_purpose::STANDARD.encode(bytes))
}

/// `Bot <token>`.
pub fn bot(token: &str) -> String {
    format!("Bot {token}")
}

// ---- contract checks ----------------------------------------------------------------------

/// The hand-maintained contract, converted once from OpenAPI 3.0 to JSON Schema 2020-12
/// (`nullable: true` becomes a `null` alternative) so response bodies can be validated.
static CONTRACT_AS_JSON_SCHEMA: LazyLock<Value> = LazyLock::new(|| {
    let text =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/astral.json"))
            .expect("read contract");
    let doc: Value = serde_json::from_str(&text).expect("contract is JSON");
    nullable_to_json_schema(doc)
});

/// Discord's published `/users` schemas, kept in the repository with their licence and
/// provenance (openapi/reference/README.md). Kept as a `Result` so that an unreadable file fails
/// each test that needs it with the real cause, instead of poisoning the lock for the rest.
static DISCORD_REFERENCE: LazyLock<Result<Value, String>> = LazyLock::new(|| {
    let path =
        concat!(env!("CARGO_MANIFEST_DIR"), "/../../openapi/reference/discord-users.openapi.json");
    let text = std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))?;
    serde_json::from_str(&text).map_err(|e| format!("{path}: {e}"))
});

fn nullable_to_json_schema(v: Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut map: serde_json::Map<String, Value> =
                map.into_iter().map(|(k, v)| (k, nullable_to_json_schema(v))).collect();
            if map.remove("nullable") == Some(Value::Bool(true)) {
                if let Some(t) = map.get("type").cloned() {
                    map.insert("type".into(), json!([t, "null"]));
                } else {
                    let inner = Value::Object(std::mem::take(&mut map));
                    map.insert("anyOf".into(), json!([inner, {"type": "null"}]));
                }
            }
            Value::Object(map)
        }
        Value::Array(items) => {
            Value::Array(items.into_iter().map(nullable_to_json_schema).collect())
        }
        other => other,
    }
}

fn validate_against(root: &Value, schema_name: &str, instance: &Value) -> Result<(), String> {
    let mut schema = root.clone();
    schema["$ref"] = json!(format!("#/components/schemas/{schema_name}"));
    schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    let validator =
        jsonschema::validator_for(&schema).map_err(|e| format!("bad schema {schema_name}: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{schema_name}: {}\n{instance:#}", errors.join("; ")))
    }
}

/// Validates `instance` against a component schema of openapi/astral.json.
pub fn assert_matches_contract(schema_name: &str, instance: &Value) {
    if let Err(e) = validate_against(&CONTRACT_AS_JSON_SCHEMA, schema_name, instance) {
        panic!("response does not match the contract: {e}");
    }
}

/// The contract as JSON Schema (see [`CONTRACT_AS_JSON_SCHEMA`]), for tests that walk it.
pub fn contract_as_json_schema() -> &'static Value {
    &CONTRACT_AS_JSON_SCHEMA
}

/// Why `instance` does not match `schema`, a schema taken from [`contract_as_json_schema`]
/// (its `$ref`s resolve against the contract); empty when it matches.
pub fn contract_schema_errors(schema: &Value, instance: &Value) -> Vec<String> {
    match contract_validator(schema) {
        Ok(validator) => validator
            .iter_errors(instance)
            .map(|e| format!("{} at {}", e, e.instance_path()))
            .collect(),
        Err(e) => vec![e],
    }
}

/// A validator for `schema`, a schema taken from [`contract_as_json_schema`], for tests that
/// check many instances against one schema.
pub fn contract_validator(schema: &Value) -> Result<jsonschema::Validator, String> {
    let mut root = CONTRACT_AS_JSON_SCHEMA.clone();
    root["allOf"] = json!([schema]);
    root["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
    jsonschema::validator_for(&root).map_err(|e| format!("bad schema {schema}: {e}"))
}

/// Validates `instance` against a component schema of Discord's published spec.
pub fn assert_matches_discord(schema_name: &str, instance: &Value) {
    let reference = DISCORD_REFERENCE.as_ref().unwrap_or_else(|e| panic!("{e}"));
    if let Err(e) = validate_against(reference, schema_name, instance) {
        panic!("response does not match Discord's schema: {e}");
    }
}

/// Checks that the contract documents `status` for `method path` (exactly or as a range), and
/// that an error body is the contract's `Error`.
pub fn assert_documented(method: &str, path: &str, status: u16, body: &Value) {
    if let Err(e) = documented(method, path, status) {
        panic!("{e}");
    }
    if status >= 400 {
        assert_matches_contract("Error", body);
    }
}

/// Whether a concrete path (without its query) is an instance of a contract path template.
pub fn matches_template(path: &str, template: &str) -> bool {
    let path = path.split('?').next().unwrap_or_default();
    let (a, b): (Vec<&str>, Vec<&str>) = (path.split('/').collect(), template.split('/').collect());
    a.len() == b.len()
        && a.iter().zip(&b).all(|(seg, tpl)| {
            if tpl.starts_with('{') && tpl.ends_with('}') {
                !seg.is_empty()
            } else {
                seg == tpl
            }
        })
}

/// The contract's template for a concrete path: of those it is an instance of, the one with
/// the most literal segments (`/users/@me` rather than `/users/{user_id}`).
pub fn template_of(path: &str) -> String {
    let paths = CONTRACT_AS_JSON_SCHEMA["paths"].as_object().expect("paths");
    paths
        .keys()
        .filter(|template| matches_template(path, template))
        .max_by_key(|template| template.split('/').filter(|s| !s.starts_with('{')).count())
        .unwrap_or_else(|| panic!("{path} is an instance of no path of the contract"))
        .clone()
}

/// Whether the contract documents `status` for `method path` (exactly or as a range).
pub fn documented(method: &str, path: &str, status: u16) -> Result<(), String> {
    let op = &CONTRACT_AS_JSON_SCHEMA["paths"][path][method.to_ascii_lowercase()];
    let responses = op["responses"]
        .as_object()
        .ok_or_else(|| format!("{method} {path} is not in the contract"))?;
    let exact = status.to_string();
    let range = format!("{}XX", status / 100);
    if responses.contains_key(&exact) || responses.contains_key(&range) {
        Ok(())
    } else {
        Err(format!("{method} {path} answered {status}, which the contract does not document"))
    }
}

/// A response of the contract, following its `$ref` when it is one of the shared answers under
/// `components/responses`.
fn contract_response(response: &Value) -> &Value {
    match response["$ref"].as_str().and_then(|r| r.strip_prefix("#/components/responses/")) {
        Some(name) => &CONTRACT_AS_JSON_SCHEMA["components"]["responses"][name],
        None => response,
    }
}

/// Validators for documented JSON response bodies, compiled once per (operation, status).
static RESPONSE_VALIDATORS: LazyLock<
    std::sync::Mutex<std::collections::HashMap<String, Option<Arc<jsonschema::Validator>>>>,
> = LazyLock::new(Default::default);

/// Checks a JSON response body against the schema the contract gives `method path` for
/// `status` (a body where the contract documents none is an error too). Documented non-JSON
/// bodies (images) are not checked here.
pub fn check_response_body(
    method: &str,
    path: &str,
    status: u16,
    body: &Value,
) -> Result<(), String> {
    documented(method, path, status)?;
    let key = format!("{method} {path} {status}");
    let validator = {
        let mut cache = RESPONSE_VALIDATORS.lock().unwrap_or_else(|e| e.into_inner());
        match cache.get(&key) {
            Some(v) => v.clone(),
            None => {
                let responses = &CONTRACT_AS_JSON_SCHEMA["paths"][path]
                    [method.to_ascii_lowercase()]["responses"];
                let response = contract_response(match &responses[status.to_string()] {
                    Value::Null => &responses[format!("{}XX", status / 100)],
                    r => r,
                });
                let content = &response["content"];
                let v = match content.get("application/json") {
                    Some(media) => {
                        let mut schema = CONTRACT_AS_JSON_SCHEMA.clone();
                        schema["allOf"] = json!([media["schema"].clone()]);
                        schema["$schema"] = json!("https://json-schema.org/draft/2020-12/schema");
                        Some(Arc::new(
                            jsonschema::validator_for(&schema)
                                .map_err(|e| format!("bad schema for {key}: {e}"))?,
                        ))
                    }
                    None if content.is_object() => None,
                    None if body.is_null() => None,
                    None => {
                        return Err(format!("{key}: the contract documents no body, got {body}"))
                    }
                };
                cache.insert(key.clone(), v.clone());
                v
            }
        }
    };
    let Some(validator) = validator else {
        return Ok(());
    };
    let errors: Vec<String> =
        validator.iter_errors(body).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{key}: {}\n{body}", errors.join("; ")))
    }
}

/// The properties a contract schema requires (its own `required` list).
pub fn contract_required(schema_name: &str) -> std::collections::BTreeSet<String> {
    CONTRACT_AS_JSON_SCHEMA["components"]["schemas"][schema_name]["required"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|v| v.as_str().map(str::to_owned))
        .collect()
}

/// Property names of a contract schema (following `allOf`).
pub fn contract_properties(schema_name: &str) -> std::collections::BTreeSet<String> {
    fn collect(schema: &Value, out: &mut std::collections::BTreeSet<String>) {
        if let Some(props) = schema["properties"].as_object() {
            out.extend(props.keys().cloned());
        }
        if let Some(r) = schema["$ref"].as_str() {
            let name = r.rsplit('/').next().unwrap_or_default();
            collect(&CONTRACT_AS_JSON_SCHEMA["components"]["schemas"][name], out);
        }
        for part in schema["allOf"].as_array().into_iter().flatten() {
            collect(part, out);
        }
    }
    let mut out = std::collections::BTreeSet::new();
    collect(&CONTRACT_AS_JSON_SCHEMA["components"]["schemas"][schema_name], &mut out);
    out
}

// issue 16 C
/// The MFA key of test apps: fixed, so process tests can seal and open with it too.
pub const TEST_MFA_KEY: &str = "dGVzdC1tZmEta2V5LW9mLWFzdHJhbC0zMi1ieXRlcyE=";

pub fn test_mfa_key() -> astral_server::crypto::MfaKey {
    astral_server::crypto::MfaKey::from_base64(TEST_MFA_KEY).expect("the test MFA key")
}

// issue 16 C-l
/// Two-factor authentication turned on through the store (not the enable route): the TOTP
/// secret, the token that stays valid (enabling revokes the others) and the backup codes.
pub struct DirectMfa {
    pub secret: Vec<u8>,
    pub token: String,
    pub backup_codes: Vec<String>,
}

impl DirectMfa {
    /// The TOTP code of the app's clock now, as an authenticator shows it.
    pub fn code_now(&self, app: &TestApp) -> String {
        astral_server::mfa::code_at(&self.secret, (app.state.now_ms() / 1000) as u64)
    }
}

/// Turns TOTP on for `user_id` (sealed with [`test_mfa_key`]), as the enable route would.
pub fn enable_mfa_directly(app: &TestApp, user_id: &str) -> DirectMfa {
    let user: astral_types::UserId = user_id.parse().expect("a user id");
    let key = test_mfa_key();
    let secret = astral_server::mfa::read_secret("JBSWY3DPEHPK3PXPJBSWY3DP").expect("a secret");
    let sealed_secret = key.seal(&astral_server::mfa::secret_context(user), &secret);
    let backup_codes = astral_server::mfa::new_backup_codes();
    let sealed_codes = astral_server::mfa::seal_backup_codes(&key, user, &backup_codes);
    let issued = astral_server::auth::new_token(user);
    let enable = astral_store::TotpEnable {
        sealed_secret: &sealed_secret,
        step: 0,
        sealed_codes: &sealed_codes,
        now_ms: app.state.now_ms(),
        token_secret_hash: &issued.secret_hash,
        client: &astral_store::SessionClient::default(),
    };
    app.store().enable_totp(user, enable).expect("store").expect("enabled");
    DirectMfa { secret, token: issued.token, backup_codes }
}

/// `method {path}` under `/api/v10` with a `User-Agent` (sessions record the client it names),
/// `authorization` when given and a JSON `body`: the JSON answer.
pub async fn send_with_user_agent(
    app: &TestApp,
    method: reqwest::Method,
    path: &str,
    authorization: Option<&str>,
    user_agent: &str,
    body: &Value,
) -> Value {
    let mut request = app
        .http
        .request(method, format!("{}{path}", app.api("v10")))
        .header("User-Agent", user_agent)
        .json(body);
    if let Some(authorization) = authorization {
        request = request.header("Authorization", authorization);
    }
    request.send().await.expect("sent").json().await.expect("a JSON answer")
}

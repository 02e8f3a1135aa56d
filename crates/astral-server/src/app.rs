//! Building the actix application and running the server.

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceFactory, ServiceRequest, ServiceResponse};
use actix_web::http::header::ContentType;
use actix_web::{middleware, web, App, HttpResponse, HttpServer};
use utoipa_actix_web::service_config::ServiceConfig;
use utoipa_swagger_ui::{Config, SwaggerUi};

use crate::config::Settings;
use crate::openapi::CONTRACT_JSON;
use crate::routes::{configure_api, configure_root, API_PREFIXES};
use crate::state::AppState;

/// The whole application for one worker.
pub fn build_app(
    state: web::Data<AppState>,
) -> App<
    impl ServiceFactory<
        ServiceRequest,
        Config = (),
        Response = ServiceResponse<impl MessageBody>,
        Error = actix_web::Error,
        InitError = (),
    >,
> {
    let mut app = App::new()
        .app_data(state)
        // Before routing, so a HEAD is routed as the GET it stands for (crate::methods).
        .wrap(middleware::from_fn(crate::methods::head_as_get))
        // Outermost, so every answer (429s, 404s, Swagger UI) gets a request id and a log line.
        .wrap(middleware::from_fn(crate::request_log::request_log))
        // Outside the request log too, so that every answer it logs carries them.
        .wrap(middleware::from_fn(crate::security_headers::security_headers))
        .configure(|cfg| configure_root(&mut ServiceConfig::new(cfg)));
    for prefix in API_PREFIXES {
        app = app.service(
            web::scope(prefix)
                .wrap(middleware::from_fn(crate::ratelimit::rate_limit))
                .configure(|cfg| configure_api(&mut ServiceConfig::new(cfg))),
        );
    }
    app.service(SwaggerUi::new("/docs/{_:.*}").config(Config::from("/openapi.json")))
        .route("/openapi.json", web::get().to(contract))
        .route("/docs", web::get().to(docs_redirect))
        // Unknown paths answer 404; known ones asked with another method 405 (crate::methods).
        .default_service(web::to(crate::methods::unrouted))
}

/// `GET /openapi.json`: the committed contract's own bytes. Not a parsed copy: a document of
/// this size held as a `serde_json::Value` took ~1.5 MB per worker (docs/performance.md).
async fn contract() -> HttpResponse {
    HttpResponse::Ok().content_type(ContentType::json()).body(CONTRACT_JSON)
}

async fn docs_redirect() -> HttpResponse {
    HttpResponse::PermanentRedirect()
        .insert_header((actix_web::http::header::LOCATION, "/docs/"))
        .finish()
}

/// Binds and starts the server; the returned future runs until shutdown. Signals are not
/// handled here: [`stop_on_signals`] does it (readiness first, then the listener).
pub fn run_server(
    settings: &Settings,
    state: web::Data<AppState>,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || build_app(state.clone()))
        .workers(settings.workers)
        // Once stopped gracefully: stop accepting, let in-flight requests finish for this
        // long, exit.
        .shutdown_timeout(settings.shutdown_timeout.as_secs())
        .worker_max_blocking_threads(settings.blocking_threads)
        .disable_signals()
        .listen(listener)?
        .run();
    Ok(server)
}

/// The metrics listener (`crate::metrics`): `/metrics` of the same state, one worker.
pub fn run_metrics_server(
    state: web::Data<AppState>,
    listener: TcpListener,
) -> std::io::Result<Server> {
    let server = HttpServer::new(move || {
        App::new().app_data(state.clone()).configure(crate::metrics::configure)
    })
    .workers(1)
    .disable_signals()
    .listen(listener)?
    .run();
    Ok(server)
}

/// SIGTERM: mark the instance not ready (`/readyz` answers 503) and keep serving for
/// `delay`, so a load balancer stops sending traffic before the listener closes; then stop
/// gracefully (in-flight requests get the shutdown timeout). SIGINT and SIGQUIT stop at once,
/// as actix-web does by default.
pub async fn stop_on_signals(
    state: web::Data<AppState>,
    delay: std::time::Duration,
    servers: Vec<actix_web::dev::ServerHandle>,
) {
    use tokio::signal::unix::{signal, SignalKind};
    let (Ok(mut term), Ok(mut int), Ok(mut quit)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
        signal(SignalKind::quit()),
    ) else {
        tracing::error!("cannot listen for signals; stop the server with SIGKILL");
        return;
    };
    let graceful = tokio::select! {
        _ = term.recv() => true,
        _ = int.recv() => false,
        _ = quit.recv() => false,
    };
    if graceful {
        state.shutting_down.store(true, std::sync::atomic::Ordering::SeqCst);
        tracing::info!(
            delay_secs = delay.as_secs(),
            "SIGTERM: not ready; stopping after the delay"
        );
        tokio::time::sleep(delay).await;
    } else {
        tracing::info!("SIGINT/SIGQUIT: stopping now");
    }
    for server in servers {
        server.stop(graceful).await;
    }
}

// issue 16 D
/// `astral serve`'s purge: every `interval`, the accounts whose deletion is due are purged
/// (`Store::purge_due_accounts`, one transaction each, so instances running it at once purge
/// each account once). Runs until the process exits; a failed run is logged and retried at
/// the next interval.
pub async fn purge_accounts_periodically(
    state: web::Data<AppState>,
    interval: std::time::Duration,
) {
    let mut ticks = tokio::time::interval(interval);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        ticks.tick().await;
        let now_ms = state.now_ms();
        match state.db(move |store| store.purge_due_accounts(now_ms)).await {
            Ok(Ok(report)) => log_purge(&report),
            Ok(Err(error)) => tracing::warn!(%error, "the purge of deleted accounts failed"),
            Err(error) => tracing::warn!(%error, "the purge of deleted accounts failed"),
        }
    }
}

/// One line per purge run that did something; a skipped account (it owns guilds) is named.
pub fn log_purge(report: &astral_store::PurgeReport) {
    if !report.purged.is_empty() {
        tracing::info!(purged = report.purged.len(), "purged deleted accounts");
    }
    for user in &report.skipped {
        tracing::warn!(user_id = %user, "an account due for deletion still owns guilds: not purged");
    }
}

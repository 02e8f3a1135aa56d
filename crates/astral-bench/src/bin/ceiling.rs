//! `astral-bench-ceiling --port P --workers W --body FILE`: the framework's ceiling for
//! `cargo xtask bench`. A minimal actix-web server on 127.0.0.1 (the workspace's actix-web, no
//! middleware, no database) that answers every request 401 without an `Authorization` header
//! and otherwise 200 `application/json` with FILE's bytes (a real `GET /users/@me` answer).
//! Astral's rows are printed as ratios to this one: what the framework costs is not Astral's.

use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::http::header::{AUTHORIZATION, CONTENT_TYPE};
use actix_web::{web, App, HttpRequest, HttpResponse, HttpServer};
use clap::Parser;

#[derive(Parser)]
#[command(name = "astral-bench-ceiling", about = "The ceiling server of cargo xtask bench")]
struct Args {
    #[arg(long)]
    port: u16,
    /// HTTP worker threads: pass astral's (its default is one per core).
    #[arg(long)]
    workers: usize,
    /// The answer's body.
    #[arg(long)]
    body: PathBuf,
}

async fn answer(request: HttpRequest, body: web::Data<web::Bytes>) -> HttpResponse {
    if request.headers().contains_key(AUTHORIZATION) {
        HttpResponse::Ok()
            .insert_header((CONTENT_TYPE, "application/json"))
            .body(body.get_ref().clone())
    } else {
        HttpResponse::Unauthorized().finish()
    }
}

fn main() -> ExitCode {
    let args = Args::parse();
    let body = match std::fs::read(&args.body) {
        Ok(bytes) => web::Data::new(web::Bytes::from(bytes)),
        Err(e) => {
            eprintln!("astral-bench-ceiling: cannot read {}: {e}", args.body.display());
            return ExitCode::FAILURE;
        }
    };
    let served = actix_web::rt::System::new().block_on(async move {
        HttpServer::new(move || App::new().app_data(body.clone()).default_service(web::to(answer)))
            .workers(args.workers.max(1))
            .bind(("127.0.0.1", args.port))?
            .run()
            .await
    });
    match served {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("astral-bench-ceiling: {e}");
            ExitCode::FAILURE
        }
    }
}

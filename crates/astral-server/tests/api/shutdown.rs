//! Graceful shutdown of the real binary: SIGTERM while uploads are still arriving. They must
//! complete with their normal answer, new connections must be refused, and the process must
//! exit 0 within the shutdown timeout.

use std::time::{Duration, Instant};

use base64::Engine;
use serde_json::{json, Value};

use crate::process::{register_account, ServerProcess};
use crate::support::{backend_db_test, TestDb};

const SHUTDOWN_TIMEOUT_SECS: u64 = 10;
const UPLOADS: usize = 4;
/// Each upload trickles in over about this long.
const UPLOAD_CHUNKS: usize = 20;
const CHUNK_INTERVAL: Duration = Duration::from_millis(100);

fn png() -> Vec<u8> {
    let img = image::RgbImage::from_fn(64, 64, |x, y| image::Rgb([x as u8 * 4, y as u8 * 4, 90]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

/// `PATCH /users/@me` with an avatar whose JSON body arrives in slow chunks.
async fn slow_upload(api: String, token: String) -> (u16, Value) {
    let data = base64::engine::general_purpose::STANDARD.encode(png());
    let body =
        serde_json::to_vec(&json!({"avatar": format!("data:image/png;base64,{data}")})).unwrap();
    let size = body.len().div_ceil(UPLOAD_CHUNKS);
    let chunks: Vec<Vec<u8>> = body.chunks(size).map(<[u8]>::to_vec).collect();
    let stream = futures_util::stream::unfold(chunks.into_iter(), |mut rest| async move {
        let chunk = rest.next()?;
        tokio::time::sleep(CHUNK_INTERVAL).await;
        Some((Ok::<_, std::io::Error>(chunk), rest))
    });
    let response = reqwest::Client::new()
        .patch(format!("{api}/users/@me"))
        .header("Authorization", token)
        .header("Content-Type", "application/json")
        .body(reqwest::Body::wrap_stream(stream))
        .send()
        .await
        .expect("the in-flight upload gets an answer");
    let status = response.status().as_u16();
    (status, response.json().await.unwrap_or(Value::Null))
}

backend_db_test!(sigterm_lets_in_flight_requests_finish_and_exits_0, run);

async fn run(db: TestDb) {
    let backend = db.backend();
    let timeout = SHUTDOWN_TIMEOUT_SECS.to_string();
    let mut server =
        ServerProcess::serve(&db.url(), &[("ASTRAL_SHUTDOWN_TIMEOUT_SECS", &timeout)]).await;
    let mut tokens = Vec::new();
    for i in 0..UPLOADS {
        let body =
            register_account(&reqwest::Client::new(), &server.api(), &format!("drain{i}")).await;
        tokens.push(body["token"].as_str().unwrap().to_owned());
    }
    let uploads: Vec<_> =
        tokens.into_iter().map(|token| tokio::spawn(slow_upload(server.api(), token))).collect();
    // The uploads are under way (each takes ~2 s to send).
    tokio::time::sleep(Duration::from_millis(500)).await;
    let terminated = Instant::now();
    server.sigterm();

    tokio::time::sleep(Duration::from_millis(300)).await;
    let port = server.root.rsplit(':').next().unwrap().to_owned();
    let refused = tokio::net::TcpStream::connect(format!("127.0.0.1:{port}")).await;
    assert!(refused.is_err(), "a new connection was accepted during shutdown");

    for upload in uploads {
        let (status, body) = upload.await.unwrap();
        assert_eq!(status, 200, "{body}");
        assert!(body["avatar"].is_string(), "{body}");
    }
    let drained = terminated.elapsed();
    assert!(
        drained >= CHUNK_INTERVAL * (UPLOAD_CHUNKS as u32 / 2),
        "the uploads really were in flight at SIGTERM ({drained:?})"
    );
    let exit = server
        .wait_exit(Duration::from_secs(SHUTDOWN_TIMEOUT_SECS + 5))
        .await
        .expect("exits within the shutdown timeout");
    let exited = terminated.elapsed();
    assert!(exit.success(), "{exit:?}\n{}", server.logs());
    assert!(exited < Duration::from_secs(SHUTDOWN_TIMEOUT_SECS));
    println!(
        "graceful shutdown ({backend}): {UPLOADS} uploads in flight at SIGTERM all answered 200 after \
         {drained:?}; new connections refused; exit 0 after {exited:?}"
    );
}

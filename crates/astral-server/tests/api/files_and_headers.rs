//! Issue 14, attack 11 (files and headers): the database and the media were world-readable
//! (0644/0755) though they hold password hashes and emails, and answers carried no
//! `X-Content-Type-Options`, no `Cache-Control: no-store` and, on `/docs/`, no CSP.

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use serde_json::json;

use crate::process::{command, register_account, ServerProcess};
use crate::support::{backend_test, bot, header_text, request, TestApp};

fn mode(path: &Path) -> u32 {
    std::fs::metadata(path)
        .unwrap_or_else(|e| panic!("{}: {e}", path.display()))
        .permissions()
        .mode()
        & 0o777
}

fn set_mode(path: &Path, mode: u32) {
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).unwrap();
}

/// A 2×2 PNG as a data URI.
fn tiny_png() -> String {
    let img = image::RgbaImage::from_pixel(2, 2, image::Rgba([200, 10, 10, 255]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    format!("data:image/png;base64,{}", STANDARD.encode(out.into_inner()))
}

/// Every file under `dir` (recursively) with its mode.
fn tree_modes(dir: &Path) -> Vec<(String, bool, u32)> {
    let mut found = vec![(dir.display().to_string(), true, mode(dir))];
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            found.extend(tree_modes(&path));
        } else {
            found.push((path.display().to_string(), false, mode(&path)));
        }
    }
    found
}

/// New files, on a real `astral serve`: the SQLite database, its WAL and SHM, the media
/// directories and an uploaded avatar are owner-only.
#[actix_web::test]
async fn new_database_and_media_files_are_owner_only() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("astral.db");
    let media = dir.path().join("media");
    let server =
        ServerProcess::start(command(&format!("sqlite://{}", db.display()), &media, &[])).await;
    let http = reqwest::Client::new();
    let created = register_account(&http, &server.api(), "modes").await;
    let token = created["token"].as_str().unwrap();
    let response = http
        .patch(format!("{}/users/@me", server.api()))
        .header("Authorization", bot(token))
        .json(&json!({"avatar": tiny_png()}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.path().join(format!("astral.db{suffix}"));
        assert_eq!(mode(&file), 0o600, "{}", file.display());
    }
    let modes = tree_modes(&media);
    assert!(modes.iter().any(|(_, is_dir, _)| !is_dir), "the avatar is on disk: {modes:?}");
    for (path, is_dir, mode) in modes {
        assert_eq!(mode, if is_dir { 0o700 } else { 0o600 }, "{path}");
    }
}

/// Files left world-readable by an earlier version are tightened at start.
#[actix_web::test]
async fn existing_files_are_tightened_at_start() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("astral.db");
    let url = format!("sqlite://{}", db.display());
    let media = dir.path().join("media");
    {
        let server = ServerProcess::start(command(&url, &media, &[])).await;
        register_account(&reqwest::Client::new(), &server.api(), "older").await;
    }
    // As an older version (or a permissive umask) would have left them.
    std::fs::write(media.join("originals").join("0123abcd"), b"old image").unwrap();
    for (path, loose) in [
        (db.clone(), 0o644),
        (dir.path().join("astral.db-wal"), 0o644),
        (dir.path().join("astral.db-shm"), 0o644),
        (media.clone(), 0o755),
        (media.join("originals"), 0o755),
        (media.join("variants"), 0o777),
        (media.join("originals").join("0123abcd"), 0o664),
    ] {
        if path.exists() {
            set_mode(&path, loose);
        }
    }
    let server = ServerProcess::start(command(&url, &media, &[])).await;
    for suffix in ["", "-wal", "-shm"] {
        let file = dir.path().join(format!("astral.db{suffix}"));
        if file.exists() {
            assert_eq!(mode(&file), 0o600, "{}", file.display());
        }
    }
    for (path, is_dir, mode) in tree_modes(&media) {
        assert_eq!(mode, if is_dir { 0o700 } else { 0o600 }, "{path}");
    }
    // And the data is intact.
    let response = reqwest::Client::new()
        .post(format!("{}/auth/login", server.api()))
        .json(&json!({"login": "older", "password": "correct horse battery"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

async fn headers_of(
    app: &TestApp,
    method: &str,
    url: String,
    token: Option<&str>,
    body: Option<serde_json::Value>,
) -> (u16, reqwest::header::HeaderMap) {
    let authorization = token.map(bot);
    let response =
        request(&app.http, method, url, authorization.as_deref(), body).send().await.unwrap();
    (response.status().as_u16(), response.headers().clone())
}

backend_test!(answers_carry_the_security_headers);
async fn answers_carry_the_security_headers(app: TestApp) {
    let [(token, _), (_, friend)] = app.register_all(["headers-owner", "headers-friend"]).await;
    let api = app.api("v10");
    // The versioned API: nosniff and no-store on every answer, errors included.
    let private = [
        ("GET", format!("{api}/users/@me"), Some(token.as_str()), None),
        (
            "PATCH",
            format!("{api}/users/@me"),
            Some(token.as_str()),
            Some(json!({"global_name": "Head"})),
        ),
        (
            "POST",
            format!("{api}/auth/login"),
            None,
            Some(json!({"login": "headers-owner", "password": "correct horse battery"})),
        ),
        (
            "POST",
            format!("{api}/auth/register"),
            None,
            Some(json!({"username": "headers-new", "password": "correct horse battery"})),
        ),
        ("GET", format!("{api}/users/@me/relationships"), Some(token.as_str()), None),
        ("GET", format!("{api}/users/@me/channels"), Some(token.as_str()), None),
        (
            "POST",
            format!("{api}/users/@me/channels"),
            Some(token.as_str()),
            Some(json!({"recipient_id": friend})),
        ),
        ("GET", format!("{api}/users/@me/guilds"), Some(token.as_str()), None),
        ("GET", format!("{api}/users/{friend}"), Some(token.as_str()), None),
        ("GET", format!("{}/api/v9/users/@me", app.root), Some(token.as_str()), None),
        ("GET", format!("{api}/users/@me"), None, None),
        ("GET", format!("{api}/no-such-route"), None, None),
    ];
    for (method, url, auth, body) in private {
        let (status, headers) = headers_of(&app, method, url.clone(), auth, body).await;
        assert!(status < 500, "{method} {url}: {status}");
        assert_eq!(
            header_text(&headers, "x-content-type-options"),
            Some("nosniff"),
            "{method} {url}"
        );
        assert_eq!(header_text(&headers, "cache-control"), Some("no-store"), "{method} {url}");
        assert!(headers.get("content-security-policy").is_none(), "{method} {url}");
    }
    // Outside the API: nosniff; images and the contract stay cacheable.
    for path in ["/healthz", "/openapi.json", "/embed/avatars/0.png", "/no-such-file"] {
        let (status, headers) =
            headers_of(&app, "GET", format!("{}{path}", app.root), None, None).await;
        assert!(status < 500, "{path}: {status}");
        assert_eq!(header_text(&headers, "x-content-type-options"), Some("nosniff"), "{path}");
        assert_ne!(header_text(&headers, "cache-control"), Some("no-store"), "{path}");
    }
    // Swagger UI: its page, scripts and styles under a CSP that allows only this origin.
    for path in ["/docs/", "/docs/swagger-initializer.js", "/docs/swagger-ui.css"] {
        let (status, headers) =
            headers_of(&app, "GET", format!("{}{path}", app.root), None, None).await;
        assert_eq!(status, 200, "{path}");
        assert_eq!(header_text(&headers, "x-content-type-options"), Some("nosniff"), "{path}");
        assert_eq!(
            header_text(&headers, "content-security-policy"),
            Some(astral_server::security_headers::DOCS_CSP),
            "{path}"
        );
    }
    // The page itself has no inline script the policy would block: every script is a file
    // of this origin.
    let page =
        app.http.get(format!("{}/docs/", app.root)).send().await.unwrap().text().await.unwrap();
    assert_eq!(page.matches("<script").count(), page.matches("<script src=\"./").count(), "{page}");
    assert!(!page.contains("style=\""), "{page}");
}

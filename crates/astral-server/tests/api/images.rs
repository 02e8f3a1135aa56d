//! Avatars and banners: upload through PATCH /users/@me, served at Discord's CDN paths.

use std::io::Cursor;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use image::{ImageFormat, Rgba, RgbaImage};
use serde_json::{json, Value};

use crate::support::{assert_documented, backend_test, bot, data_uri, TestApp};

fn png(w: u32, h: u32, shade: u8) -> Vec<u8> {
    let img = RgbaImage::from_fn(w, h, |x, y| Rgba([shade, (x % 256) as u8, (y % 256) as u8, 255]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Png).unwrap();
    out.into_inner()
}

fn jpeg(w: u32, h: u32) -> Vec<u8> {
    let img = image::RgbImage::from_pixel(w, h, image::Rgb([10, 200, 30]));
    let mut out = Cursor::new(Vec::new());
    img.write_to(&mut out, ImageFormat::Jpeg).unwrap();
    out.into_inner()
}

fn animated_gif() -> Vec<u8> {
    let mut out = Vec::new();
    {
        let mut encoder = image::codecs::gif::GifEncoder::new(&mut out);
        for shade in [0u8, 255] {
            let frame = image::Frame::new(RgbaImage::from_pixel(16, 16, Rgba([shade, 0, 0, 255])));
            encoder.encode_frame(frame).unwrap();
        }
    }
    out
}

async fn fetch(app: &TestApp, path: &str) -> (u16, reqwest::header::HeaderMap, Vec<u8>) {
    let r = app.http.get(format!("{}{path}", app.root)).send().await.unwrap();
    let status = r.status().as_u16();
    let headers = r.headers().clone();
    (status, headers, r.bytes().await.unwrap().to_vec())
}

async fn patch(app: &TestApp, auth: &str, body: Value) -> (u16, Value) {
    app.call("PATCH", "/users/@me", Some(auth), Some(body)).await
}

backend_test!(avatar_upload_round_trips_at_cdn_paths);
async fn avatar_upload_round_trips_at_cdn_paths(app: TestApp) {
    let (token, user_id) = app.register("pictured").await;
    let auth = bot(&token);
    let original = png(300, 200, 7);
    let (status, me) =
        patch(&app, &auth, json!({"avatar": data_uri(&original, "image/png")})).await;
    assert_eq!(status, 200, "{me}");
    let hash = me["avatar"].as_str().unwrap().to_owned();
    assert!(
        hash.len() == 32 && hash.bytes().all(|b| b.is_ascii_hexdigit() && !b.is_ascii_uppercase()),
        "{hash}"
    );
    // Visible publicly.
    let (_, public) = app.call("GET", &format!("/users/{user_id}"), Some(&auth), None).await;
    assert_eq!(public["avatar"], json!(hash));

    // Stored once, under its hash, with no temporary file left behind.
    let stored: Vec<String> = std::fs::read_dir(app.media_dir.path().join("originals"))
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(stored, vec![hash.clone()]);
    assert_eq!(
        std::fs::read(app.media_dir.path().join("originals").join(&hash)).unwrap(),
        original
    );

    // The original, byte for byte, with caching headers.
    let (status, headers, bytes) = fetch(&app, &format!("/avatars/{user_id}/{hash}.png")).await;
    assert_eq!(status, 200);
    assert_eq!(bytes, original);
    assert_eq!(headers["content-type"], "image/png");
    assert_eq!(headers["cache-control"], "public, max-age=31536000, immutable");
    let etag = headers["etag"].to_str().unwrap().to_owned();
    let not_modified = app
        .http
        .get(format!("{}/avatars/{user_id}/{hash}.png", app.root))
        .header("If-None-Match", &etag)
        .send()
        .await
        .unwrap();
    assert_eq!(not_modified.status(), 304);

    // Resized and converted, twice (the second from the cache), identically.
    for _ in 0..2 {
        let (status, headers, bytes) =
            fetch(&app, &format!("/avatars/{user_id}/{hash}.webp?size=64")).await;
        assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/webp"));
        let img = image::load_from_memory_with_format(&bytes, ImageFormat::WebP).unwrap();
        assert_eq!((img.width(), img.height()), (64, 43));
    }
    let (_, headers, bytes) = fetch(&app, &format!("/avatars/{user_id}/{hash}.jpg?size=128")).await;
    assert_eq!(headers["content-type"], "image/jpeg");
    assert_eq!(
        image::load_from_memory_with_format(&bytes, ImageFormat::Jpeg).unwrap().width(),
        128
    );

    // Through the generated client.
    let root = astral_client::Client::new(&app.root);
    let size = astral_client::types::GetUserAvatarSize::try_from(32).unwrap();
    let stream = root.get_user_avatar(&user_id, &format!("{hash}.png"), Some(&size)).await.unwrap();
    let mut chunks = stream.into_inner().into_inner();
    let mut bytes = Vec::new();
    while let Some(chunk) = futures_util::StreamExt::next(&mut chunks).await {
        bytes.extend_from_slice(&chunk.unwrap());
    }
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 32);

    // The same image again (raw base64 this time): the same hash, a no-op.
    let (status, me) = patch(&app, &auth, json!({"avatar": STANDARD.encode(&original)})).await;
    assert_eq!((status, me["avatar"].as_str()), (200, Some(hash.as_str())));
    // Sending the current hash back (the Astral seed's example) changes nothing.
    let (status, me) = patch(&app, &auth, json!({"avatar": hash})).await;
    assert_eq!((status, me["avatar"].as_str()), (200, Some(hash.as_str())));

    // A new avatar; the old URL keeps working; null clears.
    let (_, me) =
        patch(&app, &auth, json!({"avatar": data_uri(&png(50, 50, 99), "image/png")})).await;
    let second = me["avatar"].as_str().unwrap().to_owned();
    assert_ne!(second, hash);
    assert_eq!(fetch(&app, &format!("/avatars/{user_id}/{hash}.png")).await.0, 200);
    let (_, me) = patch(&app, &auth, json!({"avatar": null})).await;
    assert_eq!(me["avatar"], Value::Null);
}

backend_test!(banners_and_animated_gifs);
async fn banners_and_animated_gifs(app: TestApp) {
    let (token, user_id) = app.register("bannered").await;
    let auth = bot(&token);
    let (status, me) = patch(&app, &auth, json!({"banner": data_uri(&jpeg(600, 240), "image/jpeg"), "avatar": data_uri(&animated_gif(), "image/gif")})).await;
    assert_eq!(status, 200, "{me}");
    let banner = me["banner"].as_str().unwrap().to_owned();
    let avatar = me["avatar"].as_str().unwrap().to_owned();
    assert!(avatar.starts_with("a_") && avatar.len() == 34, "{avatar}");
    assert!(!banner.starts_with("a_"));
    let (status, headers, bytes) = fetch(&app, &format!("/banners/{user_id}/{banner}.jpg")).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/jpeg"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 600);
    let (status, _, bytes) = fetch(&app, &format!("/avatars/{user_id}/{avatar}.gif")).await;
    assert_eq!((status, bytes), (200, animated_gif()));
    // A banner hash is not an avatar, and nobody else's id serves it.
    assert_eq!(fetch(&app, &format!("/avatars/{user_id}/{banner}.png")).await.0, 404);
    let (_, other) = app.register("someone-else").await;
    let (status, _, body) = fetch(&app, &format!("/banners/{other}/{banner}.jpg")).await;
    assert_eq!(status, 404);
    let body: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(body, json!({"message": "404: Not Found", "code": 0}));
}

backend_test!(bad_images_are_refused_and_change_nothing);
async fn bad_images_are_refused_and_change_nothing(app: TestApp) {
    let (token, _) = app.register("careful").await;
    let auth = bot(&token);
    let (_, me) =
        patch(&app, &auth, json!({"avatar": data_uri(&png(20, 20, 1), "image/png")})).await;
    let before = me["avatar"].clone();
    let good = png(64, 64, 3);
    let mut corrupt = good.clone();
    let n = corrupt.len();
    corrupt[40..n - 12].fill(0xAA);
    let huge_text = STANDARD.encode(vec![0u8; astral_media::MAX_IMAGE_BYTES + 1]);
    let cases: Vec<(&str, Value)> = vec![
        ("zero bytes", json!("")),
        ("empty data URI", json!("data:image/png;base64,")),
        ("not base64", json!("data:image/png;base64,@@@@")),
        ("not an image", json!(STANDARD.encode(b"%PDF-1.4 definitely not an image"))),
        ("truncated", json!(data_uri(&good[..good.len() / 2], "image/png"))),
        ("corrupt", json!(data_uri(&corrupt, "image/png"))),
        ("too many pixels", json!(data_uri(&png(4097, 1, 0), "image/png"))),
        ("over 10 MiB", json!(huge_text)),
        ("wrong type", json!(42)),
    ];
    for (what, value) in cases {
        for field in ["avatar", "banner"] {
            let (status, answer) =
                patch(&app, &auth, json!({field: value.clone(), "global_name": "Changed"})).await;
            assert_eq!(status, 400, "{what} {field}: {answer}");
            assert_eq!(answer["code"], 50035, "{what}");
            let code = &answer["errors"][field]["_errors"][0]["code"];
            assert!(
                code == "IMAGE_INVALID" || (what == "wrong type" && code == "STRING_TYPE_CONVERT"),
                "{what}: {answer}"
            );
            assert_documented("PATCH", "/users/@me", status, &answer);
        }
    }
    let (_, me) = app.call("GET", "/users/@me", Some(&auth), None).await;
    assert_eq!(
        (&me["avatar"], &me["banner"], &me["global_name"]),
        (&before, &Value::Null, &Value::Null)
    );
}

backend_test!(cdn_paths_refuse_what_does_not_exist);
async fn cdn_paths_refuse_what_does_not_exist(app: TestApp) {
    let (token, user_id) = app.register("looker").await;
    let (_, me) =
        patch(&app, &bot(&token), json!({"avatar": data_uri(&png(32, 32, 5), "image/png")})).await;
    let hash = me["avatar"].as_str().unwrap();
    for path in [
        format!("/avatars/{user_id}/{}.png", "0".repeat(32)),
        format!("/avatars/{user_id}/{hash}.bmp"),
        format!("/avatars/{user_id}/{hash}"),
        format!("/avatars/not-an-id/{hash}.png"),
        format!("/avatars/{user_id}/../../etc.png"),
        "/embed/avatars/6.png".to_owned(),
        "/embed/avatars/x.png".to_owned(),
    ] {
        assert_eq!(fetch(&app, &path).await.0, 404, "{path}");
    }
    for size in ["100", "8", "8192", "-16", "big"] {
        let (status, _, body) =
            fetch(&app, &format!("/avatars/{user_id}/{hash}.png?size={size}")).await;
        assert_eq!(status, 400, "{size}");
        let body: Value = serde_json::from_slice(&body).unwrap();
        assert_eq!(body["errors"]["size"]["_errors"][0]["code"], "BASE_TYPE_CHOICES");
    }
}

backend_test!(default_avatars_follow_discords_rule);
async fn default_avatars_follow_discords_rule(app: TestApp) {
    let (_, user_id) = app.register("plain").await;
    let index = (user_id.parse::<u64>().unwrap() >> 22) % 6;
    let (status, headers, bytes) = fetch(&app, &format!("/embed/avatars/{index}.png")).await;
    assert_eq!((status, headers["content-type"].to_str().unwrap()), (200, "image/png"));
    assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 256);
    let mut seen = std::collections::HashSet::new();
    for i in 0..6 {
        let (status, _, bytes) = fetch(&app, &format!("/embed/avatars/{i}.png?size=64")).await;
        assert_eq!(status, 200);
        assert_eq!(image::load_from_memory(&bytes).unwrap().width(), 64);
        seen.insert(bytes);
    }
    assert_eq!(seen.len(), 6, "six different default avatars");
}

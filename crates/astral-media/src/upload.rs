use std::io::Cursor;

use base64::Engine;
use image::{ImageFormat, ImageReader, Limits};
use sha2::{Digest, Sha256};

/// At most this many bytes of image per field (after base64 decoding).
pub const MAX_IMAGE_BYTES: usize = 10 * 1024 * 1024;
/// At most this many pixels on either side.
pub const MAX_SIDE: u32 = 4096;
/// At most this many pixels in all (4096 × 4096).
pub const MAX_PIXELS: u64 = 4096 * 4096;
/// At most this many frames in an animated GIF.
pub const MAX_GIF_FRAMES: usize = 1000;
/// The decoding work a GIF may ask for, in pixels: frames × canvas area (every frame is
/// composited onto a whole canvas, so a 1×1 frame on a 4096² canvas costs 16.7 M pixels).
/// 2^26: 4 frames at 4096², 256 at 512², 1000 at 256². Checked from the frame descriptors,
/// before any pixel is decoded.
pub const MAX_GIF_WORK: u64 = 1 << 26;
/// The most a decoder may allocate for one image (`image::Limits::max_alloc`): a 4096² RGBA
/// image with 16-bit channels is 128 MiB, plus the decoder's own buffers.
pub const MAX_DECODE_ALLOC: u64 = 256 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ImageKind {
    Png,
    Jpeg,
    Gif,
    WebP,
}

impl ImageKind {
    fn sniff(bytes: &[u8]) -> Option<ImageKind> {
        if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
            Some(ImageKind::Png)
        } else if bytes.starts_with(&[0xff, 0xd8, 0xff]) {
            Some(ImageKind::Jpeg)
        } else if bytes.starts_with(b"GIF87a") || bytes.starts_with(b"GIF89a") {
            Some(ImageKind::Gif)
        } else if bytes.len() >= 12 && &bytes[..4] == b"RIFF" && &bytes[8..12] == b"WEBP" {
            Some(ImageKind::WebP)
        } else {
            None
        }
    }

    pub fn format(self) -> ImageFormat {
        match self {
            ImageKind::Png => ImageFormat::Png,
            ImageKind::Jpeg => ImageFormat::Jpeg,
            ImageKind::Gif => ImageFormat::Gif,
            ImageKind::WebP => ImageFormat::WebP,
        }
    }

    /// The kind of a stored original (sniffed again: the store keeps bytes only).
    pub fn of(bytes: &[u8]) -> Option<ImageKind> {
        Self::sniff(bytes)
    }
}

/// A validated upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Upload {
    /// 32 lowercase hex characters, prefixed `a_` for an animated GIF (Discord's convention).
    pub hash: String,
    pub bytes: Vec<u8>,
    pub kind: ImageKind,
    pub width: u32,
    pub height: u32,
    pub animated: bool,
    /// The mean colour of its (first frame's) visible pixels, `0xRRGGBB`, each weighed by its
    /// opacity; `None` when no pixel is visible. Discord's and Fluxer's `avatar_color`.
    pub mean_color: Option<u32>,
}

/// Why an upload was refused (the message is shown to the client).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0}")]
pub struct UploadError(pub String);

fn refuse(message: impl Into<String>) -> UploadError {
    UploadError(message.into())
}

/// Every kind an avatar or banner may be.
pub const ALL_KINDS: [ImageKind; 4] =
    [ImageKind::Png, ImageKind::Jpeg, ImageKind::Gif, ImageKind::WebP];

impl ImageKind {
    fn name(self) -> &'static str {
        match self {
            ImageKind::Png => "PNG",
            ImageKind::Jpeg => "JPEG",
            ImageKind::Gif => "GIF",
            ImageKind::WebP => "WebP",
        }
    }
}

/// "PNG, JPEG or WebP".
fn kind_list(kinds: &[ImageKind]) -> String {
    match kinds.split_last() {
        Some((last, [])) => last.name().to_owned(),
        Some((last, rest)) => {
            let rest: Vec<&str> = rest.iter().map(|k| k.name()).collect();
            format!("{} or {}", rest.join(", "), last.name())
        }
        None => String::new(),
    }
}

/// `data:image/png;base64,AAAA…` or raw base64 → a validated image (PNG, JPEG, GIF or WebP).
pub fn decode_upload(value: &str) -> Result<Upload, UploadError> {
    decode_upload_of(value, &ALL_KINDS)
}

/// Like [`decode_upload`], accepting only `kinds`: another format is refused from its sniffed
/// bytes, before anything of it is decoded.
pub fn decode_upload_of(value: &str, kinds: &[ImageKind]) -> Result<Upload, UploadError> {
    let payload = match value.strip_prefix("data:") {
        Some(rest) => {
            let (header, data) =
                rest.split_once(',').ok_or_else(|| refuse("Invalid data URI: no comma."))?;
            if !header.ends_with(";base64") {
                return Err(refuse("Invalid data URI: the image must be base64-encoded."));
            }
            data
        }
        None => value,
    };
    let payload = payload.trim();
    if payload.is_empty() {
        return Err(refuse("The image is empty."));
    }
    // Refuse oversize input before decoding it.
    if payload.len() / 4 * 3 > MAX_IMAGE_BYTES + 3 {
        return Err(refuse(format!(
            "The image is larger than {} MiB.",
            MAX_IMAGE_BYTES / 1024 / 1024
        )));
    }
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(payload)
        .or_else(|_| base64::engine::general_purpose::STANDARD_NO_PAD.decode(payload))
        .map_err(|_| refuse("The image is not valid base64."))?;
    if bytes.is_empty() {
        return Err(refuse("The image is empty."));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(refuse(format!(
            "The image is larger than {} MiB.",
            MAX_IMAGE_BYTES / 1024 / 1024
        )));
    }
    let kind = ImageKind::sniff(&bytes).filter(|kind| kinds.contains(kind)).ok_or_else(|| {
        let sniffed = ImageKind::sniff(&bytes)
            .map(|kind| format!(" (this one is a {})", kind.name()))
            .unwrap_or_default();
        refuse(format!("The image must be a {}{sniffed}.", kind_list(kinds)))
    })?;

    // Dimensions from the header alone, before any pixel is decoded.
    let (width, height) = ImageReader::with_format(Cursor::new(&bytes), kind.format())
        .into_dimensions()
        .map_err(|_| refuse("The image could not be read."))?;
    if width == 0
        || height == 0
        || width > MAX_SIDE
        || height > MAX_SIDE
        || u64::from(width) * u64::from(height) > MAX_PIXELS
    {
        return Err(refuse(format!(
            "The image is {width}×{height}; at most {MAX_SIDE}×{MAX_SIDE} pixels are accepted."
        )));
    }
    // A GIF's total work (frames × canvas) from its frame descriptors alone, skipping the
    // compressed data: a tiny file can describe a thousand frames on a 4096² canvas.
    let frames = match kind {
        ImageKind::Gif => gif_frame_count(&bytes)?,
        _ => 1,
    };
    // Decode it all, within limits, to prove it is an image (a truncated or corrupt one fails).
    let mut reader = ImageReader::with_format(Cursor::new(&bytes), kind.format());
    reader.limits(decode_limits());
    let decoded = reader.decode().map_err(|_| refuse("The image is corrupt or truncated."))?;
    let mean_color = mean_color(&decoded);
    if frames > 1 {
        decode_gif_frames(&bytes)?;
    }

    let animated = frames > 1;
    let digest = Sha256::digest(&bytes);
    let hash = format!("{}{}", if animated { "a_" } else { "" }, hex::encode(&digest[..16]));
    Ok(Upload { hash, bytes, kind, width, height, animated, mean_color })
}

/// How many pixels [`mean_color`] looks at, at most: a sample on a grid, so a 4096² image costs
/// as little as a 256² one.
const MEAN_COLOR_SAMPLES: u64 = 65_536;

/// The mean colour of `image`'s visible pixels (weighed by alpha), `0xRRGGBB`.
fn mean_color(image: &image::DynamicImage) -> Option<u32> {
    let rgba = image.to_rgba8();
    let (width, height) = rgba.dimensions();
    let pixels = u64::from(width) * u64::from(height);
    // Every `step`th pixel of every `step`th row.
    let step = (pixels / MEAN_COLOR_SAMPLES).isqrt().max(1) as u32;
    let (mut r, mut g, mut b, mut weight) = (0u64, 0u64, 0u64, 0u64);
    for y in (0..height).step_by(step as usize) {
        for x in (0..width).step_by(step as usize) {
            let [pr, pg, pb, pa] = rgba.get_pixel(x, y).0;
            let a = u64::from(pa);
            r += u64::from(pr) * a;
            g += u64::from(pg) * a;
            b += u64::from(pb) * a;
            weight += a;
        }
    }
    if weight == 0 {
        return None;
    }
    let channel = |sum: u64| ((sum + weight / 2) / weight).min(255) as u32;
    Some(channel(r) << 16 | channel(g) << 8 | channel(b))
}

/// The limits every decode runs under (uploads and renders).
pub(crate) fn decode_limits() -> Limits {
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_ALLOC);
    limits
}

/// Counts a GIF's frames from their descriptors without decompressing any (the gif crate
/// skips each frame's LZW data), and refuses the GIF once the frames × canvas area would pass
/// [`MAX_GIF_WORK`], or a frame is larger than the canvas.
fn gif_frame_count(bytes: &[u8]) -> Result<usize, UploadError> {
    let mut options = gif::DecodeOptions::new();
    options.skip_frame_decoding(true);
    options.set_color_output(gif::ColorOutput::Indexed);
    let mut decoder =
        options.read_info(Cursor::new(bytes)).map_err(|_| refuse("The GIF could not be read."))?;
    let (width, height) = (decoder.width(), decoder.height());
    let canvas = u64::from(width) * u64::from(height);
    let mut frames = 0usize;
    while let Some(frame) =
        decoder.next_frame_info().map_err(|_| refuse("The GIF is corrupt or truncated."))?
    {
        if frame.width > width || frame.height > height {
            return Err(refuse(format!(
                "A GIF frame ({}×{}) is larger than the image ({width}×{height}).",
                frame.width, frame.height
            )));
        }
        frames += 1;
        if frames > MAX_GIF_FRAMES {
            return Err(refuse(format!("The GIF has more than {MAX_GIF_FRAMES} frames.")));
        }
        if frames as u64 * canvas > MAX_GIF_WORK {
            return Err(refuse(format!(
                "The GIF is too much work to decode: frames × width × height may be at most \
                 {MAX_GIF_WORK} ({frames} frames of {width}×{height} pass it)."
            )));
        }
    }
    if frames == 0 {
        return Err(refuse("The GIF has no frames."));
    }
    Ok(frames)
}

/// Decodes every frame of a GIF whose work [`gif_frame_count`] accepted, so a corrupt later
/// frame is caught too.
fn decode_gif_frames(bytes: &[u8]) -> Result<(), UploadError> {
    use image::{AnimationDecoder, ImageDecoder};
    let mut decoder = image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
        .map_err(|_| refuse("The GIF could not be read."))?;
    decoder.set_limits(decode_limits()).map_err(|_| refuse("The GIF could not be read."))?;
    for frame in decoder.into_frames() {
        frame.map_err(|_| refuse("The GIF is corrupt or truncated."))?;
    }
    Ok(())
}

/// A stored hash as Discord writes it: 32 lowercase hex characters, optionally `a_`-prefixed.
pub fn is_hash(s: &str) -> bool {
    let hex = s.strip_prefix("a_").unwrap_or(s);
    hex.len() == 32 && hex.bytes().all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;

    fn png(w: u32, h: u32) -> Vec<u8> {
        let img = image::RgbaImage::from_pixel(w, h, image::Rgba([200, 30, 60, 255]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        out.into_inner()
    }

    #[test]
    fn data_uris_and_raw_base64_give_the_same_hash() {
        let bytes = png(8, 8);
        let raw = STANDARD.encode(&bytes);
        let a = decode_upload(&format!("data:image/jpeg;base64,{raw}")).unwrap();
        let b = decode_upload(&raw).unwrap();
        assert_eq!(a.hash, b.hash);
        assert_eq!(a.kind, ImageKind::Png, "sniffed, not the declared MIME type");
        assert!(is_hash(&a.hash) && !a.hash.starts_with("a_"));
    }

    #[test]
    fn the_mean_colour_weighs_visible_pixels() {
        let solid = decode_upload(&STANDARD.encode(png(8, 8))).unwrap();
        assert_eq!(solid.mean_color, Some(0xc8_1e_3c));
        // Half red, half transparent: the transparent half does not darken it.
        let mut img = image::RgbaImage::from_pixel(4, 4, image::Rgba([0, 0, 0, 0]));
        for y in 0..2 {
            for x in 0..4 {
                img.put_pixel(x, y, image::Rgba([255, 0, 0, 255]));
            }
        }
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, ImageFormat::Png).unwrap();
        let half = decode_upload(&STANDARD.encode(out.into_inner())).unwrap();
        assert_eq!(half.mean_color, Some(0xff_00_00));
        let clear = image::RgbaImage::from_pixel(4, 4, image::Rgba([9, 9, 9, 0]));
        let mut out = Cursor::new(Vec::new());
        clear.write_to(&mut out, ImageFormat::Png).unwrap();
        assert_eq!(decode_upload(&STANDARD.encode(out.into_inner())).unwrap().mean_color, None);
        // A large image is sampled, to the same mean.
        let big = decode_upload(&STANDARD.encode(png(2000, 1000))).unwrap();
        assert_eq!(big.mean_color, Some(0xc8_1e_3c));
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        let good = png(8, 8);
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty"),
            ("data:image/png;base64,".into(), "empty"),
            ("%%%%".into(), "base64"),
            (STANDARD.encode(b"just some text, not an image"), "PNG, JPEG"),
            (STANDARD.encode(&good[..good.len() / 2]), "corrupt"),
            (STANDARD.encode(png(MAX_SIDE + 1, 1)), "4096"),
            ("data:image/png,rawbytes".into(), "base64"),
        ];
        for (input, expected) in cases {
            let err = decode_upload(&input).unwrap_err();
            assert!(err.0.contains(expected), "{input:.40}: {err}");
        }
        let mut corrupt = good.clone();
        let n = corrupt.len();
        corrupt[n / 2..n - 12].fill(0x55);
        assert!(decode_upload(&STANDARD.encode(&corrupt)).is_err());
    }

    /// `frames` frames of `frame`×`frame` pixels on a `canvas`×`canvas` GIF.
    fn gif(canvas: u16, frame: u16, frames: usize) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let palette = [0u8, 0, 0, 255, 255, 255];
            let mut encoder = gif::Encoder::new(&mut out, canvas, canvas, &palette).unwrap();
            for i in 0..frames {
                let f = gif::Frame {
                    width: frame,
                    height: frame,
                    buffer: std::borrow::Cow::Owned(vec![(i % 2) as u8; usize::from(frame).pow(2)]),
                    ..gif::Frame::default()
                };
                encoder.write_frame(&f).unwrap();
            }
        }
        out
    }

    #[test]
    fn gif_work_is_bounded_before_any_frame_is_decoded() {
        // The bomb: 1000 frames of 1×1 on a 4096² canvas, ~23 KB.
        let bomb = gif(4096, 1, 1000);
        assert!(bomb.len() < 32 * 1024, "{}", bomb.len());
        let started = std::time::Instant::now();
        let err = decode_upload(&STANDARD.encode(&bomb)).unwrap_err();
        assert!(err.0.contains("too much work"), "{err}");
        // Refused from descriptors: far below the ~60 s decoding it took (debug build too).
        assert!(started.elapsed() < std::time::Duration::from_secs(5));
        // Exactly at the budget is fine: 4 frames of 4096² = 2^26; 5 are not.
        let at_budget = gif(4096, 1, 4);
        assert!(decode_upload(&STANDARD.encode(&at_budget)).unwrap().animated);
        assert!(decode_upload(&STANDARD.encode(gif(4096, 1, 5))).is_err());
        // A frame larger than its canvas, and more than 1000 frames, are refused too.
        assert!(decode_upload(&STANDARD.encode(gif(16, 32, 1)))
            .unwrap_err()
            .0
            .contains("larger than the image"));
        assert!(decode_upload(&STANDARD.encode(gif(4, 1, 1001)))
            .unwrap_err()
            .0
            .contains("1000 frames"));
        let ordinary = decode_upload(&STANDARD.encode(gif(64, 64, 30))).unwrap();
        assert!(ordinary.animated && ordinary.hash.starts_with("a_"));
    }

    #[test]
    fn oversize_is_refused_before_decoding() {
        let huge = "A".repeat((MAX_IMAGE_BYTES / 3 + 10) * 4);
        assert!(decode_upload(&huge).unwrap_err().0.contains("MiB"));
    }
}

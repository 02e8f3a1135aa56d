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
}

/// Why an upload was refused (the message is shown to the client).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadError(pub String);

impl std::fmt::Display for UploadError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UploadError {}

fn refuse(message: impl Into<String>) -> UploadError {
    UploadError(message.into())
}

/// `data:image/png;base64,AAAA…` or raw base64 → a validated image.
pub fn decode_upload(value: &str) -> Result<Upload, UploadError> {
    let payload = match value.strip_prefix("data:") {
        Some(rest) => {
            let (header, data) = rest
                .split_once(',')
                .ok_or_else(|| refuse("Invalid data URI: no comma."))?;
            if !header.ends_with(";base64") {
                return Err(refuse(
                    "Invalid data URI: the image must be base64-encoded.",
                ));
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
    let kind = ImageKind::sniff(&bytes)
        .ok_or_else(|| refuse("The image must be a PNG, JPEG, GIF or WebP."))?;

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
    // Decode it all, within limits, to prove it is an image (a truncated or corrupt one fails).
    let mut reader = ImageReader::with_format(Cursor::new(&bytes), kind.format());
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(256 * 1024 * 1024);
    reader.limits(limits);
    reader
        .decode()
        .map_err(|_| refuse("The image is corrupt or truncated."))?;

    let animated = kind == ImageKind::Gif && gif_frames(&bytes)? > 1;
    let digest = Sha256::digest(&bytes);
    let hash = format!(
        "{}{}",
        if animated { "a_" } else { "" },
        hex::encode(&digest[..16])
    );
    Ok(Upload {
        hash,
        bytes,
        kind,
        width,
        height,
        animated,
    })
}

/// Counts a GIF's frames, decoding each (so a corrupt later frame is caught too); stops at the
/// limit of frames a sane avatar has.
fn gif_frames(bytes: &[u8]) -> Result<usize, UploadError> {
    use image::AnimationDecoder;
    let decoder = image::codecs::gif::GifDecoder::new(Cursor::new(bytes))
        .map_err(|_| refuse("The GIF could not be read."))?;
    let mut frames = 0;
    for frame in decoder.into_frames() {
        frame.map_err(|_| refuse("The GIF is corrupt or truncated."))?;
        frames += 1;
        if frames > 1000 {
            return Err(refuse("The GIF has more than 1000 frames."));
        }
    }
    Ok(frames)
}

/// A stored hash as Discord writes it: 32 lowercase hex characters, optionally `a_`-prefixed.
pub fn is_hash(s: &str) -> bool {
    let hex = s.strip_prefix("a_").unwrap_or(s);
    hex.len() == 32
        && hex
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
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
        assert_eq!(
            a.kind,
            ImageKind::Png,
            "sniffed, not the declared MIME type"
        );
        assert!(is_hash(&a.hash) && !a.hash.starts_with("a_"));
    }

    #[test]
    fn refuses_what_is_not_an_image() {
        let good = png(8, 8);
        let cases: Vec<(String, &str)> = vec![
            (String::new(), "empty"),
            ("data:image/png;base64,".into(), "empty"),
            ("%%%%".into(), "base64"),
            (
                STANDARD.encode(b"just some text, not an image"),
                "PNG, JPEG",
            ),
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

    #[test]
    fn oversize_is_refused_before_decoding() {
        let huge = "A".repeat((MAX_IMAGE_BYTES / 3 + 10) * 4);
        assert!(decode_upload(&huge).unwrap_err().0.contains("MiB"));
    }
}

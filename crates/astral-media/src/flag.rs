//! Pride flag images (pronouns.cc's flags): PNG, JPEG or WebP only, validated as avatars are
//! ([`decode_upload_of`]), then normalised, so that what is stored and served is one format at
//! a bounded size whatever was uploaded: scaled to fit [`MAX_FLAG_SIDE`] (never enlarged) and
//! re-encoded as lossless WebP. The hash is the normalised file's, so the same picture sent as
//! PNG or as WebP is one stored flag image.

use std::io::Cursor;

use image::ImageReader;
use sha2::{Digest, Sha256};

use crate::render::{encode, scale_down, OutputFormat};
use crate::upload::{decode_limits, decode_upload_of, ImageKind, Upload, UploadError};

/// The formats pronouns.cc accepts for a flag (no GIF: a flag is a still image).
pub const FLAG_KINDS: [ImageKind; 3] = [ImageKind::Png, ImageKind::Jpeg, ImageKind::WebP];

/// The longest side of a stored flag, in pixels. Flags are shown at text height next to a
/// name; 512 is sharp on any screen at that size and keeps a stored flag small (a 4096²
/// upload would otherwise be kept, and served, at 4096²).
pub const MAX_FLAG_SIDE: u32 = 512;

/// A `flag` field (data URI or raw base64) → the normalised WebP and its hash.
pub fn decode_flag(value: &str) -> Result<Upload, UploadError> {
    let upload = decode_upload_of(value, &FLAG_KINDS)?;
    // Decoded again here: decode_upload_of proved the file whole and within the limits, and
    // keeps only its bytes.
    let mut reader = ImageReader::with_format(Cursor::new(&upload.bytes), upload.kind.format());
    reader.limits(decode_limits());
    let image =
        reader.decode().map_err(|_| UploadError("The image is corrupt or truncated.".into()))?;
    let image = if image.width().max(image.height()) > MAX_FLAG_SIDE {
        scale_down(image, MAX_FLAG_SIDE)
    } else {
        image
    };
    let (width, height) = (image.width(), image.height());
    let bytes = encode(image, OutputFormat::WebP)
        .map_err(|e| UploadError(format!("The image could not be converted: {e}")))?;
    let digest = Sha256::digest(&bytes);
    Ok(Upload {
        hash: hex::encode(&digest[..16]),
        bytes,
        kind: ImageKind::WebP,
        width,
        height,
        animated: false,
        mean_color: upload.mean_color,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::engine::general_purpose::STANDARD;
    use base64::Engine;
    use image::ImageFormat;

    fn encoded(w: u32, h: u32, format: ImageFormat) -> String {
        let img = image::RgbImage::from_pixel(w, h, image::Rgb([200, 30, 60]));
        let mut out = Cursor::new(Vec::new());
        img.write_to(&mut out, format).unwrap();
        format!("data:image/x;base64,{}", STANDARD.encode(out.into_inner()))
    }

    #[test]
    fn flags_are_stored_as_webp_within_the_side_limit() {
        let flag = decode_flag(&encoded(1024, 600, ImageFormat::Png)).unwrap();
        assert_eq!(ImageKind::of(&flag.bytes), Some(ImageKind::WebP));
        assert_eq!((flag.width, flag.height), (512, 300));
        assert!(crate::is_hash(&flag.hash));
        let small = decode_flag(&encoded(30, 20, ImageFormat::Jpeg)).unwrap();
        assert_eq!((small.width, small.height), (30, 20), "never enlarged");
        assert_eq!(ImageKind::of(&small.bytes), Some(ImageKind::WebP));
    }

    #[test]
    fn the_same_picture_is_the_same_flag_whatever_its_upload_format() {
        let png = decode_flag(&encoded(16, 10, ImageFormat::Png)).unwrap();
        let webp = decode_flag(&encoded(16, 10, ImageFormat::WebP)).unwrap();
        assert_eq!(png.hash, webp.hash);
    }

    #[test]
    fn gifs_are_refused_before_they_are_decoded() {
        let error = decode_flag(&encoded(4, 4, ImageFormat::Gif)).unwrap_err();
        assert_eq!(error.0, "The image must be a PNG, JPEG or WebP (this one is a GIF).");
        let error = decode_flag("bm90IGFuIGltYWdl").unwrap_err();
        assert_eq!(error.0, "The image must be a PNG, JPEG or WebP.");
    }
}

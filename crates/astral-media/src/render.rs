//! Rendering an original at a requested size and format, and Discord's default avatars.

use std::io::Cursor;

use image::imageops::FilterType;
use image::{DynamicImage, ImageFormat, ImageReader, Rgba, RgbaImage};

use crate::upload::{decode_limits, ImageKind};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OutputFormat {
    Png,
    Jpeg,
    WebP,
    Gif,
}

impl OutputFormat {
    /// From a URL extension (`png`, `jpg`, `jpeg`, `webp`, `gif`).
    pub fn from_extension(ext: &str) -> Option<OutputFormat> {
        match ext {
            "png" => Some(OutputFormat::Png),
            "jpg" | "jpeg" => Some(OutputFormat::Jpeg),
            "webp" => Some(OutputFormat::WebP),
            "gif" => Some(OutputFormat::Gif),
            _ => None,
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            OutputFormat::Png => "image/png",
            OutputFormat::Jpeg => "image/jpeg",
            OutputFormat::WebP => "image/webp",
            OutputFormat::Gif => "image/gif",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            OutputFormat::Png => "png",
            OutputFormat::Jpeg => "jpg",
            OutputFormat::WebP => "webp",
            OutputFormat::Gif => "gif",
        }
    }

    fn image_format(self) -> ImageFormat {
        match self {
            OutputFormat::Png => ImageFormat::Png,
            OutputFormat::Jpeg => ImageFormat::Jpeg,
            OutputFormat::WebP => ImageFormat::WebP,
            OutputFormat::Gif => ImageFormat::Gif,
        }
    }

    fn matches(self, kind: ImageKind) -> bool {
        matches!(
            (self, kind),
            (OutputFormat::Png, ImageKind::Png)
                | (OutputFormat::Jpeg, ImageKind::Jpeg)
                | (OutputFormat::WebP, ImageKind::WebP)
                | (OutputFormat::Gif, ImageKind::Gif)
        )
    }
}

#[derive(Debug)]
pub struct RenderError(pub String);

impl std::fmt::Display for RenderError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for RenderError {}

/// The original in `format`, scaled to fit `size`×`size` if given (never enlarged). The
/// original itself is returned when nothing needs to change, which keeps animated GIFs
/// animated at their own size; a resized or converted GIF is its first frame.
pub fn render(
    original: &[u8],
    format: OutputFormat,
    size: Option<u32>,
) -> Result<Vec<u8>, RenderError> {
    let kind = ImageKind::of(original)
        .ok_or_else(|| RenderError("stored image of unknown format".into()))?;
    // From the header: an original that needs no change is served without decoding it.
    let (width, height) = ImageReader::with_format(Cursor::new(original), kind.format())
        .into_dimensions()
        .map_err(|e| RenderError(e.to_string()))?;
    let fits = size.is_none_or(|s| width <= s && height <= s);
    if format.matches(kind) && fits {
        return Ok(original.to_vec());
    }
    // Within the upload's limits (a GIF: its first frame only).
    let mut reader = ImageReader::with_format(Cursor::new(original), kind.format());
    reader.limits(decode_limits());
    let image = reader.decode().map_err(|e| RenderError(e.to_string()))?;
    let image = match size {
        Some(s) if !fits => scale_down(&image, s),
        _ => image,
    };
    encode(&image, format)
}

/// Scaled to fit `size`×`size`. Halving or more: area averaging (`thumbnail`), which is what
/// a large reduction needs and costs one pass and the output's memory (Lanczos3 on a 4096²
/// original took ~3 s and ~200 MB here, its f32 intermediate the size of the input); less
/// than halving, where averaging would alias: a triangle filter.
fn scale_down(image: &DynamicImage, size: u32) -> DynamicImage {
    if image.width().max(image.height()) >= 2 * size {
        image.thumbnail(size, size)
    } else {
        image.resize(size, size, FilterType::Triangle)
    }
}

fn encode(image: &DynamicImage, format: OutputFormat) -> Result<Vec<u8>, RenderError> {
    // JPEG has no alpha channel.
    let image = match format {
        OutputFormat::Jpeg => DynamicImage::ImageRgb8(image.to_rgb8()),
        _ => DynamicImage::ImageRgba8(image.to_rgba8()),
    };
    let mut out = Cursor::new(Vec::new());
    image
        .write_to(&mut out, format.image_format())
        .map_err(|e| RenderError(e.to_string()))?;
    Ok(out.into_inner())
}

/// How many default avatars there are (Discord: `(user_id >> 22) % 6`).
pub const DEFAULT_AVATAR_COUNT: u64 = 6;

/// Default avatar `index` as a PNG: a filled circle in one of six colours (Discord's palette)
/// on a transparent square, drawn here rather than shipped.
pub fn default_avatar(index: u64, size: u32) -> Option<Vec<u8>> {
    const COLOURS: [[u8; 3]; 6] = [
        [0x58, 0x65, 0xf2],
        [0x75, 0x7e, 0x8a],
        [0x3b, 0xa5, 0x5c],
        [0xfa, 0xa6, 0x1a],
        [0xed, 0x42, 0x45],
        [0xeb, 0x45, 0x9f],
    ];
    let [r, g, b] = *COLOURS.get(usize::try_from(index).ok()?)?;
    let half = size as f32 / 2.0;
    let image = RgbaImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - half, y as f32 + 0.5 - half);
        if dx * dx + dy * dy <= half * half {
            Rgba([r, g, b, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    });
    encode(&DynamicImage::ImageRgba8(image), OutputFormat::Png).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        encode(
            &DynamicImage::ImageRgba8(RgbaImage::from_pixel(w, h, Rgba([1, 2, 3, 255]))),
            OutputFormat::Png,
        )
        .unwrap()
    }

    #[test]
    fn resizes_and_converts() {
        let original = png(300, 150);
        assert_eq!(
            render(&original, OutputFormat::Png, None).unwrap(),
            original
        );
        assert_eq!(
            render(&original, OutputFormat::Png, Some(512)).unwrap(),
            original,
            "never enlarged"
        );
        let small =
            image::load_from_memory(&render(&original, OutputFormat::Png, Some(64)).unwrap())
                .unwrap();
        assert_eq!((small.width(), small.height()), (64, 32));
        let webp = render(&original, OutputFormat::WebP, Some(128)).unwrap();
        assert_eq!(image::guess_format(&webp).unwrap(), ImageFormat::WebP);
        let jpeg = render(&original, OutputFormat::Jpeg, None).unwrap();
        assert_eq!(image::guess_format(&jpeg).unwrap(), ImageFormat::Jpeg);
    }

    #[test]
    fn six_default_avatars() {
        for i in 0..DEFAULT_AVATAR_COUNT {
            let img = image::load_from_memory(&default_avatar(i, 64).unwrap()).unwrap();
            assert_eq!(img.width(), 64);
        }
        assert!(default_avatar(6, 64).is_none());
    }
}

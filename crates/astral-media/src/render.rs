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

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct RenderError(pub String);

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
    if serves_as_is(original, format, size) {
        return Ok(original.to_vec());
    }
    // Within the upload's limits (a GIF: its first frame only).
    let mut reader = ImageReader::with_format(Cursor::new(original), kind.format());
    reader.limits(decode_limits());
    let image = reader.decode().map_err(|e| RenderError(e.to_string()))?;
    let fits = size.is_none_or(|s| image.width() <= s && image.height() <= s);
    let image = match size {
        Some(s) if !fits => scale_down(image, s),
        _ => image,
    };
    encode(image, format)
}

/// Scaled to fit `size`×`size`. Halving or more: area averaging (`thumbnail`), which is what
/// a large reduction needs and costs one pass and the output's memory (Lanczos3 on a 4096²
/// original took ~3 s and ~200 MB here, its f32 intermediate the size of the input); less
/// than halving, where averaging would alias: a triangle filter. Takes the original by value
/// so it is freed before the result is encoded.
pub(crate) fn scale_down(image: DynamicImage, size: u32) -> DynamicImage {
    if image.width().max(image.height()) >= 2 * size {
        image.thumbnail(size, size)
    } else {
        image.resize(size, size, FilterType::Triangle)
    }
}

/// Whether the original itself is the answer (the format asked for, and no larger than
/// `size`), judged from its header alone, without decoding it.
pub fn serves_as_is(original: &[u8], format: OutputFormat, size: Option<u32>) -> bool {
    let Some(kind) = ImageKind::of(original) else {
        return false;
    };
    if !format.matches(kind) {
        return false;
    }
    ImageReader::with_format(Cursor::new(original), kind.format())
        .into_dimensions()
        .is_ok_and(|(width, height)| size.is_none_or(|s| width <= s && height <= s))
}

/// Takes the image by value so that a conversion replaces it rather than copying it: a 4096²
/// image is 48–64 MiB per copy, and that is what bounds a render's memory.
pub(crate) fn encode(image: DynamicImage, format: OutputFormat) -> Result<Vec<u8>, RenderError> {
    use image::ColorType;
    let mut out = Cursor::new(Vec::new());
    if format == OutputFormat::Gif {
        // `write_to` quantises with NeuQuant at speed 1, which took 12 s for one 4096² frame
        // here (1 s at 1024²); speed 10, the gif crate's suggested compromise, 1.8 s (0.14 s).
        let frame = image::Frame::new(image.into_rgba8());
        let mut encoder =
            image::codecs::gif::GifEncoder::new_with_speed(&mut out, GIF_QUANTISATION_SPEED);
        encoder.encode_frame(frame).map_err(|e| RenderError(e.to_string()))?;
        drop(encoder);
        return Ok(out.into_inner());
    }
    // Converted only when the encoder cannot take the image as it is (JPEG has no alpha
    // channel; WebP takes 8-bit RGB(A) only; 16-bit images become 8-bit).
    let image = match (format, image.color()) {
        (OutputFormat::Jpeg, ColorType::Rgb8 | ColorType::L8) => image,
        (OutputFormat::Jpeg, _) => DynamicImage::ImageRgb8(image.into_rgb8()),
        (_, ColorType::Rgb8 | ColorType::Rgba8) => image,
        _ => DynamicImage::ImageRgba8(image.into_rgba8()),
    };
    image.write_to(&mut out, format.image_format()).map_err(|e| RenderError(e.to_string()))?;
    Ok(out.into_inner())
}

/// NeuQuant's sampling factor when a still image is converted to GIF (1 best and slowest,
/// 30 fastest).
const GIF_QUANTISATION_SPEED: i32 = 10;

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
    encode(DynamicImage::ImageRgba8(image), OutputFormat::Png).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32) -> Vec<u8> {
        encode(
            DynamicImage::ImageRgba8(RgbaImage::from_pixel(w, h, Rgba([1, 2, 3, 255]))),
            OutputFormat::Png,
        )
        .unwrap()
    }

    #[test]
    fn resizes_and_converts() {
        let original = png(300, 150);
        assert_eq!(render(&original, OutputFormat::Png, None).unwrap(), original);
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

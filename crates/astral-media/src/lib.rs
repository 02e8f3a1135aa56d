//! Avatars and banners.
//!
//! - [`decode_upload`]: a data URI or raw base64 string → proven image bytes and their hash.
//!   The format is sniffed from the bytes (the declared MIME type is ignored), the size is
//!   bounded before and after decoding base64, the dimensions are read from the header and
//!   bounded before any pixel is decoded (so a decompression bomb is refused cheaply), and
//!   then the whole image is decoded, with allocation limits, to prove it is one.
//! - [`MediaStore`] / [`DiskStore`]: content-addressed storage; writes are atomic.
//! - [`render`]: an original at a Discord CDN size and format.

mod render;
mod store;
mod upload;

pub use render::{default_avatar, render, OutputFormat, RenderError, DEFAULT_AVATAR_COUNT};
pub use store::{DiskStore, MediaStore};
pub use upload::{
    decode_upload, is_hash, ImageKind, Upload, UploadError, MAX_IMAGE_BYTES, MAX_PIXELS, MAX_SIDE,
};

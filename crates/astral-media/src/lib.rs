//! Avatars and banners.
//!
//! - [`decode_upload`]: a data URI or raw base64 string → proven image bytes and their hash.
//!   The format is sniffed from the bytes (the declared MIME type is ignored), the size is
//!   bounded before and after decoding base64, the dimensions are read from the header and
//!   bounded before any pixel is decoded (so a decompression bomb is refused cheaply), and
//!   then the whole image is decoded, with allocation limits, to prove it is one.
//!   A GIF's frames × canvas area is bounded from its frame descriptors before that.
//! - [`decode_flag`]: a pride flag upload (PNG, JPEG or WebP) → a normalised WebP and its hash.
//! - [`MediaStore`] / [`DiskStore`]: content-addressed storage; writes are atomic.
//! - [`render`]: an original at a Discord CDN size and format.
//! - [`ImageWorkers`]: the threads all of that runs on (bounded, with a queue deadline),
//!   single-flight renders and the default avatar cache.

mod flag;
mod render;
mod store;
mod upload;
mod workers;

pub use flag::{decode_flag, FLAG_KINDS, MAX_FLAG_SIDE};
pub use render::{
    default_avatar, render, serves_as_is, OutputFormat, RenderError, DEFAULT_AVATAR_COUNT,
};
pub use store::{DiskStore, MediaStore};
pub use upload::{
    decode_upload, decode_upload_of, is_hash, ImageKind, Upload, UploadError, MAX_DECODE_ALLOC,
    MAX_GIF_FRAMES, MAX_GIF_WORK, MAX_IMAGE_BYTES, MAX_PIXELS, MAX_SIDE,
};
pub use workers::{ImageError, ImageWorkers, JobObserver, LaneState, WorkerSettings};

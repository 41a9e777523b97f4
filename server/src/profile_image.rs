//! Checking an uploaded profile image: it must really be the PNG, JPEG or
//! WebP it says it is, within size limits, and it is re-encoded from its
//! pixels, so no metadata (location, camera, comments) and no payload hidden
//! in the file's other chunks survive.

use std::io::Cursor;

use image::{DynamicImage, ImageFormat, ImageReader, Limits};

/// The largest upload read.
pub const MAX_UPLOAD_BYTES: usize = 2 * 1024 * 1024;
/// Larger images are refused before their pixels are decoded.
const MAX_SIDE: u32 = 6000;
/// Memory the decoder may take for one image.
const MAX_DECODE_BYTES: u64 = 160 * 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Slot {
    Photo,
    Cover,
}

impl Slot {
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Photo => "photo",
            Self::Cover => "cover",
        }
    }

    /// The largest size kept: a photo is shown small, a cover wide.
    fn bounds(self) -> (u32, u32) {
        match self {
            Self::Photo => (512, 512),
            Self::Cover => (1600, 800),
        }
    }
}

#[derive(Debug)]
pub struct Sanitized {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub extension: &'static str,
    pub width: u32,
    pub height: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImageError {
    #[error("send the image as image/png, image/jpeg or image/webp")]
    UnsupportedType,
    #[error("the body is not a {0} image")]
    NotThatImage(&'static str),
    #[error("the image is larger than {MAX_SIDE}×{MAX_SIDE} pixels")]
    TooManyPixels,
    #[error("the image cannot be re-encoded: {0}")]
    Encode(String),
}

/// The declared type's format and name; `None` for any other type.
pub fn declared_format(content_type: &str) -> Option<(ImageFormat, &'static str)> {
    let essence = content_type
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    match essence.as_str() {
        "image/png" => Some((ImageFormat::Png, "PNG")),
        "image/jpeg" => Some((ImageFormat::Jpeg, "JPEG")),
        "image/webp" => Some((ImageFormat::WebP, "WebP")),
        _ => None,
    }
}

/// Decodes `bytes` as `content_type` says and re-encodes it (JPEG stays
/// JPEG; PNG and WebP become PNG, which keeps transparency), scaled down to
/// the slot's bounds. CPU-heavy: call it off the async runtime.
pub fn sanitize(bytes: &[u8], content_type: &str, slot: Slot) -> Result<Sanitized, ImageError> {
    let (format, name) = declared_format(content_type).ok_or(ImageError::UnsupportedType)?;
    if image::guess_format(bytes).ok() != Some(format) {
        return Err(ImageError::NotThatImage(name));
    }
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut limits = Limits::default();
    limits.max_image_width = Some(MAX_SIDE);
    limits.max_image_height = Some(MAX_SIDE);
    limits.max_alloc = Some(MAX_DECODE_BYTES);
    reader.limits(limits);
    let decoded = reader.decode().map_err(|error| match error {
        image::ImageError::Limits(_) => ImageError::TooManyPixels,
        _ => ImageError::NotThatImage(name),
    })?;
    let (max_w, max_h) = slot.bounds();
    let image = if decoded.width() > max_w || decoded.height() > max_h {
        decoded.resize(max_w, max_h, image::imageops::FilterType::Lanczos3)
    } else {
        decoded
    };
    let mut out = Cursor::new(Vec::new());
    let (content_type, extension) = if format == ImageFormat::Jpeg {
        let rgb = DynamicImage::ImageRgb8(image.to_rgb8());
        image::codecs::jpeg::JpegEncoder::new_with_quality(&mut out, 88)
            .encode_image(&rgb)
            .map_err(|e| ImageError::Encode(e.to_string()))?;
        ("image/jpeg", "jpg")
    } else {
        image
            .write_to(&mut out, ImageFormat::Png)
            .map_err(|e| ImageError::Encode(e.to_string()))?;
        ("image/png", "png")
    };
    Ok(Sanitized {
        bytes: out.into_inner(),
        content_type,
        extension,
        width: image.width(),
        height: image.height(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(width: u32, height: u32, text_chunk: bool) -> Vec<u8> {
        let mut out = Vec::new();
        {
            let mut encoder = png::Encoder::new(&mut out, width, height);
            encoder.set_color(png::ColorType::Rgba);
            if text_chunk {
                encoder
                    .add_text_chunk("Comment".into(), "GPS 35.68N 139.76E".into())
                    .expect("text");
            }
            let mut writer = encoder.write_header().expect("header");
            writer
                .write_image_data(&vec![200; (width * height * 4) as usize])
                .expect("pixels");
        }
        out
    }

    #[test]
    fn metadata_is_dropped_and_large_images_are_scaled_down() {
        let upload = png(800, 400, true);
        assert!(String::from_utf8_lossy(&upload).contains("GPS"));
        let clean = sanitize(&upload, "image/png", Slot::Photo).expect("valid");
        assert!(!String::from_utf8_lossy(&clean.bytes).contains("GPS"));
        assert_eq!((clean.width, clean.height), (512, 256));
        assert_eq!(clean.content_type, "image/png");
        let cover = sanitize(&upload, "image/png", Slot::Cover).expect("valid");
        assert_eq!((cover.width, cover.height), (800, 400));
    }

    #[test]
    fn a_body_that_is_not_the_declared_image_is_refused() {
        let upload = png(4, 4, false);
        assert_eq!(
            sanitize(&upload, "image/jpeg", Slot::Photo).err(),
            Some(ImageError::NotThatImage("JPEG"))
        );
        assert_eq!(
            sanitize(b"<svg onload=alert(1)>", "image/png", Slot::Photo).err(),
            Some(ImageError::NotThatImage("PNG"))
        );
        assert_eq!(
            sanitize(&upload, "image/svg+xml", Slot::Photo).err(),
            Some(ImageError::UnsupportedType)
        );
        let mut truncated = upload.clone();
        truncated.truncate(upload.len() - 20);
        assert!(sanitize(&truncated, "image/png", Slot::Photo).is_err());
    }
}

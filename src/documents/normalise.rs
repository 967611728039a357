//! Photo normalisation: decode with limits, resize (long side capped) with a Lanczos3
//! filter — the sharpest of the common filters, which keeps small print on a photographed
//! household register legible — apply the EXIF orientation, drop every piece of metadata
//! (GPS, camera, time) by re-encoding the pixels alone as JPEG, and make a thumbnail.

use std::io::Cursor;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::metadata::Orientation;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader, RgbImage};

use super::{sniff, unreadable, Format, Limits};
use crate::domain::Invalid;
use crate::error::{AppError, AppResult};

/// JPEG quality of the stored image: small print stays crisp, a 12 MP photo capped at
/// 2400 px comes out at a few hundred KB.
pub const QUALITY: u8 = 82;
pub const THUMB_QUALITY: u8 = 70;

pub struct Normalised {
    pub jpeg: Vec<u8>,
    pub thumb: Vec<u8>,
    /// Upright size of the stored image.
    pub width: u32,
    pub height: u32,
}

fn image_format(f: Format) -> ImageFormat {
    match f {
        Format::Png => ImageFormat::Png,
        Format::Webp => ImageFormat::WebP,
        _ => ImageFormat::Jpeg,
    }
}

/// `(w, h)` scaled so the long side is at most `cap` (never enlarged).
pub fn fit(w: u32, h: u32, cap: u32) -> (u32, u32) {
    let long = w.max(h);
    if long <= cap {
        return (w, h);
    }
    let scale = |v: u32| {
        ((u64::from(v) * u64::from(cap) + u64::from(long) / 2) / u64::from(long)).max(1) as u32
    };
    (scale(w), scale(h))
}

pub fn normalise(bytes: &[u8], format: Format, limits: &Limits) -> AppResult<Normalised> {
    if format == Format::Jpeg && !sniff::jpeg_is_complete(bytes) {
        return Err(unreadable(format));
    }
    let reader = || ImageReader::with_format(Cursor::new(bytes), image_format(format));
    // The header alone tells the size: a decompression bomb is refused before decoding.
    let (w, h) = reader().into_dimensions().map_err(|_| unreadable(format))?;
    if w == 0 || h == 0 {
        return Err(unreadable(format));
    }
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        let mp = limits.max_pixels / 1_000_000;
        return Err(AppError::TooLarge(Invalid::new(
            format!("图片像素过大（{w}×{h}）：最多{mp}百万像素，请调低相机分辨率后重拍"),
            format!("The image has too many pixels ({w}×{h}): at most {mp} megapixels"),
        )));
    }
    let mut decoder = reader().into_decoder().map_err(|_| unreadable(format))?;
    let mut l = image::Limits::default();
    l.max_image_width = Some(w);
    l.max_image_height = Some(h);
    // Room for the decoded pixels at up to 16-bit RGBA, plus the decoder's own buffers.
    l.max_alloc = Some(u64::from(w) * u64::from(h) * 8 + 64 * 1024 * 1024);
    decoder.set_limits(l).map_err(|_| unreadable(format))?;
    let orientation = decoder.orientation().unwrap_or(Orientation::NoTransforms);
    let decoded = DynamicImage::from_decoder(decoder).map_err(|_| unreadable(format))?;
    let rgb = flatten(decoded);

    let (tw, th) = fit(w, h, limits.max_side);
    let mut resizer = Resizer::new();
    let mut main = resize(&mut resizer, rgb, tw, th)?;
    // Orient after shrinking: rotating the small image is cheaper than the large one.
    main.apply_orientation(orientation);
    let main = main.into_rgb8();
    let (sw, sh) = fit(main.width(), main.height(), limits.thumb_side);
    let thumb = resize(&mut resizer, main.clone(), sw, sh)?.into_rgb8();
    Ok(Normalised {
        width: main.width(),
        height: main.height(),
        jpeg: encode(&main, QUALITY)?,
        thumb: encode(&thumb, THUMB_QUALITY)?,
    })
}

/// RGB pixels; transparent areas (PNG scans, screenshots) become white paper, not black.
fn flatten(img: DynamicImage) -> RgbImage {
    if !img.color().has_alpha() {
        return img.into_rgb8();
    }
    let rgba = img.into_rgba8();
    let (w, h) = rgba.dimensions();
    let mut out = RgbImage::new(w, h);
    for (o, p) in out.pixels_mut().zip(rgba.pixels()) {
        let a = u32::from(p[3]);
        for c in 0..3 {
            o[c] = ((u32::from(p[c]) * a + 255 * (255 - a) + 127) / 255) as u8;
        }
    }
    out
}

fn resize(resizer: &mut Resizer, src: RgbImage, w: u32, h: u32) -> AppResult<DynamicImage> {
    if src.dimensions() == (w, h) {
        return Ok(DynamicImage::ImageRgb8(src));
    }
    let (sw, sh) = src.dimensions();
    let src_view =
        ImageRef::new(sw, sh, src.as_raw(), PixelType::U8x3).map_err(AppError::internal)?;
    let mut dst = Image::new(w, h, PixelType::U8x3);
    let opts = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
    resizer
        .resize(&src_view, &mut dst, &opts)
        .map_err(AppError::internal)?;
    drop(src);
    let out = RgbImage::from_raw(w, h, dst.into_vec())
        .ok_or_else(|| AppError::internal("resize buffer size"))?;
    Ok(DynamicImage::ImageRgb8(out))
}

fn encode(img: &RgbImage, quality: u8) -> AppResult<Vec<u8>> {
    let mut out = Vec::with_capacity(img.as_raw().len() / 8);
    JpegEncoder::new_with_quality(&mut out, quality)
        .encode_image(img)
        .map_err(AppError::internal)?;
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::fit;

    #[test]
    fn fit_caps_the_long_side_only() {
        assert_eq!(fit(4000, 3000, 2400), (2400, 1800));
        assert_eq!(fit(3000, 4000, 2400), (1800, 2400));
        assert_eq!(fit(800, 600, 2400), (800, 600));
        assert_eq!(fit(100_000, 1, 320), (320, 1));
    }
}

//! Images: decoded within limits, turned upright by their EXIF orientation, and encoded anew in
//! their own format. The encoders write pixels only: no EXIF (and so no GPS, camera or thumbnail),
//! no XMP, no colour profile, no text chunks. The decoder's findings say what was removed.
use super::{Kind, Limits, Refusal, Removed};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::codecs::webp::WebPEncoder;
use image::{DynamicImage, ImageDecoder, ImageFormat, ImageReader};
use std::io::Cursor;

/// JPEG quality of the re-encoded photo: visually the same, a fresh file.
const JPEG_QUALITY: u8 = 90;

pub fn clean(
    kind: Kind,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(Vec<u8>, Vec<Removed>), Refusal> {
    let (img, removed) = decode(kind, bytes, limits)?;
    Ok((encode(kind, &img)?, removed))
}

/// The image, upright, and what its file carried besides pixels. The dimensions are checked
/// against `max_pixels` before a pixel is decoded, so a small file that claims a huge image costs
/// nothing.
fn decode(
    kind: Kind,
    bytes: &[u8],
    limits: &Limits,
) -> Result<(DynamicImage, Vec<Removed>), Refusal> {
    let format = match kind {
        Kind::Jpeg => ImageFormat::Jpeg,
        Kind::Png => ImageFormat::Png,
        Kind::Webp => ImageFormat::WebP,
        _ => return Err(Refusal::Unsupported),
    };
    let mut reader = ImageReader::with_format(Cursor::new(bytes), format);
    let mut l = image::Limits::default();
    l.max_alloc = Some(limits.max_alloc());
    reader.limits(l);
    let mut decoder = reader.into_decoder().map_err(refusal)?;
    let (w, h) = decoder.dimensions();
    if u64::from(w) * u64::from(h) > limits.max_pixels {
        return Err(Refusal::TooManyPixels {
            max: limits.max_pixels,
        });
    }
    let mut removed = Vec::new();
    let orientation = decoder.orientation().map_err(refusal)?;
    if let Some(exif) = decoder.exif_metadata().map_err(refusal)? {
        removed.extend(exif_findings(&exif));
    }
    if decoder.xmp_metadata().map_err(refusal)?.is_some() {
        removed.push(Removed::Xmp);
    }
    if decoder.icc_profile().map_err(refusal)?.is_some() {
        removed.push(Removed::ColourProfile);
    }
    if kind == Kind::Png && png_has_text(bytes) {
        removed.push(Removed::TextNotes);
    }
    let mut img = DynamicImage::from_decoder(decoder).map_err(refusal)?;
    img.apply_orientation(orientation);
    Ok((img, removed))
}

fn encode(kind: Kind, img: &DynamicImage) -> Result<Vec<u8>, Refusal> {
    let mut out = Vec::new();
    let written = match kind {
        Kind::Jpeg => {
            let encoder = JpegEncoder::new_with_quality(&mut out, JPEG_QUALITY);
            match img {
                DynamicImage::ImageLuma8(_) => img.write_with_encoder(encoder),
                _ => DynamicImage::ImageRgb8(img.to_rgb8()).write_with_encoder(encoder),
            }
        }
        Kind::Png => img.write_with_encoder(PngEncoder::new(&mut out)),
        Kind::Webp => {
            let rgba = DynamicImage::ImageRgba8(img.to_rgba8());
            rgba.write_with_encoder(WebPEncoder::new_lossless(&mut out))
        }
        _ => return Err(Refusal::Unsupported),
    };
    written.map_err(|_| Refusal::Damaged)?;
    Ok(out)
}

fn refusal(e: image::ImageError) -> Refusal {
    match e {
        image::ImageError::Limits(_) => Refusal::Bomb,
        _ => Refusal::Damaged,
    }
}

/// What an EXIF block holds that a reporter would care about: the GPS directory, the camera (make,
/// model, serial numbers, lens); everything else counts as EXIF. A tag is found by its number in
/// either byte order; a false positive only lengthens the list of what was removed.
fn exif_findings(exif: &[u8]) -> Vec<Removed> {
    let has_tag = |tag: u16| {
        let (be, le) = (tag.to_be_bytes(), tag.to_le_bytes());
        exif.windows(2).any(|w| w == be || w == le)
    };
    let mut found = vec![Removed::Exif];
    if has_tag(0x8825) {
        found.push(Removed::Location);
    }
    // Make, Model, BodySerialNumber, LensModel.
    if [0x010F, 0x0110, 0xA431, 0xA434].into_iter().any(has_tag) {
        found.push(Removed::Camera);
    }
    found
}

/// Whether a PNG carries text chunks (tEXt, zTXt, iTXt), read from its chunk list.
fn png_has_text(bytes: &[u8]) -> bool {
    let mut at = 8;
    while at + 8 <= bytes.len() {
        let len = u32::from_be_bytes([bytes[at], bytes[at + 1], bytes[at + 2], bytes[at + 3]]);
        let kind = &bytes[at + 4..at + 8];
        if [&b"tEXt"[..], b"zTXt", b"iTXt"].contains(&kind) {
            return true;
        }
        at += 12 + len as usize;
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits::for_file_size(10 << 20)
    }

    #[test]
    fn a_claimed_huge_image_is_refused_before_decoding() {
        // A PNG header that claims 50,000 × 50,000 pixels, and nothing else.
        let mut png = b"\x89PNG\r\n\x1a\n\0\0\0\x0dIHDR".to_vec();
        png.extend_from_slice(&50_000u32.to_be_bytes());
        png.extend_from_slice(&50_000u32.to_be_bytes());
        png.extend_from_slice(&[8, 2, 0, 0, 0, 0, 0, 0, 0]);
        assert!(matches!(
            clean(Kind::Png, &png, &limits()),
            Err(Refusal::TooManyPixels { .. } | Refusal::Damaged)
        ));
    }

    #[test]
    fn orientation_is_applied_and_pixels_survive() {
        let img =
            DynamicImage::ImageRgb8(image::RgbImage::from_pixel(3, 2, image::Rgb([200, 10, 10])));
        let mut png = Vec::new();
        img.write_with_encoder(PngEncoder::new(&mut png)).unwrap();
        let (out, removed) = clean(Kind::Png, &png, &limits()).unwrap();
        assert!(removed.is_empty());
        let back = image::load_from_memory(&out).unwrap();
        assert_eq!((back.width(), back.height()), (3, 2));
    }
}

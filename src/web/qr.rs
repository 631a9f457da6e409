//! QR codes drawn on the server as inline SVG, so that enrolling a second factor loads nothing from
//! anywhere and needs no script.
use qrcode::render::svg;
use qrcode::{EcLevel, QrCode};

/// `text` as an `<svg>` element (no XML declaration), or None if it does not fit in a QR code.
pub fn svg(text: &str) -> Option<String> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).ok()?;
    let image = code
        .render::<svg::Color<'_>>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = image.find("<svg")?;
    Some(image[start..].to_string())
}

#[cfg(test)]
mod tests {
    #[test]
    fn an_svg_element_and_nothing_else() {
        let s = super::svg("otpauth://totp/Zhiyan:desk?secret=GEZDGNBVGY3TQOJQ").unwrap();
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"), "{s}");
        assert!(!s.contains("<script") && !s.contains("href"));
    }
}

//! The type of a file from its first bytes (and, for a ZIP, from the parts it holds), never from its
//! name or the type its sender declared.
use super::{ooxml, text, Kind, Refusal};

pub fn sniff(bytes: &[u8]) -> Result<Kind, Refusal> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        return Ok(Kind::Jpeg);
    }
    if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        return Ok(Kind::Png);
    }
    if bytes.len() >= 12 && bytes.starts_with(b"RIFF") && &bytes[8..12] == b"WEBP" {
        return Ok(Kind::Webp);
    }
    if bytes.starts_with(b"%PDF-") {
        return Ok(Kind::Pdf);
    }
    if bytes.starts_with(b"PK\x03\x04") {
        return ooxml::kind(bytes);
    }
    if text::looks_like_html(bytes) {
        return Err(Refusal::Html);
    }
    if text::decode(bytes).is_some() {
        return Ok(Kind::Text);
    }
    Err(Refusal::Unsupported)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_decides_not_names() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Ok(Kind::Jpeg));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\n...."), Ok(Kind::Png));
        assert_eq!(sniff(b"RIFF\0\0\0\0WEBPVP8 "), Ok(Kind::Webp));
        assert_eq!(sniff(b"%PDF-1.7\n"), Ok(Kind::Pdf));
        assert_eq!(sniff("会议纪要\n第二行".as_bytes()), Ok(Kind::Text));
        assert_eq!(
            sniff(b"  <!DOCTYPE html><html><script>x</script>"),
            Err(Refusal::Html)
        );
        assert_eq!(sniff(b"\0\x01\x02binary"), Err(Refusal::Unsupported));
        assert_eq!(
            sniff(b"GIF89a\x01\0\x01\0\x80\0\0"),
            Err(Refusal::Unsupported)
        );
    }
}

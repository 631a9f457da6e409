//! Plain text: decoded (UTF-8, or GB18030 as Chinese Windows writes it), normalised to UTF-8 with
//! `\n` line ends and no byte-order mark, control characters refused. Web pages are refused: they
//! are text, but not what a plain text attachment is for.
use super::{Refusal, Removed};
use crate::domain::text::refused_character;

pub fn clean(bytes: &[u8]) -> Result<(Vec<u8>, Vec<Removed>), Refusal> {
    let text = decode(bytes).ok_or(Refusal::Unsupported)?;
    let normalised = text.replace("\r\n", "\n").replace('\r', "\n");
    Ok((normalised.into_bytes(), Vec::new()))
}

/// The text of `bytes`, if they are text: UTF-8 (a BOM dropped), else GB18030; `None` when neither
/// reads cleanly or when a control character other than a tab or a line break is in it.
pub fn decode(bytes: &[u8]) -> Option<String> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_string(),
        Err(_) => {
            let (t, had_errors) = encoding_rs::GB18030.decode_without_bom_handling(bytes);
            if had_errors {
                return None;
            }
            t.into_owned()
        }
    };
    // A lone carriage return (old Mac line ends) is a line break too.
    let check = text.replace('\r', "\n");
    refused_character(&check).is_none().then_some(text)
}

/// Whether the text opens like a web page or an SVG/XML document (after white space), as the
/// browsers' own sniffing would take it.
pub fn looks_like_html(bytes: &[u8]) -> bool {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let start = bytes
        .iter()
        .position(|b| !b.is_ascii_whitespace())
        .unwrap_or(bytes.len());
    let head: Vec<u8> = bytes[start..bytes.len().min(start + 512)].to_ascii_lowercase();
    const OPENERS: [&[u8]; 20] = [
        b"<!doctype",
        b"<html",
        b"<head",
        b"<body",
        b"<script",
        b"<iframe",
        b"<svg",
        b"<?xml",
        b"<!--",
        b"<style",
        b"<title",
        b"<div",
        b"<table",
        b"<a ",
        b"<p>",
        b"<p ",
        b"<h1",
        b"<br",
        b"<img",
        b"<object",
    ];
    OPENERS.iter().any(|o| head.starts_with(o)) || head.windows(7).any(|w| w == b"<script")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_normalised_to_utf8() {
        let (out, _) = clean(b"\xEF\xBB\xBFa\r\nb\rc").unwrap();
        assert_eq!(out, b"a\nb\nc");
        let (gb, _, _) = encoding_rs::GB18030.encode("会议纪要");
        assert_eq!(clean(&gb).unwrap().0, "会议纪要".as_bytes());
        assert!(decode(b"a\x1b[31m").is_none());
    }

    #[test]
    fn pages_are_not_text() {
        assert!(looks_like_html(b"\n <HTML><body>"));
        assert!(looks_like_html(b"hello <script>alert(1)</script>"));
        assert!(!looks_like_html("1 < 2，但 3 > 2".as_bytes()));
    }
}

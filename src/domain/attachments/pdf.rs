//! PDF: loaded with lopdf after every compressed stream was measured against the unpacked budget;
//! refused when encrypted or when it carries JavaScript or launch actions; saved anew without the
//! Info dictionary, the document ids, XMP metadata (the catalog's and every object's), embedded
//! files (the name tree, associated files and file-attachment annotations) and page-piece data.
//! Forms are kept. What is no longer referenced is dropped before saving.
use super::{contains, find, Limits, Refusal, Removed};
use lopdf::{Document, Object};
use std::io::Read;

pub fn clean(bytes: &[u8], limits: &Limits) -> Result<(Vec<u8>, Vec<Removed>), Refusal> {
    if contains(bytes, b"/Encrypt") {
        return Err(Refusal::Encrypted);
    }
    streams_within_budget(bytes, limits.max_unpacked)?;
    let mut doc = Document::load_mem(bytes).map_err(|_| Refusal::Damaged)?;
    if doc.is_encrypted() {
        return Err(Refusal::Encrypted);
    }
    for object in doc.objects.values() {
        if active(object) {
            return Err(Refusal::Active);
        }
    }
    let mut removed = Vec::new();
    if doc.trailer.remove(b"Info").is_some() {
        removed.push(Removed::DocumentInfo);
    }
    if doc.trailer.remove(b"ID").is_some() {
        removed.push(Removed::DocumentIds);
    }
    for object in doc.objects.values_mut() {
        strip(object, &mut removed);
    }
    doc.prune_objects();
    let mut out = Vec::new();
    doc.save_to(&mut out).map_err(|_| Refusal::Damaged)?;
    // Confidence: what is stored must open again.
    Document::load_mem(&out).map_err(|_| Refusal::Damaged)?;
    Ok((out, removed))
}

/// Keys whose presence anywhere makes the file active content.
const ACTIVE_KEYS: [&[u8]; 3] = [b"JS", b"JavaScript", b"Launch"];
/// Action types (`/S`) refused.
const ACTIVE_ACTIONS: [&[u8]; 4] = [b"JavaScript", b"Launch", b"ImportData", b"RichMediaExecute"];

fn active(object: &Object) -> bool {
    match object {
        Object::Dictionary(d) => d.iter().any(|(k, v)| {
            ACTIVE_KEYS.contains(&k.as_slice())
                || (k == b"S" && v.as_name().is_ok_and(|n| ACTIVE_ACTIONS.contains(&n)))
                || active(v)
        }),
        Object::Stream(s) => active(&Object::Dictionary(s.dict.clone())),
        Object::Array(items) => items.iter().any(active),
        _ => false,
    }
}

/// Take metadata out of one object (and what it holds), noting what was found.
fn strip(object: &mut Object, removed: &mut Vec<Removed>) {
    let dict = match object {
        Object::Dictionary(d) => d,
        Object::Stream(s) => &mut s.dict,
        Object::Array(items) => {
            // An annotation list: file attachments go.
            let before = items.len();
            items.retain(|i| !is_file_attachment(i));
            if items.len() != before {
                removed.push(Removed::EmbeddedFiles);
            }
            for i in items.iter_mut() {
                strip(i, removed);
            }
            return;
        }
        _ => return,
    };
    if dict.remove(b"Metadata").is_some() {
        removed.push(Removed::Xmp);
    }
    dict.remove(b"PieceInfo");
    if dict.remove(b"AF").is_some() {
        removed.push(Removed::EmbeddedFiles);
    }
    if let Ok(Object::Dictionary(names)) = dict.get_mut(b"Names") {
        if names.remove(b"EmbeddedFiles").is_some() {
            removed.push(Removed::EmbeddedFiles);
        }
    }
    if is_file_attachment(&Object::Dictionary(dict.clone())) {
        // A file-attachment annotation kept by reference: emptied of its file.
        if dict.remove(b"FS").is_some() {
            removed.push(Removed::EmbeddedFiles);
        }
    }
    for (_, v) in dict.iter_mut() {
        strip(v, removed);
    }
}

fn is_file_attachment(o: &Object) -> bool {
    o.as_dict()
        .ok()
        .and_then(|d| d.get(b"Subtype").ok())
        .and_then(|s| s.as_name().ok())
        == Some(b"FileAttachment".as_slice())
}

/// Inflate every `stream … endstream` that is compressed, with one budget for them all, before any
/// PDF library sees the file: lopdf unpacks object streams while loading, and a stream that inflates
/// a thousandfold must be refused before that, not after. A stream that is not deflate data passes
/// here and is judged by lopdf.
fn streams_within_budget(bytes: &[u8], budget: u64) -> Result<(), Refusal> {
    let mut left = budget;
    let mut at = 0;
    while let Some(start) = find(bytes, b"stream", at) {
        let mut body = start + b"stream".len();
        if bytes.get(body) == Some(&b'\r') {
            body += 1;
        }
        if bytes.get(body) == Some(&b'\n') {
            body += 1;
        }
        let end = find(bytes, b"endstream", body).unwrap_or(bytes.len());
        let mut inflated = flate2::read::ZlibDecoder::new(&bytes[body..end]).take(left + 1);
        let mut sink = std::io::sink();
        let n = std::io::copy(&mut inflated, &mut sink).unwrap_or(0);
        if n > left {
            return Err(Refusal::Bomb);
        }
        left -= n;
        at = end + b"endstream".len();
    }
    Ok(())
}

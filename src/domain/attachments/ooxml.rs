//! Word, Excel and PowerPoint files (OOXML: a ZIP of XML parts), rewritten part by part into a new
//! archive. Every part is unpacked against one budget (and a ratio per part), so a ZIP bomb is
//! refused after reading at most the budget. Dropped: the document properties (docProps/: author,
//! company, dates, the thumbnail), custom XML, printer settings, and their relationships and content
//! types. In every XML part: revision session ids (w:rsid*, and <w:rsids> in the settings), authors'
//! names, initials and ids on comments, changes and people, comment and change dates, the template
//! path, Excel's saved file path and revision ids. Images inside are cleaned as images are, embedded
//! Office files as Office files; any other embedded object, a macro project or an ActiveX control
//! refuses the file. Entry times are reset, so the archive says nothing about when it was edited.
use super::{contains, image, Kind, Limits, Refusal, Removed};
use quick_xml::events::{BytesStart, Event};
use std::collections::BTreeSet;
use std::io::{Cursor, Read, Write};
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, DateTime, ZipArchive, ZipWriter};

/// At most this many parts in one file.
const MAX_ENTRIES: usize = 5_000;
/// A part may unpack to this many times its packed size (plus `RATIO_SLACK`); XML manages about 20.
const MAX_RATIO: u64 = 200;
const RATIO_SLACK: u64 = 64 * 1024;
/// Office files inside an Office file are cleaned too, but no deeper than this.
const MAX_DEPTH: u8 = 2;

/// Which Office document a ZIP is, from the main part it holds; any other ZIP is not accepted.
pub fn kind(bytes: &[u8]) -> Result<Kind, Refusal> {
    let zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::Unsupported)?;
    let has = |name: &str| zip.index_for_name(name).is_some();
    if !has("[Content_Types].xml") {
        return Err(Refusal::Unsupported);
    }
    [
        ("word/document.xml", Kind::Docx),
        ("xl/workbook.xml", Kind::Xlsx),
        ("ppt/presentation.xml", Kind::Pptx),
    ]
    .into_iter()
    .find(|(part, _)| has(part))
    .map(|(_, k)| k)
    .ok_or(Refusal::Unsupported)
}

pub fn clean(bytes: &[u8], limits: &Limits) -> Result<(Vec<u8>, Vec<Removed>), Refusal> {
    let mut budget = limits.max_unpacked;
    let mut removed = BTreeSet::new();
    let out = rewrite(bytes, limits, &mut budget, &mut removed, 0)?;
    Ok((out, removed.into_iter().collect()))
}

fn rewrite(
    bytes: &[u8],
    limits: &Limits,
    budget: &mut u64,
    removed: &mut BTreeSet<Removed>,
    depth: u8,
) -> Result<Vec<u8>, Refusal> {
    let mut zip = ZipArchive::new(Cursor::new(bytes)).map_err(|_| Refusal::Damaged)?;
    if zip.len() > MAX_ENTRIES {
        return Err(Refusal::Bomb);
    }
    let names: Vec<String> = (0..zip.len())
        .map(|i| zip.name_for_index(i).unwrap_or_default().to_string())
        .collect();
    if names.iter().any(|n| is_active(n)) {
        return Err(Refusal::Active);
    }
    let dropped: BTreeSet<String> = names.iter().filter(|n| drops(n)).cloned().collect();
    for name in &dropped {
        removed.insert(if name.to_ascii_lowercase().contains("printersettings") {
            Removed::PrinterAndTemplate
        } else {
            Removed::DocumentInfo
        });
    }
    let mut out = ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .compression_method(CompressionMethod::Deflated)
        .last_modified_time(DateTime::default());
    for (i, name) in names.iter().enumerate() {
        if dropped.contains(name) {
            continue;
        }
        let data = unpack(&mut zip, i, budget)?;
        let data = if name.ends_with('/') {
            continue;
        } else if name.ends_with(".rels") {
            relationships(name, &data, &dropped, removed)?
        } else if name == "[Content_Types].xml" {
            if contains(&data, b"macroEnabled") {
                return Err(Refusal::Active);
            }
            content_types(&data, &dropped)?
        } else if name.ends_with(".xml") || name.ends_with(".vml") {
            xml(name, &data, removed)?
        } else if name.contains("/embeddings/") {
            match super::sniff(&data) {
                Ok(Kind::Docx | Kind::Xlsx | Kind::Pptx) if depth < MAX_DEPTH => {
                    rewrite(&data, limits, budget, removed, depth + 1)?
                }
                _ => return Err(Refusal::Damaged),
            }
        } else {
            match super::sniff(&data) {
                Ok(k) if k.is_image() => {
                    let (img, found) = image::clean(k, &data, limits)?;
                    removed.extend(found);
                    img
                }
                _ => data,
            }
        };
        out.start_file(name.as_str(), options)
            .map_err(|_| Refusal::Damaged)?;
        out.write_all(&data).map_err(|_| Refusal::Damaged)?;
    }
    let done = out.finish().map_err(|_| Refusal::Damaged)?;
    Ok(done.into_inner())
}

/// One part, unpacked within what is left of the budget and within the ratio.
fn unpack(
    zip: &mut ZipArchive<Cursor<&[u8]>>,
    i: usize,
    budget: &mut u64,
) -> Result<Vec<u8>, Refusal> {
    let entry = zip.by_index(i).map_err(|e| match e {
        zip::result::ZipError::UnsupportedArchive(_) => Refusal::Unsupported,
        _ => Refusal::Damaged,
    })?;
    let packed = entry.compressed_size();
    let allowed = (*budget).min(packed.saturating_mul(MAX_RATIO) + RATIO_SLACK);
    let mut data = Vec::new();
    entry
        .take(allowed + 1)
        .read_to_end(&mut data)
        .map_err(|_| Refusal::Damaged)?;
    let n = data.len() as u64;
    if n > allowed {
        return Err(Refusal::Bomb);
    }
    *budget -= n;
    Ok(data)
}

/// Parts that refuse the whole file: macros and ActiveX controls run code.
fn is_active(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with("vbaproject.bin") || lower.contains("/activex/")
}

/// Parts left out of the cleaned file.
fn drops(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.starts_with("docprops/")
        || lower.starts_with("customxml/")
        || lower.contains("printersettings")
}

/// A relationships part without the relationships to dropped parts or to the template.
fn relationships(
    name: &str,
    data: &[u8],
    dropped: &BTreeSet<String>,
    removed: &mut BTreeSet<Removed>,
) -> Result<Vec<u8>, Refusal> {
    // `word/_rels/document.xml.rels` describes `word/document.xml`: targets are relative to `word/`.
    let base = name
        .rsplit_once("_rels/")
        .map(|(dir, _)| dir)
        .unwrap_or_default();
    filter(data, |e| {
        if e.local_name().as_ref() != b"Relationship" {
            return true;
        }
        if attribute(e, b"Type").ends_with("/attachedTemplate") {
            removed.insert(Removed::PrinterAndTemplate);
            return false;
        }
        !dropped.contains(&resolve(base, &attribute(e, b"Target")))
    })
}

/// `[Content_Types].xml` without the overrides of dropped parts.
fn content_types(data: &[u8], dropped: &BTreeSet<String>) -> Result<Vec<u8>, Refusal> {
    filter(data, |e| {
        if e.local_name().as_ref() != b"Override" {
            return true;
        }
        let part = attribute(e, b"PartName");
        !dropped.contains(part.trim_start_matches('/'))
    })
}

/// The value of an element's attribute `key` ("" when it has none).
fn attribute(e: &BytesStart, key: &[u8]) -> String {
    e.attributes()
        .with_checks(false)
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .map(|a| String::from_utf8_lossy(&a.value).into_owned())
        .unwrap_or_default()
}

/// The part name a relationship target means, from the folder of its source part.
fn resolve(base: &str, target: &str) -> String {
    let joined = match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("{base}{target}"),
    };
    let mut parts: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                parts.pop();
            }
            s => parts.push(s),
        }
    }
    parts.join("/")
}

/// What becomes of one event of an XML part being copied.
enum Step<'a> {
    /// Written (perhaps changed).
    Write(Event<'a>),
    /// Left out: an element start or empty element with all it holds, or any other single event.
    Drop,
}

/// Copy an XML document event by event, each as `step` decides; a dropped start tag takes its
/// element's content and end tag with it.
fn transform<'a>(
    data: &'a [u8],
    mut step: impl FnMut(Event<'a>) -> Step<'a>,
) -> Result<Vec<u8>, Refusal> {
    let mut reader = quick_xml::Reader::from_reader(data);
    let mut writer = quick_xml::Writer::new(Vec::with_capacity(data.len()));
    let mut skipping = 0usize;
    loop {
        let event = reader.read_event().map_err(|_| Refusal::Damaged)?;
        if skipping > 0 {
            match event {
                Event::Start(_) => skipping += 1,
                Event::End(_) => skipping -= 1,
                Event::Eof => return Err(Refusal::Damaged),
                _ => {}
            }
            continue;
        }
        if let Event::Eof = event {
            break;
        }
        let start = matches!(event, Event::Start(_));
        match step(event) {
            Step::Write(e) => writer.write_event(e).map_err(|_| Refusal::Damaged)?,
            Step::Drop if start => skipping = 1,
            Step::Drop => {}
        }
    }
    Ok(writer.into_inner())
}

/// Copy an XML document, leaving out every element (with its content) that `keep` refuses.
fn filter(data: &[u8], mut keep: impl FnMut(&BytesStart) -> bool) -> Result<Vec<u8>, Refusal> {
    transform(data, |event| match &event {
        Event::Start(e) | Event::Empty(e) if !keep(e) => Step::Drop,
        _ => Step::Write(event),
    })
}

/// Elements dropped with their content: the list of revision session ids, the template path,
/// Excel's saved file path and its revision pointer.
const DROPPED_ELEMENTS: [&[u8]; 4] = [
    b"w:rsids",
    b"w:attachedTemplate",
    b"x15ac:absPath",
    b"xr:revisionPtr",
];

/// Attributes (by local name) whose values name or identify a person: emptied, since the schemas
/// require some of them.
const PERSONAL_ATTRIBUTES: [&[u8]; 5] = [
    b"author",
    b"initials",
    b"displayName",
    b"userId",
    b"providerId",
];

/// An XML part with identifying attributes and elements taken out (see the module's list).
fn xml(name: &str, data: &[u8], removed: &mut BTreeSet<Removed>) -> Result<Vec<u8>, Refusal> {
    // Inside an Excel comment's <author>: its text is a name.
    let mut in_author = false;
    let excel_comments = name.starts_with("xl/comments");
    let out = transform(data, |event| match event {
        Event::Start(e) | Event::Empty(e) if DROPPED_ELEMENTS.contains(&e.name().as_ref()) => {
            removed.insert(dropped_kind(e.name().as_ref()));
            Step::Drop
        }
        Event::Start(e) => {
            in_author = excel_comments && e.local_name().as_ref() == b"author";
            Step::Write(Event::Start(scrub(&e, removed)))
        }
        Event::Empty(e) => Step::Write(Event::Empty(scrub(&e, removed))),
        Event::End(e) => {
            in_author = false;
            Step::Write(Event::End(e))
        }
        Event::Text(_) | Event::GeneralRef(_) | Event::CData(_) if in_author => {
            removed.insert(Removed::Authors);
            Step::Drop
        }
        other => Step::Write(other),
    })?;
    Ok(out)
}

fn dropped_kind(name: &[u8]) -> Removed {
    match name {
        b"w:rsids" | b"xr:revisionPtr" => Removed::DocumentIds,
        _ => Removed::PrinterAndTemplate,
    }
}

/// One element's attributes without revision ids and dates, with personal values emptied.
fn scrub(e: &BytesStart, found: &mut BTreeSet<Removed>) -> BytesStart<'static> {
    let mut out = e.to_owned();
    out.clear_attributes();
    let cm_author = e.local_name().as_ref() == b"cmAuthor";
    for a in e.attributes().with_checks(false).flatten() {
        let key = a.key.as_ref();
        let local = a.key.local_name();
        let local = local.as_ref();
        if key.starts_with(b"w:rsid") {
            found.insert(Removed::DocumentIds);
        } else if key == b"w:date" || local == b"dateUtc" {
            found.insert(Removed::Authors);
        } else if PERSONAL_ATTRIBUTES.contains(&local) || (cm_author && local == b"name") {
            if !a.value.is_empty() {
                found.insert(Removed::Authors);
            }
            out.push_attribute((key, &b""[..]));
        } else {
            out.push_attribute(a);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets_resolve_from_their_folder() {
        assert_eq!(resolve("", "docProps/core.xml"), "docProps/core.xml");
        assert_eq!(
            resolve("word/", "../customXml/item1.xml"),
            "customXml/item1.xml"
        );
        assert_eq!(resolve("word/", "/docProps/app.xml"), "docProps/app.xml");
    }
}

//! Attachments without their metadata (issue 13). Files the tests make themselves, with known
//! metadata, go in through the API and the no-JavaScript form; what is stored, once unsealed, holds
//! none of it and still opens. Bombs and lies are refused with a clear 4xx naming the file, and
//! nothing is stored. A reply's files wait with the reply; staff download through the item only, and
//! each download is an audit event.
use crate::support::{form_fields, multipart_request, Options, Resp, TestApp};
use axum::http::{header, StatusCode};
use std::io::{Cursor, Read, Write};
use zhiyan::crypto::Keyring;
use zhiyan::service::Role;

const REPORT: [(&str, &str); 4] = [
    ("category", "duplicate-inspections"),
    ("area", "county"),
    ("title", "三个部门检查同一台账"),
    ("body", "照片和表格见附件。"),
];

/// Strings planted in the fixtures' metadata: none may survive cleaning.
const SECRETS: [&str; 10] = [
    "SecretCam",
    "SN-0042-7781",
    "GPSMARK",
    "PNGAUTHOR",
    "DOCXAUTHOR",
    "COREAUTHOR",
    "00A1B2C3",
    "00DEADBE",
    "PDFAUTHOR",
    "XMPAUTHOR",
];

// ---- fixtures -------------------------------------------------------------------------------

/// A 40 × 20 JPEG with an EXIF block: camera make and model, a serial number, a GPS directory and
/// orientation 6 (turn right), which the cleaned image must have applied (20 × 40).
fn jpeg_with_exif() -> Vec<u8> {
    let img = image::RgbImage::from_fn(40, 20, |x, _| image::Rgb([(x * 6) as u8, 80, 160]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Jpeg)
        .unwrap();
    let exif = tiff(&[
        (0x010F, Value::Ascii("SecretCam")),
        (0x0110, Value::Ascii("SecretCam Model X9")),
        (0x0112, Value::Short(6)),
        (0xA431, Value::Ascii("SN-0042-7781")),
        (0x8825, Value::Gps("GPSMARK 39.9042N")),
    ]);
    let mut app1 = b"Exif\0\0".to_vec();
    app1.extend_from_slice(&exif);
    let mut out = plain[..2].to_vec();
    out.extend_from_slice(&[0xFF, 0xE1]);
    out.extend_from_slice(&((app1.len() + 2) as u16).to_be_bytes());
    out.extend_from_slice(&app1);
    out.extend_from_slice(&plain[2..]);
    out
}

enum Value<'a> {
    Ascii(&'a str),
    Short(u16),
    /// A GPS directory holding one ASCII entry (GPSLatitudeRef's tag number, any text).
    Gps(&'a str),
}

/// A little-endian TIFF with one directory of `entries` (ascending tags); values after it.
fn tiff(entries: &[(u16, Value)]) -> Vec<u8> {
    let ifd_at = 8u32;
    let ifd_len = 2 + 12 * entries.len() as u32 + 4;
    let data_at = ifd_at + ifd_len;
    let mut ifd = (entries.len() as u16).to_le_bytes().to_vec();
    let mut data = Vec::new();
    for (tag, value) in entries {
        ifd.extend_from_slice(&tag.to_le_bytes());
        match value {
            Value::Ascii(s) => {
                let bytes = format!("{s}\0").into_bytes();
                ifd.extend_from_slice(&2u16.to_le_bytes());
                ifd.extend_from_slice(&(bytes.len() as u32).to_le_bytes());
                ifd.extend_from_slice(&(data_at + data.len() as u32).to_le_bytes());
                data.extend_from_slice(&bytes);
            }
            Value::Short(n) => {
                ifd.extend_from_slice(&3u16.to_le_bytes());
                ifd.extend_from_slice(&1u32.to_le_bytes());
                ifd.extend_from_slice(&(*n as u32).to_le_bytes());
            }
            Value::Gps(s) => {
                let gps_at = data_at + data.len() as u32;
                ifd.extend_from_slice(&4u16.to_le_bytes());
                ifd.extend_from_slice(&1u32.to_le_bytes());
                ifd.extend_from_slice(&gps_at.to_le_bytes());
                let text = format!("{s}\0").into_bytes();
                let text_at = gps_at + 18;
                let mut gps = 1u16.to_le_bytes().to_vec();
                gps.extend_from_slice(&1u16.to_le_bytes());
                gps.extend_from_slice(&2u16.to_le_bytes());
                gps.extend_from_slice(&(text.len() as u32).to_le_bytes());
                gps.extend_from_slice(&text_at.to_le_bytes());
                gps.extend_from_slice(&0u32.to_le_bytes());
                gps.extend_from_slice(&text);
                data.extend_from_slice(&gps);
            }
        }
    }
    ifd.extend_from_slice(&0u32.to_le_bytes());
    let mut out = b"II*\0".to_vec();
    out.extend_from_slice(&ifd_at.to_le_bytes());
    out.extend_from_slice(&ifd);
    out.extend_from_slice(&data);
    out
}

/// A PNG chunk with its CRC.
fn chunk(kind: &[u8; 4], data: &[u8]) -> Vec<u8> {
    let mut crc = flate2::Crc::new();
    crc.update(kind);
    crc.update(data);
    let mut out = (data.len() as u32).to_be_bytes().to_vec();
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    out.extend_from_slice(&crc.sum().to_be_bytes());
    out
}

/// A small PNG with tEXt and iTXt chunks naming its author.
fn png_with_text() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(8, 8, image::Rgba([10, 200, 30, 255]));
    let mut plain = Vec::new();
    image::DynamicImage::ImageRgba8(img)
        .write_to(&mut Cursor::new(&mut plain), image::ImageFormat::Png)
        .unwrap();
    let iend = plain.len() - 12;
    let mut out = plain[..iend].to_vec();
    out.extend(chunk(b"tEXt", b"Author\0Zhang San PNGAUTHOR"));
    out.extend(chunk(b"iTXt", b"Comment\0\0\0\0\0GPSMARK taken at home"));
    out.extend_from_slice(&plain[iend..]);
    out
}

/// Only a PNG signature and a header claiming 50,000 × 50,000 pixels (7.5 GB decoded).
fn png_claiming_50000_squared() -> Vec<u8> {
    let mut ihdr = 50_000u32.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&50_000u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 2, 0, 0, 0]);
    let mut out = b"\x89PNG\r\n\x1a\n".to_vec();
    out.extend(chunk(b"IHDR", &ihdr));
    out.extend(chunk(
        b"IDAT",
        &[0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01],
    ));
    out.extend(chunk(b"IEND", &[]));
    out
}

/// A ZIP of `parts` (deflated).
fn zip_of(parts: &[(&str, &[u8])]) -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    for (name, data) in parts {
        w.start_file(*name, options).unwrap();
        w.write_all(data).unwrap();
    }
    w.finish().unwrap().into_inner()
}

const W: &str = "xmlns:w=\"http://schemas.openxmlformats.org/wordprocessingml/2006/main\"";

/// A DOCX with an author in its properties, revision ids, a commenter and printer settings.
fn docx_with_author() -> Vec<u8> {
    let types = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Default Extension="bin" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.printerSettings"/><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override PartName="/word/settings.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.settings+xml"/><Override PartName="/word/comments.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.comments+xml"/><Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/><Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/></Types>"#;
    let rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="word/document.xml"/></Relationships>"#;
    let doc_rels = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/settings" Target="settings.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/comments" Target="comments.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/printerSettings" Target="printerSettings/printerSettings1.bin"/></Relationships>"#;
    let document = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:document {W}><w:body><w:p w:rsidR="00A1B2C3" w:rsidRDefault="00A1B2C3"><w:r w:rsidRPr="00A1B2C3"><w:t>台账 &amp; 检查</w:t></w:r><w:ins w:id="1" w:author="Li Si DOCXAUTHOR" w:date="2026-01-02T03:04:05Z"><w:r><w:t>补充</w:t></w:r></w:ins></w:p></w:body></w:document>"#
    );
    let settings = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:settings {W}><w:zoom w:percent="100"/><w:rsids><w:rsidRoot w:val="00DEADBE"/><w:rsid w:val="00A1B2C3"/></w:rsids></w:settings>"#
    );
    let comments = format!(
        r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<w:comments {W}><w:comment w:id="0" w:author="Li Si DOCXAUTHOR" w:initials="LS" w:date="2026-01-02T03:04:05Z"><w:p><w:r><w:t>请核实</w:t></w:r></w:p></w:comment></w:comments>"#
    );
    let core = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:creator>Wang Wu COREAUTHOR</dc:creator><cp:lastModifiedBy>Wang Wu COREAUTHOR</cp:lastModifiedBy></cp:coreProperties>"#;
    let app = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"><Company>COREAUTHOR Township Office</Company></Properties>"#;
    zip_of(&[
        ("[Content_Types].xml", types.as_bytes()),
        ("_rels/.rels", rels.as_bytes()),
        ("word/document.xml", document.as_bytes()),
        ("word/_rels/document.xml.rels", doc_rels.as_bytes()),
        ("word/settings.xml", settings.as_bytes()),
        ("word/comments.xml", comments.as_bytes()),
        (
            "word/printerSettings/printerSettings1.bin",
            b"PRINTER \\\\SN-0042-7781",
        ),
        ("docProps/core.xml", core.as_bytes()),
        ("docProps/app.xml", app.as_bytes()),
    ])
}

/// A one-page PDF with an Info dictionary (Author, Creator), XMP metadata and document ids.
fn pdf_with_metadata(open_action: Option<lopdf::Object>) -> Vec<u8> {
    use lopdf::{dictionary, Document, Object, Stream};
    let mut doc = Document::with_version("1.5");
    let pages_id = doc.new_object_id();
    let content = Stream::new(
        dictionary! {},
        b"BT /F1 12 Tf 72 720 Td (Report) Tj ET".to_vec(),
    );
    let content_id = doc.add_object(content);
    let page_id = doc.add_object(dictionary! {
        "Type" => "Page",
        "Parent" => pages_id,
        "Contents" => content_id,
        "MediaBox" => vec![0.into(), 0.into(), 595.into(), 842.into()],
    });
    doc.objects.insert(
        pages_id,
        Object::Dictionary(dictionary! {
            "Type" => "Pages",
            "Kids" => vec![page_id.into()],
            "Count" => 1,
        }),
    );
    let xmp = b"<x:xmpmeta xmlns:x=\"adobe:ns:meta/\"><dc:creator>Zhao Liu XMPAUTHOR</dc:creator></x:xmpmeta>";
    let metadata_id = doc.add_object(Stream::new(
        dictionary! { "Type" => "Metadata", "Subtype" => "XML" },
        xmp.to_vec(),
    ));
    let mut catalog = dictionary! {
        "Type" => "Catalog",
        "Pages" => pages_id,
        "Metadata" => metadata_id,
    };
    if let Some(action) = open_action {
        catalog.set("OpenAction", action);
    }
    let catalog_id = doc.add_object(catalog);
    let info_id = doc.add_object(dictionary! {
        "Author" => Object::string_literal("Zhao Liu PDFAUTHOR"),
        "Creator" => Object::string_literal("SecretCam Writer PDFAUTHOR"),
    });
    doc.trailer.set("Root", catalog_id);
    doc.trailer.set("Info", info_id);
    doc.trailer.set(
        "ID",
        vec![
            Object::string_literal("00A1B2C3"),
            Object::string_literal("00A1B2C3"),
        ],
    );
    let mut out = Vec::new();
    doc.save_to(&mut out).unwrap();
    out
}

/// A ZIP that looks like a Word file and unpacks a 100 MB document from about 100 KB.
fn zip_bomb() -> Vec<u8> {
    let mut w = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    w.start_file("[Content_Types].xml", options).unwrap();
    w.write_all(b"<Types/>").unwrap();
    w.start_file("word/document.xml", options).unwrap();
    let zeros = vec![b' '; 1 << 20];
    for _ in 0..100 {
        w.write_all(&zeros).unwrap();
    }
    w.finish().unwrap().into_inner()
}

// ---- helpers --------------------------------------------------------------------------------

/// `POST /api/v1/reports` as multipart with `files`.
async fn submit_with(app: &TestApp, files: &[(&str, &[u8])]) -> Resp {
    let files: Vec<(&str, &str, &[u8])> = files.iter().map(|(n, b)| ("files", *n, *b)).collect();
    app.request(multipart_request("/api/v1/reports", None, &REPORT, &files))
        .await
}

/// The stored files of `id`, unsealed with the app's keyring, in index order.
async fn stored_files(app: &TestApp, id: &str) -> Vec<Vec<u8>> {
    let keys = Keyring::load_or_create(&app.keys_dir()).unwrap();
    let mut out = Vec::new();
    for row in app.store.attachments(id).await.unwrap() {
        let (row, body) = app.store.attachment(id, row.idx).await.unwrap().unwrap();
        let field = format!("attachment:{}", row.idx);
        out.push(keys.open_bytes(id, &field, &row.key_id, &body).unwrap());
        // The same blob does not open as another attachment or another report's.
        assert!(keys
            .open_bytes(id, "attachment:99", &row.key_id, &body)
            .is_err());
        assert!(keys
            .open_bytes("R-OTHER", &field, &row.key_id, &body)
            .is_err());
    }
    out
}

/// Every byte a file holds, with each ZIP entry unpacked, as text for searching.
fn all_text(file: &[u8]) -> String {
    let mut text = String::from_utf8_lossy(file).into_owned();
    if let Ok(mut z) = zip::ZipArchive::new(Cursor::new(file)) {
        for i in 0..z.len() {
            let mut e = z.by_index(i).unwrap();
            text.push_str(e.name());
            let mut data = Vec::new();
            e.read_to_end(&mut data).unwrap();
            text.push_str(&String::from_utf8_lossy(&data));
        }
    }
    text
}

fn assert_clean(file: &[u8]) {
    let text = all_text(file);
    for s in SECRETS {
        assert!(!text.contains(s), "{s} survived cleaning");
    }
}

/// The cleaned DOCX still opens: every part parses as XML, the main document is there, and every
/// relationship points at a part the archive holds (or outside it).
fn assert_valid_ooxml(file: &[u8]) {
    let mut z = zip::ZipArchive::new(Cursor::new(file)).unwrap();
    let names: Vec<String> = z.file_names().map(str::to_string).collect();
    assert!(names.contains(&"[Content_Types].xml".to_string()));
    assert!(names.contains(&"word/document.xml".to_string()));
    assert!(!names
        .iter()
        .any(|n| n.starts_with("docProps/") || n.contains("printerSettings")));
    for name in &names {
        let mut data = String::new();
        z.by_name(name).unwrap().read_to_string(&mut data).unwrap();
        let mut reader = quick_xml::Reader::from_str(&data);
        loop {
            match reader.read_event() {
                Ok(quick_xml::events::Event::Eof) => break,
                Ok(_) => {}
                Err(e) => panic!("{name} is not XML: {e}"),
            }
        }
        if name.ends_with(".rels") {
            let base = name.rsplit_once("_rels/").unwrap().0;
            for target in data.split("Target=\"").skip(1) {
                let target = target.split('"').next().unwrap();
                let part = format!("{base}{target}");
                assert!(names.contains(&part), "{name} points at missing {part}");
            }
        }
    }
    let mut doc = String::new();
    z.by_name("word/document.xml")
        .unwrap()
        .read_to_string(&mut doc)
        .unwrap();
    assert!(doc.contains("台账 &amp; 检查"), "{doc}");
}

// ---- tests ----------------------------------------------------------------------------------

async fn metadata_is_removed_and_files_still_open(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (jpeg, png, docx, pdf) = (
        jpeg_with_exif(),
        png_with_text(),
        docx_with_author(),
        pdf_with_metadata(None),
    );
    // The fixtures do carry what must go.
    for (file, secret) in [
        (&jpeg, "GPSMARK"),
        (&png, "PNGAUTHOR"),
        (&pdf, "PDFAUTHOR"),
        (&pdf, "XMPAUTHOR"),
    ] {
        assert!(String::from_utf8_lossy(file).contains(secret));
    }
    assert!(all_text(&docx).contains("DOCXAUTHOR"));
    // Names say nothing: a photo called .pdf is still read as a photo.
    let r = submit_with(
        &app,
        &[
            ("IMG_20261120_张三.pdf", &jpeg),
            ("scan.png", &png),
            ("台账.docx", &docx),
            ("检查记录.pdf", &pdf),
        ],
    )
    .await
    .expect(StatusCode::CREATED)
    .json();
    let id = r["id"].as_str().unwrap();
    let files = stored_files(&app, id).await;
    assert_eq!(files.len(), 4);
    for f in &files {
        assert_clean(f);
    }
    let photo = image::load_from_memory(&files[0]).unwrap();
    assert_eq!(
        (photo.width(), photo.height()),
        (20, 40),
        "orientation applied"
    );
    assert_eq!(
        image::guess_format(&files[0]).unwrap(),
        image::ImageFormat::Jpeg
    );
    let png = image::load_from_memory(&files[1]).unwrap();
    assert_eq!((png.width(), png.height()), (8, 8));
    assert_valid_ooxml(&files[2]);
    let pdf = lopdf::Document::load_mem(&files[3]).unwrap();
    assert_eq!(pdf.get_pages().len(), 1);
    assert!(pdf.trailer.get(b"Info").is_err() && pdf.trailer.get(b"ID").is_err());

    // Staff see the files under their new names, and what was removed.
    let item = desk.item(id).await.expect(StatusCode::OK).json();
    let names: Vec<&str> = item["attachments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "attachment-1.jpg",
            "attachment-2.png",
            "attachment-3.docx",
            "attachment-4.pdf"
        ]
    );
    let removed = |i: usize| item["attachments"][i]["removed"].to_string();
    for r in ["location", "camera", "exif", "file_name"] {
        assert!(removed(0).contains(r), "{r} in {}", removed(0));
    }
    assert!(removed(1).contains("text_notes"));
    for r in [
        "document_info",
        "document_ids",
        "authors",
        "printer_and_template",
    ] {
        assert!(removed(2).contains(r), "{r} in {}", removed(2));
    }
    for r in ["document_info", "document_ids", "xmp"] {
        assert!(removed(3).contains(r), "{r} in {}", removed(3));
    }
    // Stored padded: the sealed sizes are powers of two (plus nonce and tag).
    for row in app.store.attachments(id).await.unwrap() {
        let (_, body) = app.store.attachment(id, row.idx).await.unwrap().unwrap();
        assert!((body.len() - 28).is_power_of_two(), "{}", body.len());
    }
}
both_backends!(metadata_removed, metadata_is_removed_and_files_still_open);

/// Each refused with a 4xx naming the file, and nothing stored: no report, no event.
async fn bombs_and_lies_are_refused(app: TestApp) {
    use lopdf::dictionary;
    let js = dictionary! {
        "S" => "JavaScript",
        "JS" => lopdf::Object::string_literal("app.alert('x')"),
    };
    let cases: [(&str, Vec<u8>, StatusCode, &str); 5] = [
        ("报告.docx", zip_bomb(), StatusCode::BAD_REQUEST, "bomb"),
        (
            "huge.png",
            png_claiming_50000_squared(),
            StatusCode::BAD_REQUEST,
            "too_many_pixels",
        ),
        (
            "form.pdf",
            pdf_with_metadata(Some(lopdf::Object::Dictionary(js))),
            StatusCode::BAD_REQUEST,
            "active",
        ),
        (
            "photo.jpg",
            b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>".to_vec(),
            StatusCode::BAD_REQUEST,
            "html",
        ),
        (
            "archive.zip",
            zip_of(&[("a.txt", b"hello")]),
            StatusCode::BAD_REQUEST,
            "unsupported",
        ),
    ];
    let events = app.chain_length().await;
    for (name, bytes, status, reason) in cases {
        let started = std::time::Instant::now();
        // A good file beside the bad one: the whole submission goes.
        let ok = png_with_text();
        let r = submit_with(&app, &[("ok.png", &ok), (name, &bytes)])
            .await
            .expect(status);
        let error = &r.json()["error"];
        assert_eq!(error["code"], "attachment_refused", "{name}");
        assert_eq!(error["reason"], reason, "{name}");
        assert_eq!(error["file"], name);
        assert!(error["message"].as_str().unwrap().contains(name));
        assert!(
            started.elapsed() < std::time::Duration::from_secs(20),
            "{name} took {:?}",
            started.elapsed()
        );
    }
    assert_eq!(app.chain_length().await, events, "nothing was stored");
    let sup = app.new_supervisor("sup-county", "county").await;
    let all = sup.items("").await.expect(StatusCode::OK).json();
    assert_eq!(all["items"].as_array().unwrap().len(), 0);
    let events = app.chain_length().await;

    // Too many files, and too large a file, are refused the same way.
    let six: Vec<(&str, &[u8])> = (0..6).map(|_| ("a.txt", &b"hello"[..])).collect();
    let r = submit_with(&app, &six)
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["reason"], "too_many");
    let big = vec![b'a'; (10 << 20) + 1];
    let r = submit_with(&app, &[("big.txt", &big)])
        .await
        .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(r.json()["error"]["file"], "big.txt");
    assert_eq!(app.chain_length().await, events);
}
both_backends!(bombs_and_lies, bombs_and_lies_are_refused);

/// The report form without JavaScript: files chosen on the form, cleaned on the preview (shown
/// with what was removed, the image itself shown), carried on to the submission.
async fn the_form_takes_files_without_javascript(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let form = app.page("/report/new", None).await.expect(StatusCode::OK);
    assert!(form.body.contains("enctype=\"multipart/form-data\""));
    assert!(form.body.contains("type=\"file\""));
    let jpeg = jpeg_with_exif();
    let preview = app
        .request(multipart_request(
            "/report/preview",
            None,
            &REPORT,
            &[("files", "IMG_0001.jpg", &jpeg)],
        ))
        .await
        .expect(StatusCode::OK);
    assert!(preview.body.contains("attachment-1.jpg"));
    assert!(preview.body.contains("位置信息"), "{}", preview.body);
    assert!(preview.body.contains("相机型号"));
    assert!(preview.body.contains("src=\"data:image/jpeg;base64,"));
    let csp = preview.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("img-src 'self' data:"), "{csp}");
    assert!(
        !preview.body.contains("IMG_0001"),
        "the name is not carried on"
    );
    // Confirm: the preview's own form, as a browser posts it.
    let fields = form_fields(&preview.body, "/report");
    let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (&k[..], &v[..])).collect();
    assert!(fields.iter().any(|(k, _)| *k == "kept"));
    let receipt = app
        .request(multipart_request("/report", None, &fields, &[]))
        .await
        .expect(StatusCode::OK);
    assert!(receipt.body.contains("R-"), "{}", receipt.body);
    let inbox = desk.items("").await.expect(StatusCode::OK).json();
    let id = inbox["items"][0]["id"].as_str().unwrap().to_string();
    let files = stored_files(&app, &id).await;
    assert_eq!(files.len(), 1);
    assert_clean(&files[0]);
    image::load_from_memory(&files[0]).unwrap();

    // A refused file: the form again, with the file named in the reporter's language.
    let page = app
        .request(multipart_request(
            "/report/preview?lang=en",
            None,
            &REPORT,
            &[("files", "notes.jpg", b"<html><script>x</script></html>")],
        ))
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert!(page.body.contains("notes.jpg"), "{}", page.body);
    assert!(page.body.contains("web page"), "{}", page.body);
}
both_backends!(no_js_form, the_form_takes_files_without_javascript);

/// A reply's files wait with the reply: staff see nothing of them before its release, then see
/// them dated by the reply's day.
async fn reply_files_follow_the_reply(app: TestApp) {
    let desk = app.new_desk("desk-civil", "civil-affairs").await;
    let (id, reporter) = app.submit("duplicate-inspections", "county", None).await;
    app.clock.advance(3600);
    app.release_due().await;
    assert_eq!(
        desk.item(&id).await.expect(StatusCode::OK).json()["attachments"],
        serde_json::json!([])
    );
    let auth = format!("Receipt {}", reporter.receipt);
    let png = png_with_text();
    app.request(multipart_request(
        "/api/v1/reports/mine/messages",
        Some(&auth),
        &[("body", "补充一张照片")],
        &[("files", "a.png", &png)],
    ))
    .await
    .expect(StatusCode::CREATED);
    let before = desk.item(&id).await.expect(StatusCode::OK).json();
    assert_eq!(before["attachments"], serde_json::json!([]));
    assert_eq!(app.store.attachments(&id).await.unwrap().len(), 1, "held");
    let release = app.pending_release(&id).await.unwrap();
    app.clock.set(release);
    app.release_due().await;
    let after = desk.item(&id).await.expect(StatusCode::OK).json();
    let files = after["attachments"].as_array().unwrap();
    assert_eq!(files.len(), 1);
    let day = files[0]["reply_date"].as_str().unwrap();
    assert_eq!(day.len(), "2026-11-20".len(), "a day, not a time: {day}");
    assert_clean(&stored_files(&app, &id).await[0]);

    // A refused file refuses the reply: nothing waits.
    let r = app
        .request(multipart_request(
            "/api/v1/reports/mine/messages",
            Some(&auth),
            &[("body", "再补充")],
            &[("files", "x.jpg", b"<html></html>")],
        ))
        .await
        .expect(StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["error"]["file"], "x.jpg");
    assert!(app.pending_release(&id).await.is_none());
    assert_eq!(app.store.attachments(&id).await.unwrap().len(), 1);

    // The report page's reply form, without JavaScript: the file waits with the reply.
    let page = app.page("/follow", None).await.expect(StatusCode::OK);
    assert!(page.body.contains("<form"));
    let shown = app
        .request(multipart_request(
            "/follow/message",
            None,
            &[("receipt", &reporter.receipt), ("body", "表格见附件")],
            &[("files", "表.docx", &docx_with_author())],
        ))
        .await
        .expect(StatusCode::OK);
    assert!(shown.body.contains("表格见附件"), "{}", shown.body);
    assert!(app.pending_release(&id).await.is_some());
    let stored = stored_files(&app, &id).await;
    assert_eq!(stored.len(), 2);
    assert_clean(&stored[1]);
    assert_valid_ooxml(&stored[1]);
    let staff = desk.item(&id).await.expect(StatusCode::OK).json();
    assert_eq!(staff["attachments"].as_array().unwrap().len(), 1, "held");
}
both_backends!(
    reply_files_wait,
    reply_files_follow_the_reply,
    Options {
        release_delay: 1800,
        ..Options::default()
    }
);

/// Downloads: the assigned department's desk and the supervisors above it, through the item's
/// pages; 404 for anyone else; each download an audit event; sandboxed and never sniffed.
async fn downloads_go_to_those_who_see_the_item(app: TestApp) {
    let jpeg = jpeg_with_exif();
    let r = submit_with(&app, &[("p.jpg", &jpeg)])
        .await
        .expect(StatusCode::CREATED)
        .json();
    let id = r["id"].as_str().unwrap();
    for (user, role, dept) in [
        ("desk-civil", Role::Desk, "civil-affairs"),
        ("sup-county", Role::Supervisor, "county"),
        ("desk-edu", Role::Desk, "education"),
        ("sup-agri", Role::Supervisor, "agriculture"),
    ] {
        app.user(user, role, Some(dept)).await;
    }
    let path = |base: &str| format!("{base}/items/{id}/attachments/1");
    let events = app.chain_length().await;
    for (user, base) in [("desk-civil", "/desk"), ("sup-county", "/oversight")] {
        let cookie = app.cookie(user).await;
        let got = app
            .page(&path(base), Some(&cookie))
            .await
            .expect(StatusCode::OK);
        let h = |n: header::HeaderName| got.headers[n].to_str().unwrap().to_string();
        assert_eq!(
            h(header::CONTENT_DISPOSITION),
            "attachment; filename=\"attachment-1.jpg\""
        );
        assert_eq!(h(header::CONTENT_TYPE), "image/jpeg");
        assert_eq!(h(header::X_CONTENT_TYPE_OPTIONS), "nosniff");
        assert!(h(header::CONTENT_SECURITY_POLICY).contains("sandbox"));
        assert_clean(&got.bytes);
        let inline = app
            .page(&format!("{}?view=inline", path(base)), Some(&cookie))
            .await
            .expect(StatusCode::OK);
        assert!(inline.headers[header::CONTENT_DISPOSITION]
            .to_str()
            .unwrap()
            .starts_with("inline"));
        // The item page links it.
        let page = app
            .page(&format!("{base}/items/{id}"), Some(&cookie))
            .await
            .expect(StatusCode::OK);
        assert!(page.body.contains(&path(base)), "{}", page.body);
    }
    let kinds = app.event_kinds(id).await;
    assert_eq!(
        kinds
            .iter()
            .filter(|k| *k == "attachment_downloaded")
            .count(),
        4
    );
    assert_eq!(app.chain_length().await, events + 4);
    for (user, base) in [("desk-edu", "/desk"), ("sup-agri", "/oversight")] {
        let cookie = app.cookie(user).await;
        app.page(&path(base), Some(&cookie))
            .await
            .expect(StatusCode::NOT_FOUND);
    }
    let cookie = app.cookie("desk-civil").await;
    app.page(&format!("/desk/items/{id}/attachments/9"), Some(&cookie))
        .await
        .expect(StatusCode::NOT_FOUND);
    app.page(&path("/desk"), None).await;
    assert_eq!(
        app.chain_length().await,
        events + 4,
        "refusals are not downloads"
    );
}
both_backends!(downloads, downloads_go_to_those_who_see_the_item);

/// The per-report total counts the report's files and its replies' together: past it, the reply is
/// refused whole and nothing waits. A preview over it is refused the same way.
async fn the_total_counts_every_file_of_a_report(app: TestApp) {
    let kilobyte = vec![b'a'; 1000];
    let r = submit_with(&app, &[("a.txt", &kilobyte)])
        .await
        .expect(StatusCode::CREATED)
        .json();
    let id = r["id"].as_str().unwrap();
    let auth = format!("Receipt {}", r["receipt"].as_str().unwrap());
    let reply = |name: &'static str| {
        multipart_request(
            "/api/v1/reports/mine/messages",
            Some(&auth),
            &[("body", "再补充一份")],
            &[("files", name, &kilobyte)],
        )
    };
    let refused = app
        .request(reply("b.txt"))
        .await
        .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(refused.json()["error"]["reason"], "total_too_large");
    assert!(app.pending_release(id).await.is_none());
    assert_eq!(app.store.attachments(id).await.unwrap().len(), 1);
    let two: Vec<(&str, &str, &[u8])> =
        vec![("files", "a.txt", &kilobyte), ("files", "b.txt", &kilobyte)];
    let preview = app
        .request(multipart_request(
            "/api/v1/reports/preview",
            None,
            &REPORT,
            &two,
        ))
        .await
        .expect(StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(preview.json()["error"]["reason"], "total_too_large");
}
both_backends!(
    total_per_report,
    the_total_counts_every_file_of_a_report,
    Options {
        attachments: Some(zhiyan::service::AttachmentPolicy {
            max_count: 5,
            max_bytes: 10 << 20,
            max_total: 1500,
        }),
        ..Options::default()
    }
);

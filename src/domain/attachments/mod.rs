//! Files attached to a report or a reply, cleaned before anything is stored: the type is read from
//! the content (never the name), the file is rebuilt without what could identify its maker (EXIF and
//! GPS, XMP, colour profiles, document properties, authors, revision ids…), and a file that cannot be
//! rebuilt with confidence is refused, not kept as it came. Pure: bytes in, bytes out, every
//! decompression bounded by `Limits`. The crates that read the formats live here and nowhere else
//! (`image`, `lopdf`, `zip`, `quick-xml`).
mod image;
mod ooxml;
mod pdf;
mod sniff;
mod text;

pub use sniff::sniff;

/// What a file was found to be.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    Webp,
    Pdf,
    Docx,
    Xlsx,
    Pptx,
    Text,
}

impl Kind {
    pub const ALL: [Kind; 8] = [
        Kind::Jpeg,
        Kind::Png,
        Kind::Webp,
        Kind::Pdf,
        Kind::Docx,
        Kind::Xlsx,
        Kind::Pptx,
        Kind::Text,
    ];

    pub fn as_str(self) -> &'static str {
        self.extension()
    }

    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// The extension the stored file is named with: the reporter's own file name is never kept.
    pub fn extension(self) -> &'static str {
        match self {
            Kind::Jpeg => "jpg",
            Kind::Png => "png",
            Kind::Webp => "webp",
            Kind::Pdf => "pdf",
            Kind::Docx => "docx",
            Kind::Xlsx => "xlsx",
            Kind::Pptx => "pptx",
            Kind::Text => "txt",
        }
    }

    pub fn mime(self) -> &'static str {
        match self {
            Kind::Jpeg => "image/jpeg",
            Kind::Png => "image/png",
            Kind::Webp => "image/webp",
            Kind::Pdf => "application/pdf",
            Kind::Docx => "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            Kind::Xlsx => "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            Kind::Pptx => {
                "application/vnd.openxmlformats-officedocument.presentationml.presentation"
            }
            Kind::Text => "text/plain; charset=utf-8",
        }
    }

    pub fn is_image(self) -> bool {
        matches!(self, Kind::Jpeg | Kind::Png | Kind::Webp)
    }
}

/// Something a file carried that its cleaned copy does not: what the reporter's preview lists.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Removed {
    /// GPS coordinates (EXIF GPS, or XMP location).
    Location,
    /// Camera make, model, serial number, lens.
    Camera,
    /// The rest of EXIF: dates, software, settings; and a thumbnail.
    Exif,
    /// XMP: editing history, tools, often names.
    Xmp,
    /// An embedded colour profile (it can name a device or a person).
    ColourProfile,
    /// PNG text chunks (comments, software, author).
    TextNotes,
    /// Author, company, dates and software of a document (PDF Info, OOXML docProps).
    DocumentInfo,
    /// Ids that tie copies of a document together (PDF /ID, OOXML revision session ids).
    DocumentIds,
    /// Files embedded in a PDF.
    EmbeddedFiles,
    /// The names and initials of comment and change authors.
    Authors,
    /// Printer settings and the path of the template the document came from.
    PrinterAndTemplate,
    /// The file's own name (it is stored as 附件N.ext).
    FileName,
}

impl Removed {
    pub fn as_str(self) -> &'static str {
        match self {
            Removed::Location => "location",
            Removed::Camera => "camera",
            Removed::Exif => "exif",
            Removed::Xmp => "xmp",
            Removed::ColourProfile => "colour_profile",
            Removed::TextNotes => "text_notes",
            Removed::DocumentInfo => "document_info",
            Removed::DocumentIds => "document_ids",
            Removed::EmbeddedFiles => "embedded_files",
            Removed::Authors => "authors",
            Removed::PrinterAndTemplate => "printer_and_template",
            Removed::FileName => "file_name",
        }
    }

    pub const ALL: [Removed; 12] = [
        Removed::Location,
        Removed::Camera,
        Removed::Exif,
        Removed::Xmp,
        Removed::ColourProfile,
        Removed::TextNotes,
        Removed::DocumentInfo,
        Removed::DocumentIds,
        Removed::EmbeddedFiles,
        Removed::Authors,
        Removed::PrinterAndTemplate,
        Removed::FileName,
    ];

    pub fn parse(s: &str) -> Option<Removed> {
        Removed::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

/// Why a file was refused. Nothing of a refused file is stored.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error(
        "is not one of the accepted types (JPEG, PNG, WebP, PDF, DOCX, XLSX, PPTX, plain text)"
    )]
    Unsupported,
    #[error("is a web page (HTML), which is not accepted")]
    Html,
    #[error("is empty")]
    Empty,
    #[error("is larger than {max} bytes")]
    TooLarge { max: u64 },
    #[error("has more pixels than accepted ({max})")]
    TooManyPixels { max: u64 },
    #[error("unpacks to far more than its size (a compression bomb)")]
    Bomb,
    #[error("contains scripts or actions, which are not accepted")]
    Active,
    #[error("is encrypted or password-protected")]
    Encrypted,
    #[error("is damaged or could not be cleaned with confidence")]
    Damaged,
}

impl Refusal {
    pub const ALL: [Refusal; 9] = [
        Refusal::Unsupported,
        Refusal::Html,
        Refusal::Empty,
        Refusal::TooLarge { max: 0 },
        Refusal::TooManyPixels { max: 0 },
        Refusal::Bomb,
        Refusal::Active,
        Refusal::Encrypted,
        Refusal::Damaged,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Refusal::Unsupported => "unsupported",
            Refusal::Html => "html",
            Refusal::Empty => "empty",
            Refusal::TooLarge { .. } => "too_large",
            Refusal::TooManyPixels { .. } => "too_many_pixels",
            Refusal::Bomb => "bomb",
            Refusal::Active => "active",
            Refusal::Encrypted => "encrypted",
            Refusal::Damaged => "damaged",
        }
    }
}

/// Bounds on what one file may cost to clean.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    /// Bytes of one file, as sent and as cleaned.
    pub max_bytes: u64,
    /// Width × height of an image (also of an image inside a document).
    pub max_pixels: u64,
    /// Bytes a document may unpack to in all (OOXML entries, PDF streams).
    pub max_unpacked: u64,
}

impl Limits {
    /// `max_bytes` per file; the rest follow from it: an unpacked budget of eight times the file
    /// (XML compresses about tenfold, so ordinary documents fit and bombs do not) and 40 megapixels.
    pub fn for_file_size(max_bytes: u64) -> Limits {
        Limits {
            max_bytes,
            max_pixels: 40_000_000,
            max_unpacked: max_bytes.saturating_mul(8).max(16 << 20),
        }
    }

    /// Memory the image decoder may take: four bytes a pixel, and room for its own buffers.
    fn max_alloc(&self) -> u64 {
        self.max_pixels.saturating_mul(4) + (64 << 20)
    }
}

/// A file as it will be stored.
#[derive(Clone, Debug)]
pub struct Cleaned {
    pub kind: Kind,
    pub bytes: Vec<u8>,
    /// What was found and taken out (always at least the file name), in a stable order.
    pub removed: Vec<Removed>,
}

/// Read `bytes` for what they are and rebuild them without their metadata.
pub fn clean(bytes: &[u8], limits: &Limits) -> Result<Cleaned, Refusal> {
    if bytes.is_empty() {
        return Err(Refusal::Empty);
    }
    if bytes.len() as u64 > limits.max_bytes {
        return Err(Refusal::TooLarge {
            max: limits.max_bytes,
        });
    }
    let kind = sniff(bytes)?;
    let (out, mut removed) = match kind {
        Kind::Jpeg | Kind::Png | Kind::Webp => image::clean(kind, bytes, limits)?,
        Kind::Pdf => pdf::clean(bytes, limits)?,
        Kind::Docx | Kind::Xlsx | Kind::Pptx => ooxml::clean(bytes, limits)?,
        Kind::Text => text::clean(bytes)?,
    };
    if out.len() as u64 > limits.max_bytes {
        return Err(Refusal::TooLarge {
            max: limits.max_bytes,
        });
    }
    removed.push(Removed::FileName);
    removed.sort();
    removed.dedup();
    Ok(Cleaned {
        kind,
        bytes: out,
        removed,
    })
}

/// Where `needle` first occurs in `haystack` at or after `from`.
fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|i| i + from)
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    find(haystack, needle, 0).is_some()
}

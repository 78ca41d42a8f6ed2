//! Media types by file extension, as Express 4 finds them.
//!
//! Express 4.22 uses two databases, and this module mirrors both:
//!
//! - **Request side** — [`from_extension`], [`extension`] and [`charset`]
//!   answer as mime-types 2.1.35 (mime-db 1.52.0) does; `req.accepts`
//!   ([`negotiate::accepts`](super::negotiate::accepts)) and `req.is`
//!   ([`negotiate::is`](super::negotiate::is)) go through it.
//! - **Response side** — [`response_type`] and [`response_charset`] answer
//!   as mime 1.6.0 (re-exported by send 0.19) does; `res.type`,
//!   `res.format`, `res.sendFile`, `res.attachment` and `express.static` go
//!   through it. It gives a handful of types differently (`ico` is
//!   `image/x-icon`, `wav` is `audio/wav`, `avif` is unknown) and only
//!   `text/*`, `application/javascript*` and `application/json*` a charset.
//!
//! [`media_type`] validates a `Content-Type` and splits it, as type-is
//! does for `req.is`.
//!
//! **Limits.** The built-in table holds the common web types (122
//! extensions: pages, scripts, styles, data, images, fonts, audio, video,
//! archives, office documents), not all of mime-db: an extension it does not
//! hold is unknown (`None`, or `application/octet-stream` on the response
//! side), and [`extension`] knows only the types the table gives. Lookups
//! are binary searches over sorted `'static` tables; nothing allocates. Case
//! folding is ASCII only (JavaScript's `toLowerCase` also folds U+212A KELVIN
//! SIGN to `k`, which no real request relies on).
//!
//! ## How `res.type(t)` composes from these
//!
//! Express's `res.type(t)` uses `t` as it is when it contains a `/`, else
//! the type of the extension (`application/octet-stream` when unknown);
//! `res.set('Content-Type', v)` then appends `; charset=utf-8` when `v` has
//! no `charset` parameter and the response database names one:
//!
//! ```
//! use lamina::http::mime::{response_charset, response_type};
//!
//! /// The `Content-Type` `res.type(t)` sets, in two parts to write one after
//! /// the other.
//! fn content_type(t: &str) -> (&str, &'static str) {
//!     let ty = if t.contains('/') { t } else { response_type(t) };
//!     let essence = ty.split(';').next().unwrap_or(ty);
//!     match response_charset(essence) {
//!         Some(_) if !ty.contains("charset") => (ty, "; charset=utf-8"),
//!         _ => (ty, ""),
//!     }
//! }
//!
//! assert_eq!(content_type("html"), ("text/html", "; charset=utf-8"));
//! assert_eq!(content_type(".png"), ("image/png", ""));
//! assert_eq!(content_type("json"), ("application/json", "; charset=utf-8"));
//! assert_eq!(content_type("text/plain; charset=latin1"), ("text/plain; charset=latin1", ""));
//! assert_eq!(content_type("image/svg+xml"), ("image/svg+xml", ""));
//! assert_eq!(content_type("unknown"), ("application/octet-stream", ""));
//! ```
//!
//! (Express's check for an existing charset is the pattern `;\s*charset\s*=`;
//! the sketch above simplifies it.)

use core::cmp::Ordering;

/// The type of a file extension or path, as mime-types' `lookup` answers.
///
/// Takes an extension with or without its dot (`"html"`, `".html"`) or a
/// file name or path (`"index.html"`, `"a/b.JSON"`): the extension is what
/// follows the last `.` of the last path segment, compared without regard to
/// ASCII case. A segment whose only dot leads (`"dir/.html"`) has no
/// extension, like Node's `path.extname`; trailing slashes are ignored.
/// `None` for an extension the table does not hold.
///
/// ```
/// use lamina::http::mime::from_extension;
///
/// assert_eq!(from_extension("html"), Some("text/html"));
/// assert_eq!(from_extension("a/b.JSON"), Some("application/json"));
/// assert_eq!(from_extension(".js"), Some("application/javascript"));
/// assert_eq!(from_extension("dir/.html"), None);
/// assert_eq!(from_extension("unknown"), None);
/// ```
#[must_use]
pub fn from_extension(path: &str) -> Option<&'static str> {
    let path = path.trim_end_matches('/');
    // mime-types looks at `path.extname('x.' + path)`.
    let ext = match path.rsplit_once('/') {
        None => path.rsplit_once('.').map_or(path, |(_, ext)| ext),
        Some((_, segment)) => match segment.rsplit_once('.') {
            Some((base, ext)) if !base.is_empty() => ext,
            _ => return None,
        },
    };
    find(EXTENSIONS, ext)
}

/// The canonical extension of a media type, as mime-types' `extension`
/// answers: the first extension mime-db lists for it.
///
/// Parameters, leading whitespace and ASCII case are ignored. `None` for a
/// type without extensions or that no extension of the table maps to.
///
/// ```
/// use lamina::http::mime::extension;
///
/// assert_eq!(extension("text/html; charset=utf-8"), Some("html"));
/// assert_eq!(extension("image/jpeg"), Some("jpeg"));
/// assert_eq!(extension("audio/mpeg"), Some("mpga"));
/// assert_eq!(extension("text/javascript"), None);
/// ```
#[must_use]
pub fn extension(mime: &str) -> Option<&'static str> {
    find(CANONICAL_EXTENSIONS, essence(mime))
}

/// The default charset of a media type, as mime-types' `charset` answers.
///
/// The charset mime-db records for the type (`UTF-8` for `application/json`
/// and `application/javascript`, for instance), else `UTF-8` for any
/// `text/*` type, else `None`. Parameters, leading whitespace and ASCII case
/// are ignored.
///
/// ```
/// use lamina::http::mime::charset;
///
/// assert_eq!(charset("text/x-anything"), Some("UTF-8"));
/// assert_eq!(charset("Application/JSON; x=1"), Some("UTF-8"));
/// assert_eq!(charset("image/png"), None);
/// ```
#[must_use]
pub fn charset(mime: &str) -> Option<&'static str> {
    let essence = essence(mime);
    find(CHARSETS, essence).or_else(|| {
        let text = essence.get(..5).is_some_and(|t| t.eq_ignore_ascii_case("text/"));
        text.then_some("UTF-8")
    })
}

/// The type Express 4's `res.type`, `res.format`, `res.sendFile` and
/// `express.static` give an extension or path (mime 1.6.0's `lookup`):
/// `application/octet-stream` when unknown.
///
/// The extension is what follows the last `.`, `/` or `\` (so `"html"`,
/// `".html"` and `"a/b.html"` alike), compared without regard to ASCII case.
///
/// ```
/// use lamina::http::mime::response_type;
///
/// assert_eq!(response_type("html"), "text/html");
/// assert_eq!(response_type("favicon.ico"), "image/x-icon");
/// assert_eq!(response_type("photo.avif"), "application/octet-stream");
/// ```
#[must_use]
pub fn response_type(path: &str) -> &'static str {
    const DEFAULT: &str = "application/octet-stream";
    // mime 1.6 strips /^.*[\.\/\\]/: `.` stops at a line terminator, which
    // then stays in the extension and matches nothing.
    if path.contains(['\n', '\r', '\u{2028}', '\u{2029}']) {
        return DEFAULT;
    }
    let ext = path.rsplit(['.', '/', '\\']).next().unwrap_or(path);
    find(RESPONSE_OVERRIDES, ext).or_else(|| find(EXTENSIONS, ext)).unwrap_or(DEFAULT)
}

/// The charset Express 4's `res.set('Content-Type', v)` adds to a type
/// without one (mime 1.6.0's `charsets.lookup`): `UTF-8` for types starting
/// with `text/`, `application/javascript` or `application/json`, compared
/// case-sensitively; Express writes it in lower case.
///
/// Pass the type without its parameters (Express splits at the first `;`).
///
/// ```
/// use lamina::http::mime::response_charset;
///
/// assert_eq!(response_charset("text/html"), Some("UTF-8"));
/// assert_eq!(response_charset("application/json"), Some("UTF-8"));
/// assert_eq!(response_charset("application/manifest+json"), None);
/// assert_eq!(response_charset("TEXT/HTML"), None);
/// ```
#[must_use]
pub fn response_charset(mime: &str) -> Option<&'static str> {
    let utf8 = ["text/", "application/javascript", "application/json"].iter().any(|p| mime.starts_with(p));
    utf8.then_some("UTF-8")
}

/// The type and subtype of a `Content-Type` value, `None` if it is not
/// valid, as type-is (through media-typer 0.3) reads the request's type for
/// `req.is`.
///
/// Valid is `type/subtype` in token characters (at most 127 each, starting
/// with a letter or digit, surrounded by spaces at most), at most one
/// `+suffix`, and well-formed `; name=value` parameters (a token or a quoted
/// string), which are then ignored. The parts keep the header's case
/// (type-is lower-cases them) and a subtype's empty `+suffix` is dropped
/// (`application/a+` is `application/a`), as media-typer formats it.
///
/// ```
/// use lamina::http::mime::media_type;
///
/// let ct = media_type(b"Text/HTML; charset=\"utf-8\"");
/// assert_eq!(ct, Some((&b"Text"[..], &b"HTML"[..])));
/// assert_eq!(media_type(b"application/vnd.api+json"), Some((&b"application"[..], &b"vnd.api+json"[..])));
/// assert_eq!(media_type(b"text/html;"), None);
/// assert_eq!(media_type(b"text"), None);
/// ```
#[must_use]
pub fn media_type(content_type: &[u8]) -> Option<(&[u8], &[u8])> {
    let (essence, params) = match content_type.iter().position(|&b| b == b';') {
        Some(at) => content_type.split_at_checked(at)?,
        None => (content_type, &[][..]),
    };
    let essence = strip_spaces(essence);
    let (ty, subtype) = essence.split_at_checked(essence.iter().position(|&b| b == b'/')?)?;
    let subtype = subtype.get(1..)?;
    let name = |s: &[u8], extra: &[u8]| {
        matches!(s.first(), Some(b) if b.is_ascii_alphanumeric())
            && s.len() <= 127
            && s.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$&^_-".contains(&b) || extra.contains(&b))
    };
    if !name(ty, b"") || !name(subtype, b".+") {
        return None;
    }
    // media-typer formats `subtype+suffix` again: one `+` at most, an empty
    // suffix dropped.
    let subtype = match subtype.iter().rposition(|&b| b == b'+') {
        Some(plus) => {
            let (base, suffix) = subtype.split_at_checked(plus)?;
            let suffix = suffix.get(1..)?;
            if !name(base, b".") || !(suffix.is_empty() || name(suffix, b"")) {
                return None;
            }
            if suffix.is_empty() { base } else { subtype }
        }
        None => subtype,
    };
    valid_params(params).then_some((ty, subtype))
}

/// media-typer's parameter grammar: `; *token *= *(token|quoted-string) *`,
/// repeated to the end.
fn valid_params(mut rest: &[u8]) -> bool {
    fn run(s: &[u8]) -> (&[u8], &[u8]) {
        let is_token = |b: u8| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b);
        s.split_at(s.iter().position(|&b| !is_token(b)).unwrap_or(s.len()))
    }
    let spaces = strip_spaces_start;
    while let [b';', after @ ..] = rest {
        let (name, after) = run(spaces(after));
        let Some(after) = spaces(after).strip_prefix(b"=") else { return false };
        let after = spaces(after);
        let after = if let [b'"', quoted @ ..] = after {
            let mut i = quoted.iter();
            loop {
                match i.next() {
                    Some(b'"') => break,
                    Some(b'\\') if i.next().is_some_and(|b| (0x20..0x7f).contains(b)) => {}
                    Some(&b) if b < 0x20 || b == 0x7f || b == b'\\' => return false,
                    Some(_) => {}
                    None => return false,
                }
            }
            i.as_slice()
        } else {
            let (value, after) = run(after);
            if value.is_empty() {
                return false;
            }
            after
        };
        if name.is_empty() {
            return false;
        }
        rest = spaces(after);
    }
    rest.is_empty()
}

/// Strips spaces (only `' '`, as media-typer's ` *`) from both ends.
fn strip_spaces(s: &[u8]) -> &[u8] {
    let s = strip_spaces_start(s);
    let end = s.iter().rposition(|&b| b != b' ').map_or(0, |i| i.saturating_add(1));
    s.get(..end).unwrap_or_default()
}

fn strip_spaces_start(s: &[u8]) -> &[u8] {
    let start = s.iter().position(|&b| b != b' ').unwrap_or(s.len());
    s.get(start..).unwrap_or_default()
}

/// The media type of a type string, as mime-types extracts it: after leading
/// whitespace, up to the first `;` or whitespace.
fn essence(mime: &str) -> &str {
    let mime = mime.trim_start_matches(is_js_space);
    mime.split(|c| c == ';' || is_js_space(c)).next().unwrap_or(mime)
}

/// JavaScript's `\s`.
fn is_js_space(c: char) -> bool {
    matches!(
        c,
        '\t' | '\n' | '\u{b}' | '\u{c}' | '\r' | ' ' | '\u{a0}' | '\u{1680}' | '\u{2000}'
            ..='\u{200a}' | '\u{2028}' | '\u{2029}' | '\u{202f}' | '\u{205f}' | '\u{3000}' | '\u{feff}'
    )
}

/// Binary search of a table sorted by lower-case key, ignoring ASCII case.
fn find(table: &'static [(&'static str, &'static str)], key: &str) -> Option<&'static str> {
    let index = table.binary_search_by(|(k, _)| cmp_lower(k, key)).ok()?;
    table.get(index).map(|(_, value)| *value)
}

/// Compares a lower-case `key` with `probe` folded to lower case.
fn cmp_lower(key: &str, probe: &str) -> Ordering {
    key.bytes().cmp(probe.bytes().map(|b| b.to_ascii_lowercase()))
}

/// Where mime 1.6.0 (the response side) differs from mime-types 2.1.35 for
/// an extension of [`EXTENSIONS`], sorted by extension.
const RESPONSE_OVERRIDES: &[(&str, &str)] = &[
    ("avif", "application/octet-stream"),
    ("cjs", "application/octet-stream"),
    ("deb", "application/octet-stream"),
    ("dmg", "application/octet-stream"),
    ("exe", "application/octet-stream"),
    ("heic", "application/octet-stream"),
    ("heif", "application/octet-stream"),
    ("ico", "image/x-icon"),
    ("iso", "application/octet-stream"),
    ("msi", "application/octet-stream"),
    ("opus", "application/octet-stream"),
    ("rar", "application/x-rar-compressed"),
    ("toml", "application/octet-stream"),
    ("wav", "audio/wav"),
];

/// Extension → type (mime-types 2.1.35 over mime-db 1.52.0), sorted by
/// extension.
#[rustfmt::skip]
const EXTENSIONS: &[(&str, &str)] = &[
    ("3g2", "video/3gpp2"), ("3gp", "video/3gpp"), ("7z", "application/x-7z-compressed"), ("aac", "audio/x-aac"),
    ("apk", "application/vnd.android.package-archive"), ("apng", "image/apng"), ("appcache", "text/cache-manifest"),
    ("atom", "application/atom+xml"), ("avi", "video/x-msvideo"), ("avif", "image/avif"),
    ("bin", "application/octet-stream"), ("bmp", "image/bmp"), ("bz2", "application/x-bzip2"),
    ("cjs", "application/node"), ("crt", "application/x-x509-ca-cert"), ("css", "text/css"), ("csv", "text/csv"),
    ("deb", "application/x-debian-package"), ("der", "application/x-x509-ca-cert"),
    ("dmg", "application/x-apple-diskimage"), ("doc", "application/msword"),
    ("docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"), ("eml", "message/rfc822"),
    ("eot", "application/vnd.ms-fontobject"), ("epub", "application/epub+zip"),
    ("exe", "application/x-msdos-program"), ("flac", "audio/x-flac"), ("flv", "video/x-flv"),
    ("geojson", "application/geo+json"), ("gif", "image/gif"), ("gz", "application/gzip"), ("heic", "image/heic"),
    ("heif", "image/heif"), ("htm", "text/html"), ("html", "text/html"), ("ico", "image/vnd.microsoft.icon"),
    ("ics", "text/calendar"), ("iso", "application/x-iso9660-image"), ("jar", "application/java-archive"),
    ("jpe", "image/jpeg"), ("jpeg", "image/jpeg"), ("jpg", "image/jpeg"), ("js", "application/javascript"),
    ("json", "application/json"), ("jsonld", "application/ld+json"), ("m3u", "audio/x-mpegurl"),
    ("m3u8", "application/vnd.apple.mpegurl"), ("m4a", "audio/mp4"), ("m4v", "video/x-m4v"),
    ("map", "application/json"), ("markdown", "text/markdown"), ("md", "text/markdown"), ("mid", "audio/midi"),
    ("midi", "audio/midi"), ("mjs", "application/javascript"), ("mkv", "video/x-matroska"),
    ("mov", "video/quicktime"), ("mp2", "audio/mpeg"), ("mp3", "audio/mpeg"), ("mp4", "video/mp4"),
    ("mpd", "application/dash+xml"), ("mpeg", "video/mpeg"), ("mpg", "video/mpeg"), ("mpga", "audio/mpeg"),
    ("msi", "application/x-msdownload"), ("odp", "application/vnd.oasis.opendocument.presentation"),
    ("ods", "application/vnd.oasis.opendocument.spreadsheet"), ("odt", "application/vnd.oasis.opendocument.text"),
    ("oga", "audio/ogg"), ("ogg", "audio/ogg"), ("ogv", "video/ogg"), ("ogx", "application/ogg"),
    ("opus", "audio/ogg"), ("otf", "font/otf"), ("p12", "application/x-pkcs12"), ("pdf", "application/pdf"),
    ("pem", "application/x-x509-ca-cert"), ("pfx", "application/x-pkcs12"), ("png", "image/png"),
    ("ppt", "application/vnd.ms-powerpoint"),
    ("pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
    ("ps", "application/postscript"), ("qt", "video/quicktime"), ("rar", "application/vnd.rar"),
    ("rpm", "application/x-redhat-package-manager"), ("rss", "application/rss+xml"), ("rtf", "application/rtf"),
    ("sh", "application/x-sh"), ("sql", "application/x-sql"), ("svg", "image/svg+xml"), ("svgz", "image/svg+xml"),
    ("swf", "application/x-shockwave-flash"), ("tar", "application/x-tar"), ("text", "text/plain"),
    ("tif", "image/tiff"), ("tiff", "image/tiff"), ("toml", "application/toml"), ("ts", "video/mp2t"),
    ("tsv", "text/tab-separated-values"), ("ttf", "font/ttf"), ("txt", "text/plain"), ("vcard", "text/vcard"),
    ("vcf", "text/x-vcard"), ("vtt", "text/vtt"), ("wasm", "application/wasm"), ("wav", "audio/wave"),
    ("weba", "audio/webm"), ("webm", "video/webm"), ("webmanifest", "application/manifest+json"),
    ("webp", "image/webp"), ("wmv", "video/x-ms-wmv"), ("woff", "font/woff"), ("woff2", "font/woff2"),
    ("xhtml", "application/xhtml+xml"), ("xls", "application/vnd.ms-excel"),
    ("xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("xml", "application/xml"),
    ("xsl", "application/xml"), ("xz", "application/x-xz"), ("yaml", "text/yaml"), ("yml", "text/yaml"),
    ("zip", "application/zip"),
];

/// Type → its first extension in mime-db, for every type of
/// [`EXTENSIONS`], sorted by type.
#[rustfmt::skip]
const CANONICAL_EXTENSIONS: &[(&str, &str)] = &[
    ("application/atom+xml", "atom"), ("application/dash+xml", "mpd"), ("application/epub+zip", "epub"),
    ("application/geo+json", "geojson"), ("application/gzip", "gz"), ("application/java-archive", "jar"),
    ("application/javascript", "js"), ("application/json", "json"), ("application/ld+json", "jsonld"),
    ("application/manifest+json", "webmanifest"), ("application/msword", "doc"), ("application/node", "cjs"),
    ("application/octet-stream", "bin"), ("application/ogg", "ogx"), ("application/pdf", "pdf"),
    ("application/postscript", "ai"), ("application/rss+xml", "rss"), ("application/rtf", "rtf"),
    ("application/toml", "toml"), ("application/vnd.android.package-archive", "apk"),
    ("application/vnd.apple.mpegurl", "m3u8"), ("application/vnd.ms-excel", "xls"),
    ("application/vnd.ms-fontobject", "eot"), ("application/vnd.ms-powerpoint", "ppt"),
    ("application/vnd.oasis.opendocument.presentation", "odp"),
    ("application/vnd.oasis.opendocument.spreadsheet", "ods"), ("application/vnd.oasis.opendocument.text", "odt"),
    ("application/vnd.openxmlformats-officedocument.presentationml.presentation", "pptx"),
    ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    ("application/vnd.rar", "rar"), ("application/wasm", "wasm"), ("application/x-7z-compressed", "7z"),
    ("application/x-apple-diskimage", "dmg"), ("application/x-bzip2", "bz2"), ("application/x-debian-package", "deb"),
    ("application/x-iso9660-image", "iso"), ("application/x-msdos-program", "exe"),
    ("application/x-msdownload", "exe"), ("application/x-pkcs12", "p12"),
    ("application/x-redhat-package-manager", "rpm"), ("application/x-sh", "sh"),
    ("application/x-shockwave-flash", "swf"), ("application/x-sql", "sql"), ("application/x-tar", "tar"),
    ("application/x-x509-ca-cert", "der"), ("application/x-xz", "xz"), ("application/xhtml+xml", "xhtml"),
    ("application/xml", "xml"), ("application/zip", "zip"), ("audio/midi", "mid"), ("audio/mp4", "m4a"),
    ("audio/mpeg", "mpga"), ("audio/ogg", "oga"), ("audio/wave", "wav"), ("audio/webm", "weba"),
    ("audio/x-aac", "aac"), ("audio/x-flac", "flac"), ("audio/x-mpegurl", "m3u"), ("font/otf", "otf"),
    ("font/ttf", "ttf"), ("font/woff", "woff"), ("font/woff2", "woff2"), ("image/apng", "apng"),
    ("image/avif", "avif"), ("image/bmp", "bmp"), ("image/gif", "gif"), ("image/heic", "heic"),
    ("image/heif", "heif"), ("image/jpeg", "jpeg"), ("image/png", "png"), ("image/svg+xml", "svg"),
    ("image/tiff", "tif"), ("image/vnd.microsoft.icon", "ico"), ("image/webp", "webp"), ("message/rfc822", "eml"),
    ("text/cache-manifest", "appcache"), ("text/calendar", "ics"), ("text/css", "css"), ("text/csv", "csv"),
    ("text/html", "html"), ("text/markdown", "markdown"), ("text/plain", "txt"), ("text/tab-separated-values", "tsv"),
    ("text/vcard", "vcard"), ("text/vtt", "vtt"), ("text/x-vcard", "vcf"), ("text/yaml", "yaml"),
    ("video/3gpp", "3gp"), ("video/3gpp2", "3g2"), ("video/mp2t", "ts"), ("video/mp4", "mp4"), ("video/mpeg", "mpeg"),
    ("video/ogg", "ogv"), ("video/quicktime", "qt"), ("video/webm", "webm"), ("video/x-flv", "flv"),
    ("video/x-m4v", "m4v"), ("video/x-matroska", "mkv"), ("video/x-ms-wmv", "wmv"), ("video/x-msvideo", "avi"),
];

/// The types mime-db gives a charset, `text/*` ones aside (all `UTF-8`),
/// sorted by type.
#[rustfmt::skip]
const CHARSETS: &[(&str, &str)] = &[
    ("application/3gpdash-qoe-report+xml", "UTF-8"), ("application/beep+xml", "UTF-8"),
    ("application/elm+json", "UTF-8"), ("application/emergencycalldata.cap+xml", "UTF-8"),
    ("application/fhir+json", "UTF-8"), ("application/fhir+xml", "UTF-8"),
    ("application/im-iscomposing+xml", "UTF-8"), ("application/javascript", "UTF-8"), ("application/json", "UTF-8"),
    ("application/manifest+json", "UTF-8"), ("application/msc-ivr+xml", "UTF-8"),
    ("application/msc-mixer+xml", "UTF-8"), ("application/news-checkgroups", "US-ASCII"),
    ("application/news-groupinfo", "US-ASCII"), ("application/pidf+xml", "UTF-8"),
    ("application/pidf-diff+xml", "UTF-8"), ("application/poc-settings+xml", "UTF-8"),
    ("application/prs.cyn", "7-BIT"), ("application/vnd.hl7cda+xml", "UTF-8"), ("application/vnd.hl7v2+xml", "UTF-8"),
    ("application/vnd.omads-email+xml", "UTF-8"), ("application/vnd.omads-file+xml", "UTF-8"),
    ("application/vnd.omads-folder+xml", "UTF-8"), ("application/vnd.syncml+xml", "UTF-8"),
    ("application/vnd.syncml.dm+wbxml", "UTF-8"), ("application/vnd.syncml.dm+xml", "UTF-8"),
    ("application/vnd.syncml.dmddf+xml", "UTF-8"), ("application/vnd.syncml.dmtnds+xml", "UTF-8"),
    ("application/vnd.wap.wbxml", "UTF-8"),
];

#[cfg(test)]
mod tests {
    use super::*;

    /// Recorded with mime-types 2.1.35 (`lookup`) and mime 1.6.0 (`lookup`)
    /// under Node 20.
    #[test]
    fn lookups_match_node() {
        let cases: &[(&str, Option<&str>, &str)] = &[
            ("html", Some("text/html"), "text/html"),
            (".html", Some("text/html"), "text/html"),
            ("index.html", Some("text/html"), "text/html"),
            ("a/b.JSON", Some("application/json"), "application/json"),
            ("dir/.html", None, "text/html"),
            ("file.", None, "application/octet-stream"),
            ("..html", Some("text/html"), "text/html"),
            ("a/..html", Some("text/html"), "text/html"),
            ("x/", None, "application/octet-stream"),
            ("a.html/", Some("text/html"), "application/octet-stream"),
            ("", None, "application/octet-stream"),
            (".", None, "application/octet-stream"),
            ("..", None, "application/octet-stream"),
            ("a/b.tar.gz", Some("application/gzip"), "application/gzip"),
            ("a\\b.html", Some("text/html"), "text/html"),
            (" html", None, "application/octet-stream"),
            ("html ", None, "application/octet-stream"),
            ("HTML", Some("text/html"), "text/html"),
            ("a.b.c/d.e/", None, "application/octet-stream"),
            ("/", None, "application/octet-stream"),
            ("//", None, "application/octet-stream"),
            ("x.js//", Some("application/javascript"), "application/octet-stream"),
            ("foo.unknown", None, "application/octet-stream"),
            ("mp3", Some("audio/mpeg"), "audio/mpeg"),
            ("MP3", Some("audio/mpeg"), "audio/mpeg"),
            ("jpg", Some("image/jpeg"), "image/jpeg"),
            ("svg", Some("image/svg+xml"), "image/svg+xml"),
            ("woff2", Some("font/woff2"), "font/woff2"),
            ("a/b/c.webmanifest", Some("application/manifest+json"), "application/manifest+json"),
            (".hidden/x.png", Some("image/png"), "image/png"),
            ("md", Some("text/markdown"), "text/markdown"),
            ("js", Some("application/javascript"), "application/javascript"),
            ("mjs", Some("application/javascript"), "application/javascript"),
            ("map", Some("application/json"), "application/json"),
            ("text", Some("text/plain"), "text/plain"),
            ("ts", Some("video/mp2t"), "video/mp2t"),
            ("ico", Some("image/vnd.microsoft.icon"), "image/x-icon"),
            ("wav", Some("audio/wave"), "audio/wav"),
            ("rar", Some("application/vnd.rar"), "application/x-rar-compressed"),
            ("avif", Some("image/avif"), "application/octet-stream"),
            ("exe", Some("application/x-msdos-program"), "application/octet-stream"),
            ("a.b.c\nd.html", Some("text/html"), "application/octet-stream"),
        ];
        for &(input, request, response) in cases {
            assert_eq!(from_extension(input), request, "from_extension({input:?})");
            assert_eq!(response_type(input), response, "response_type({input:?})");
        }
    }

    /// Recorded with mime-types 2.1.35 (`extension`, `charset`) and mime
    /// 1.6.0 (`charsets.lookup` of the part before `;`).
    #[test]
    fn reverse_and_charsets_match_node() {
        type Case = (&'static str, Option<&'static str>, Option<&'static str>, Option<&'static str>);
        let cases: &[Case] = &[
            ("text/html", Some("html"), Some("UTF-8"), Some("UTF-8")),
            ("TEXT/HTML", Some("html"), Some("UTF-8"), None),
            ("  text/html; charset=utf-8", Some("html"), Some("UTF-8"), None),
            ("application/json", Some("json"), Some("UTF-8"), Some("UTF-8")),
            ("application/javascript", Some("js"), Some("UTF-8"), Some("UTF-8")),
            ("image/jpeg", Some("jpeg"), None, None),
            ("audio/mpeg", Some("mpga"), None, None),
            ("application/postscript", Some("ai"), None, None),
            ("application/x-msdownload", Some("exe"), None, None),
            ("text/plain", Some("txt"), Some("UTF-8"), Some("UTF-8")),
            ("application/octet-stream", Some("bin"), None, None),
            ("foo/bar", None, None, None),
            ("", None, None, None),
            ("text/javascript", None, Some("UTF-8"), Some("UTF-8")),
            ("application/x-x509-ca-cert", Some("der"), None, None),
            ("text/html\tx", Some("html"), Some("UTF-8"), Some("UTF-8")),
            ("video/quicktime", Some("qt"), None, None),
            ("application/manifest+json", Some("webmanifest"), Some("UTF-8"), None),
            ("application/prs.cyn", None, Some("7-BIT"), None),
            ("application/news-groupinfo", None, Some("US-ASCII"), None),
            ("application/jsonx", None, None, Some("UTF-8")),
        ];
        for &(input, ext, request, response) in cases {
            assert_eq!(extension(input), ext, "extension({input:?})");
            assert_eq!(charset(input), request, "charset({input:?})");
            let before_params = input.split(';').next().unwrap();
            assert_eq!(response_charset(before_params), response, "response_charset({input:?})");
        }
    }

    #[test]
    fn tables_are_sorted_lower_case_and_consistent() {
        for table in [EXTENSIONS, CANONICAL_EXTENSIONS, CHARSETS, RESPONSE_OVERRIDES] {
            assert!(table.windows(2).all(|w| w[0].0 < w[1].0), "sorted, no duplicates");
            assert!(table.iter().all(|(k, _)| !k.bytes().any(|b| b.is_ascii_uppercase())));
        }
        // Every type the table gives has its canonical extension, and every
        // entry is found through the search.
        for &(ext, mime) in EXTENSIONS {
            assert_eq!(from_extension(ext), Some(mime));
            assert!(extension(mime).is_some(), "{mime}");
        }
        for &(ext, _) in RESPONSE_OVERRIDES {
            assert!(from_extension(ext).is_some(), "{ext}");
        }
    }

    /// Validity as type-is 1.6.18 (media-typer 0.3) judged it under Node 20.
    #[test]
    fn media_type_validates_like_type_is() {
        let long = std::format!("text/{}", "a".repeat(127));
        assert_eq!(media_type(long.as_bytes()).map(|(_, s)| s.len()), Some(127));
        assert_eq!(media_type(std::format!("{long}a").as_bytes()), None);
        assert_eq!(media_type(b"application/a+"), Some((&b"application"[..], &b"a"[..])));
        assert_eq!(media_type(b" text/plain "), Some((&b"text"[..], &b"plain"[..])));
        assert_eq!(media_type(b"a/b; c = d "), Some((&b"a"[..], &b"b"[..])));
        assert_eq!(media_type(b"a/b;c=\"\""), Some((&b"a"[..], &b"b"[..])));
        assert_eq!(media_type(b"a/b.;c=\"\xe9\""), Some((&b"a"[..], &b"b."[..])));
        for invalid in [
            &b""[..],
            b"text",
            b"\ttext/html",
            b"text/html\t",
            b"-a/b",
            b"a/.b",
            b"a/b++json",
            b"a/b.c+d.e",
            b"text/html;",
            b"a/b;=c",
            b"a/b;c=",
            b"a/b;c=d e",
            b"a/b;c=\"\\\xe9\"",
            b"a/b;c=\"a\tb\"",
            b"a/b;c=\"open",
            b"a/b;c=\xe9",
        ] {
            assert_eq!(media_type(invalid), None, "{:?}", std::string::String::from_utf8_lossy(invalid));
        }
    }

    #[test]
    fn never_panics_on_odd_input() {
        for input in ["\u{feff}", "é.html", ".é", "a/é", "\u{2028}", "../../", "...."] {
            let _ = (from_extension(input), extension(input), charset(input), response_type(input));
        }
        assert_eq!(from_extension("É"), None);
        assert_eq!(extension("\u{3000}text/html"), Some("html"));
    }
}

//! `req.query`: query strings read by the rules of Node's `querystring`
//! (Express's `"simple"` query parser), as borrowed pairs or deserialized
//! with serde into a struct, without allocating.
//!
//! The query is the text after `?`, without the `?`. It splits on `&`, each
//! part at its first `=` (a part without `=` has the value `""`); empty parts
//! are skipped; `+` decodes to a space and `%XX` to a byte; a `%` that starts
//! no valid escape stays as it is (`%zz` reads `%zz`); decoded bytes that are
//! not UTF-8 read as U+FFFD, one per maximal invalid sequence, as Node's
//! `Buffer#toString` does (`%C3+` reads `"\u{FFFD} "`). Like `querystring`'s
//! default `maxKeys`, only the first [`MAX_KEYS`] `&`-separated parts (empty
//! ones included) are read; the rest is ignored.
//!
//! Keys are compared decoded and case-sensitively. Brackets mean nothing:
//! `shoe[color]=blue` has the key `shoe[color]`. Express 4's default
//! `"extended"` parser (qs) would build nested objects and arrays from such
//! keys; that is not supported here, because nesting of unbounded depth needs
//! an allocator. A struct field can be named `shoe[color]` with
//! `#[serde(rename = "shoe[color]")]`.
//!
//! [`from_str`] deserializes into types that derive `Deserialize`:
//! - the top level is a struct or a map; keys not asked for are ignored
//!   (unless `#[serde(deny_unknown_fields)]`);
//! - `&str` borrows from the query when the value has nothing to decode and
//!   from the caller's scratch buffer otherwise ([`QueryError::ScratchFull`]
//!   when it is too small); numbers, `char` and unit enum variants are parsed
//!   from the decoded text (no whitespace trimming: `+5` is `" 5"`, not a
//!   number); `bool` is `true` or `false` only (an HTML checkbox sends `on`:
//!   read it as `Option<&str>` or an enum);
//! - `Option<T>` is `None` when the key is absent, `Some` when present, even
//!   with an empty value (`Option<u32>` with `page=` is an error);
//! - `()` accepts any value, so `Option<()>` tells whether a flag is present;
//! - sequences (fixed arrays, tuples, collections) take every value of a
//!   repeated key in order, even when not adjacent (`a=1&b=2&a=3` gives
//!   `a = [1, 3]`), and a fixed-size one must get exactly its count;
//! - a key given more than once where one value is expected is
//!   [`QueryError::Repeated`] (Express would hand the handler an array where
//!   it expects a string); nested maps and enum variants with data are
//!   [`QueryError::Unsupported`].

use core::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeSeed, Visitor};

use super::percent;

/// How many `&`-separated parts are read, like `querystring`'s `maxKeys`.
pub const MAX_KEYS: usize = 1000;

/// The `(key, value)` pairs of a query string, in order, still encoded.
///
/// ```
/// use lamina::http::query::pairs;
/// let raw: Vec<_> = pairs("q=tobi+ferret&&flag").map(|(k, v)| (k.raw(), v.raw())).collect();
/// assert_eq!(raw, [("q", "tobi+ferret"), ("flag", "")]);
/// ```
pub fn pairs<'a>(query: &'a str) -> Pairs<'a> {
    Pairs { rest: Some(query), budget: MAX_KEYS }
}

/// Iterator over a query string's pairs, from [`pairs`]; ends after
/// [`MAX_KEYS`] parts.
///
/// ```
/// use lamina::http::query::pairs;
/// assert_eq!(pairs("a=1&b=2").count(), 2);
/// ```
#[derive(Clone, Debug)]
pub struct Pairs<'a> {
    rest: Option<&'a str>,
    budget: usize,
}

impl<'a> Iterator for Pairs<'a> {
    type Item = (RawComponent<'a>, RawComponent<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        // Each turn consumes one part: bounded by the input and the budget.
        loop {
            let rest = self.rest?;
            self.budget = match self.budget.checked_sub(1) {
                Some(budget) => budget,
                None => {
                    self.rest = None;
                    return None;
                }
            };
            let (part, tail) = match rest.split_once('&') {
                Some((part, tail)) => (part, Some(tail)),
                None => (rest, None),
            };
            self.rest = tail;
            if !part.is_empty() {
                let (key, value) = part.split_once('=').unwrap_or((part, ""));
                return Some((RawComponent(key), RawComponent(value)));
            }
        }
    }
}

/// The first value of `key` (compared decoded), still encoded.
///
/// ```
/// use lamina::http::query::get;
/// let q = "order=desc&shoe%5Bcolor%5D=blue&order=asc";
/// assert_eq!(get(q, "order").unwrap().raw(), "desc");
/// assert!(get(q, "shoe[color]").unwrap().eq("blue"));
/// assert!(get(q, "shoe").is_none());
/// ```
pub fn get<'a>(query: &'a str, key: &str) -> Option<RawComponent<'a>> {
    pairs(query).find(|(k, _)| k.eq(key)).map(|(_, v)| v)
}

/// Every value of `key` (compared decoded), in order.
///
/// ```
/// use lamina::http::query::get_all;
/// let values: Vec<_> = get_all("a=1&b=2&a=3", "a").map(|v| v.raw()).collect();
/// assert_eq!(values, ["1", "3"]);
/// ```
pub fn get_all<'a>(query: &'a str, key: &'a str) -> impl Iterator<Item = RawComponent<'a>> {
    pairs(query).filter(move |(k, _)| k.eq(key)).map(|(_, v)| v)
}

/// A key or value as it stands in the query string, decoded on demand.
///
/// ```
/// use lamina::http::query::get;
/// let v = get("q=tobi+ferret", "q").unwrap();
/// assert_eq!(v.raw(), "tobi+ferret");
/// assert_eq!(std::format!("{v}"), "tobi ferret");
/// ```
#[derive(Clone, Copy, Debug, Default)]
pub struct RawComponent<'a>(&'a str);

impl<'a> RawComponent<'a> {
    /// The text as it stands, still encoded.
    ///
    /// ```
    /// use lamina::http::query::get;
    /// assert_eq!(get("a=%41", "a").unwrap().raw(), "%41");
    /// ```
    pub fn raw(&self) -> &'a str {
        self.0
    }

    /// Whether decoding changes the text: it holds a `+` or a valid `%XX`.
    ///
    /// ```
    /// use lamina::http::query::get;
    /// assert!(get("a=%41", "a").unwrap().is_encoded());
    /// assert!(!get("a=100%zz", "a").unwrap().is_encoded());
    /// ```
    pub fn is_encoded(&self) -> bool {
        let bytes = self.0.as_bytes();
        bytes.contains(&b'+')
            || bytes.windows(3).any(|w| matches!(w, [b'%', h, l] if h.is_ascii_hexdigit() && l.is_ascii_hexdigit()))
    }

    /// The decoded text, one `char` at a time (U+FFFD for bytes that are not
    /// UTF-8).
    ///
    /// ```
    /// use lamina::http::query::get;
    /// let v = get("a=%E2%82%AC+%ff", "a").unwrap();
    /// assert!(v.chars().eq(['€', ' ', '\u{FFFD}']));
    /// ```
    pub fn chars(&self) -> Chars<'a> {
        Chars { bytes: percent::decoded(self.0.as_bytes(), true), pending: None }
    }

    /// Decodes into `buf` ([`QueryError::ScratchFull`] when it is too small;
    /// the decoded text is never longer than [`raw`](Self::raw)).
    ///
    /// ```
    /// use lamina::http::query::get;
    /// let mut buf = [0u8; 16];
    /// let v = get("a=%zz&b=%41", "a").unwrap();
    /// assert_eq!(v.decode_into(&mut buf), Ok("%zz"));
    /// assert_eq!(get("b=%41", "b").unwrap().decode_into(&mut buf), Ok("A"));
    /// ```
    pub fn decode_into<'b>(&self, buf: &'b mut [u8]) -> Result<&'b str, QueryError> {
        let len = self.decode_len(buf)?;
        core::str::from_utf8(buf.get(..len).unwrap_or_default()).map_err(|_| QueryError::Invalid("invalid UTF-8"))
    }

    /// Writes the decoded text at the start of `buf`, returning its length.
    fn decode_len(&self, buf: &mut [u8]) -> Result<usize, QueryError> {
        if !self.is_encoded() {
            let out = buf.get_mut(..self.0.len()).ok_or(QueryError::ScratchFull)?;
            out.copy_from_slice(self.0.as_bytes());
            return Ok(self.0.len());
        }
        let mut len = 0usize;
        for c in self.chars() {
            let end = len.checked_add(c.len_utf8()).ok_or(QueryError::ScratchFull)?;
            c.encode_utf8(buf.get_mut(len..end).ok_or(QueryError::ScratchFull)?);
            len = end;
        }
        Ok(len)
    }

    /// Whether the decoded text equals `s`, without a buffer.
    ///
    /// ```
    /// use lamina::http::query::get;
    /// assert!(get("q=tobi+ferret", "q").unwrap().eq("tobi ferret"));
    /// assert!(!get("q=tobi+ferret", "q").unwrap().eq("tobi+ferret"));
    /// ```
    #[expect(clippy::should_implement_trait, reason = "compares with a decoded &str, not with Self")]
    pub fn eq(&self, s: &str) -> bool {
        if self.is_encoded() { self.chars().eq(s.chars()) } else { self.0 == s }
    }

    /// Whether two components decode to the same text.
    fn same(&self, other: &RawComponent<'_>) -> bool {
        if other.is_encoded() { self.chars().eq(other.chars()) } else { self.eq(other.0) }
    }
}

impl fmt::Display for RawComponent<'_> {
    /// Writes the decoded text (U+FFFD for bytes that are not UTF-8).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if !self.is_encoded() {
            return f.write_str(self.0);
        }
        self.chars().try_for_each(|c| fmt::Write::write_char(f, c))
    }
}

/// The decoded text of a [`RawComponent`], from [`RawComponent::chars`]:
/// UTF-8 decoded as WHATWG's decoder does (U+FFFD per maximal invalid
/// sequence, the same as Node's `Buffer#toString`).
///
/// ```
/// use lamina::http::query::get;
/// let s: String = get("a=%F0%9F%98%41", "a").unwrap().chars().collect();
/// assert_eq!(s, "\u{FFFD}A");
/// ```
#[derive(Clone, Debug)]
pub struct Chars<'a> {
    bytes: percent::Decoded<'a>,
    /// A byte read past an invalid sequence, to be read again.
    pending: Option<u8>,
}

impl Iterator for Chars<'_> {
    type Item = char;

    fn next(&mut self) -> Option<char> {
        let first = self.pending.take().or_else(|| self.bytes.next())?;
        let (more, mut lower, mut upper, bits) = match first {
            0x00..=0x7F => return Some(char::from(first)),
            0xC2..=0xDF => (1, 0x80, 0xBF, first & 0x1F),
            0xE0 => (2, 0xA0, 0xBF, first & 0x0F),
            0xED => (2, 0x80, 0x9F, first & 0x0F),
            0xE1..=0xEF => (2, 0x80, 0xBF, first & 0x0F),
            0xF0 => (3, 0x90, 0xBF, first & 0x07),
            0xF1..=0xF3 => (3, 0x80, 0xBF, first & 0x07),
            0xF4 => (3, 0x80, 0x8F, first & 0x07),
            _ => return Some(char::REPLACEMENT_CHARACTER),
        };
        let mut code = u32::from(bits);
        for _ in 0..more {
            let Some(byte) = self.bytes.next() else { return Some(char::REPLACEMENT_CHARACTER) };
            if !(lower..=upper).contains(&byte) {
                self.pending = Some(byte);
                return Some(char::REPLACEMENT_CHARACTER);
            }
            (lower, upper) = (0x80, 0xBF);
            code = code.wrapping_mul(64) | u32::from(byte & 0x3F);
        }
        Some(char::from_u32(code).unwrap_or(char::REPLACEMENT_CHARACTER))
    }
}

/// Why a query string could not be read into the type asked for: each is a
/// client error, HTTP 400.
///
/// ```
/// use lamina::http::query::{from_str, QueryError};
/// let err = from_str::<[u8; 2]>("a=1", &mut []).unwrap_err();
/// assert_eq!(err.status(), 400);
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum QueryError {
    /// The scratch buffer cannot hold the decoded text.
    ScratchFull,
    /// A key is given more than once where one value is expected.
    Repeated,
    /// A required key (named) is absent.
    Missing(&'static str),
    /// A value does not fit the type: a number, a `bool`, a `char`, an enum
    /// variant, the count of a fixed-size sequence, an unknown key under
    /// `deny_unknown_fields`, or a check of the type's own (described).
    Invalid(&'static str),
    /// The type cannot come from a flat query string (described).
    Unsupported(&'static str),
}

impl QueryError {
    /// The HTTP status this error answers with: 400.
    ///
    /// ```
    /// assert_eq!(lamina::http::query::QueryError::Repeated.status(), 400);
    /// ```
    pub const fn status(&self) -> u16 {
        400
    }
}

impl fmt::Display for QueryError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ScratchFull => f.write_str("query string: decoded text does not fit the scratch buffer"),
            Self::Repeated => f.write_str("query string: a key is repeated where one value is expected"),
            Self::Missing(key) => write!(f, "query string: missing key `{key}`"),
            Self::Invalid(what) => write!(f, "query string: {what}"),
            Self::Unsupported(what) => write!(f, "query string: unsupported: {what}"),
        }
    }
}

impl core::error::Error for QueryError {}

impl de::Error for QueryError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        Self::Invalid("invalid value")
    }
    fn invalid_type(_: de::Unexpected<'_>, _: &dyn de::Expected) -> Self {
        Self::Invalid("invalid type")
    }
    fn invalid_length(_: usize, _: &dyn de::Expected) -> Self {
        Self::Invalid("invalid number of values")
    }
    fn unknown_variant(_: &str, _: &'static [&'static str]) -> Self {
        Self::Invalid("unknown variant")
    }
    fn unknown_field(_: &str, _: &'static [&'static str]) -> Self {
        Self::Invalid("unknown key")
    }
    fn missing_field(field: &'static str) -> Self {
        Self::Missing(field)
    }
    fn duplicate_field(_: &'static str) -> Self {
        Self::Repeated
    }
}

/// Deserializes a query string into `T` (a struct or a map; see the module
/// docs for the types of values). `&str` values that need decoding are
/// decoded into disjoint parts of `scratch`.
///
/// ```
/// use lamina::http::query::{from_str, QueryError};
/// #[derive(serde::Deserialize, Debug, PartialEq)]
/// struct Search<'a> { q: &'a str, page: Option<u32>, tag: [&'a str; 2] }
///
/// let mut scratch = [0u8; 64];
/// let s: Search<'_> = from_str("q=tobi+ferret&tag=a&page=2&tag=b", &mut scratch).unwrap();
/// assert_eq!(s, Search { q: "tobi ferret", page: Some(2), tag: ["a", "b"] });
/// let err = from_str::<Search<'_>>("q=a&q=b&tag=a&tag=b", &mut scratch);
/// assert_eq!(err, Err(QueryError::Repeated));
/// ```
pub fn from_str<'de, T: de::Deserialize<'de>>(query: &'de str, scratch: &'de mut [u8]) -> Result<T, QueryError> {
    T::deserialize(Top { query, scratch: Scratch(scratch) })
}

/// The unused part of the caller's scratch buffer.
struct Scratch<'de>(&'de mut [u8]);

impl<'de> Scratch<'de> {
    /// The decoded text, borrowed from the query when it needs no decoding.
    fn take(&mut self, c: RawComponent<'de>) -> Result<&'de str, QueryError> {
        if !c.is_encoded() {
            return Ok(c.raw());
        }
        let len = c.decode_len(self.0)?;
        let (head, tail) = core::mem::take(&mut self.0).split_at_mut_checked(len).ok_or(QueryError::ScratchFull)?;
        self.0 = tail;
        core::str::from_utf8(head).map_err(|_| QueryError::Invalid("invalid UTF-8"))
    }
}

/// Runs `f` on the decoded text, decoded on the stack when it is short.
fn with_text<'de, R>(
    c: RawComponent<'de>,
    scratch: &mut Scratch<'de>,
    f: impl FnOnce(&str) -> Result<R, QueryError>,
) -> Result<R, QueryError> {
    if !c.is_encoded() {
        return f(c.raw());
    }
    let mut stack = [0u8; 64];
    match c.decode_into(&mut stack) {
        Err(QueryError::ScratchFull) => f(scratch.take(c)?),
        decoded => f(decoded?),
    }
}

/// The whole query: a map.
struct Top<'de> {
    query: &'de str,
    scratch: Scratch<'de>,
}

impl<'de> de::Deserializer<'de> for Top<'de> {
    type Error = QueryError;

    fn deserialize_any<V: Visitor<'de>>(mut self, visitor: V) -> Result<V::Value, QueryError> {
        let query = self.query;
        visitor.visit_map(Map { query, next: pairs(query), seen: 0, value: None, scratch: &mut self.scratch })
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf option unit
        unit_struct newtype_struct seq tuple tuple_struct map struct enum identifier ignored_any
    }
}

/// The distinct keys of the query, each with all its values.
struct Map<'a, 'de> {
    query: &'de str,
    next: Pairs<'de>,
    /// How many pairs `next` has passed.
    seen: usize,
    value: Option<Values<'de>>,
    scratch: &'a mut Scratch<'de>,
}

impl<'de> de::MapAccess<'de> for Map<'_, 'de> {
    type Error = QueryError;

    fn next_key_seed<K: DeserializeSeed<'de>>(&mut self, seed: K) -> Result<Option<K::Value>, QueryError> {
        while let Some((key, value)) = self.next.next() {
            let earlier = pairs(self.query).take(self.seen).any(|(k, _)| k.same(&key));
            self.seen = self.seen.saturating_add(1);
            if earlier {
                continue;
            }
            self.value = Some(Values { key, first: Some(value), rest: self.next.clone() });
            let key = Values { key, first: Some(key), rest: pairs("") };
            return seed.deserialize(Value { values: key, scratch: self.scratch }).map(Some);
        }
        Ok(None)
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, QueryError> {
        let values = self.value.take().ok_or(QueryError::Invalid("value without a key"))?;
        seed.deserialize(Value { values, scratch: self.scratch })
    }
}

/// The values of one key: the first, then those of the later pairs with it.
#[derive(Clone)]
struct Values<'de> {
    key: RawComponent<'de>,
    first: Option<RawComponent<'de>>,
    rest: Pairs<'de>,
}

impl<'de> Iterator for Values<'de> {
    type Item = RawComponent<'de>;

    fn next(&mut self) -> Option<RawComponent<'de>> {
        if let Some(first) = self.first.take() {
            return Some(first);
        }
        let key = self.key;
        self.rest.find(|(k, _)| k.same(&key)).map(|(_, v)| v)
    }
}

/// One key's values, read as one value or as a sequence.
struct Value<'a, 'de> {
    values: Values<'de>,
    scratch: &'a mut Scratch<'de>,
}

impl<'de> Value<'_, 'de> {
    /// The only value; [`QueryError::Repeated`] when there are more.
    fn single(&self) -> Result<RawComponent<'de>, QueryError> {
        let mut values = self.values.clone();
        let first = values.next().unwrap_or_default();
        if values.next().is_some() { Err(QueryError::Repeated) } else { Ok(first) }
    }

    /// Runs `f` on the only value's decoded text.
    fn text<R>(self, f: impl FnOnce(&str) -> Result<R, QueryError>) -> Result<R, QueryError> {
        with_text(self.single()?, self.scratch, f)
    }
}

/// `fn`s of a `Deserializer`, one a line: `name(self, visitor, args) => body;`.
macro_rules! methods {
    ($($name:ident($s:ident, $v:ident $(, $a:ident: $t:ty)*) => $body:expr;)*) => {$(
        fn $name<V: Visitor<'de>>($s, $($a: $t,)* $v: V) -> Result<V::Value, QueryError> { $body }
    )*};
}

/// `fn`s of a `Deserializer` parsing numbers: `name visit_name type`.
macro_rules! numbers {
    ($($name:ident $visit:ident $ty:ty),*) => {$(
        fn $name<V: Visitor<'de>>(self, v: V) -> Result<V::Value, QueryError> {
            self.text(|s| v.$visit(s.parse::<$ty>().map_err(|_| QueryError::Invalid("invalid number"))?))
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Value<'_, 'de> {
    type Error = QueryError;

    numbers! {
        deserialize_i8 visit_i8 i8, deserialize_i16 visit_i16 i16, deserialize_i32 visit_i32 i32,
        deserialize_i64 visit_i64 i64, deserialize_i128 visit_i128 i128, deserialize_u8 visit_u8 u8,
        deserialize_u16 visit_u16 u16, deserialize_u32 visit_u32 u32, deserialize_u64 visit_u64 u64,
        deserialize_u128 visit_u128 u128, deserialize_f32 visit_f32 f32, deserialize_f64 visit_f64 f64
    }

    methods! {
        deserialize_any(self, v) => match self.single() {
            Err(QueryError::Repeated) => self.deserialize_seq(v),
            _ => self.deserialize_str(v),
        };
        deserialize_bool(self, v) => self.text(|s| match s {
            "true" => v.visit_bool(true),
            "false" => v.visit_bool(false),
            _ => Err(QueryError::Invalid("expected true or false")),
        });
        deserialize_char(self, v) => self.text(|s| {
            let mut chars = s.chars();
            match (chars.next(), chars.next()) {
                (Some(c), None) => v.visit_char(c),
                _ => Err(QueryError::Invalid("expected one character")),
            }
        });
        deserialize_str(self, v) => v.visit_borrowed_str(self.scratch.take(self.single()?)?);
        deserialize_string(self, v) => self.deserialize_str(v);
        deserialize_bytes(self, v) => v.visit_borrowed_bytes(self.scratch.take(self.single()?)?.as_bytes());
        deserialize_byte_buf(self, v) => self.deserialize_bytes(v);
        deserialize_identifier(self, v) => self.text(|s| v.visit_str(s));
        deserialize_option(self, v) => v.visit_some(self);
        deserialize_unit(self, v) => v.visit_unit();
        deserialize_unit_struct(self, v, _n: &'static str) => v.visit_unit();
        deserialize_ignored_any(self, v) => v.visit_unit();
        deserialize_newtype_struct(self, v, _n: &'static str) => v.visit_newtype_struct(self);
        deserialize_seq(self, v) => {
            let mut seq = Seq { values: self.values, scratch: self.scratch };
            let value = v.visit_seq(&mut seq)?;
            match seq.values.next() {
                Some(_) => Err(QueryError::Invalid("too many values")),
                None => Ok(value),
            }
        };
        deserialize_tuple(self, v, _l: usize) => self.deserialize_seq(v);
        deserialize_tuple_struct(self, v, _n: &'static str, _l: usize) => self.deserialize_seq(v);
        deserialize_map(self, _v) => Err(QueryError::Unsupported("nested maps"));
        deserialize_struct(self, _v, _n: &'static str, _f: &'static [&'static str]) =>
            Err(QueryError::Unsupported("nested structs"));
        deserialize_enum(self, v, _n: &'static str, _f: &'static [&'static str]) =>
            self.text(|s| v.visit_enum(UnitVariant(s)));
    }
}

/// The values of a repeated key, as a sequence.
struct Seq<'a, 'de> {
    values: Values<'de>,
    scratch: &'a mut Scratch<'de>,
}

impl<'de> de::SeqAccess<'de> for Seq<'_, 'de> {
    type Error = QueryError;

    fn next_element_seed<T: DeserializeSeed<'de>>(&mut self, seed: T) -> Result<Option<T::Value>, QueryError> {
        let Some(value) = self.values.next() else { return Ok(None) };
        let values = Values { key: self.values.key, first: Some(value), rest: pairs("") };
        seed.deserialize(Value { values, scratch: self.scratch }).map(Some)
    }
}

/// An enum written as its variant's name.
struct UnitVariant<'s>(&'s str);

impl<'de> de::EnumAccess<'de> for UnitVariant<'_> {
    type Error = QueryError;
    type Variant = Self;

    fn variant_seed<S: DeserializeSeed<'de>>(self, seed: S) -> Result<(S::Value, Self), QueryError> {
        Ok((seed.deserialize(StrDeserializer::<QueryError>::new(self.0))?, self))
    }
}

impl<'de> de::VariantAccess<'de> for UnitVariant<'_> {
    type Error = QueryError;

    fn unit_variant(self) -> Result<(), QueryError> {
        Ok(())
    }

    fn newtype_variant_seed<T: DeserializeSeed<'de>>(self, _: T) -> Result<T::Value, QueryError> {
        Err(QueryError::Unsupported("enum variants with data"))
    }

    fn tuple_variant<V: Visitor<'de>>(self, _: usize, _: V) -> Result<V::Value, QueryError> {
        Err(QueryError::Unsupported("enum variants with data"))
    }

    fn struct_variant<V: Visitor<'de>>(self, _: &'static [&'static str], _: V) -> Result<V::Value, QueryError> {
        Err(QueryError::Unsupported("enum variants with data"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde::Deserialize;
    use std::collections::BTreeMap;
    use std::string::{String, ToString};
    use std::vec::Vec;
    use std::{format, vec};

    /// `querystring.parse(input)` as Node 20 answers it (decoded keys, each
    /// with its values in order).
    type Grouped = &'static [(&'static str, &'static [&'static str])];
    const NODE: &[(&str, Grouped)] = &[
        ("q=tobi+ferret", &[("q", &["tobi ferret"])]),
        (
            "order=desc&shoe[color]=blue&shoe[type]=converse",
            &[("order", &["desc"]), ("shoe[color]", &["blue"]), ("shoe[type]", &["converse"])],
        ),
        ("a=%zz&b=%41", &[("a", &["%zz"]), ("b", &["A"])]),
        ("a", &[("a", &[""])]),
        ("a=", &[("a", &[""])]),
        ("&&", &[]),
        ("=x", &[("", &["x"])]),
        ("=", &[("", &[""])]),
        ("&=&", &[("", &[""])]),
        ("a=%", &[("a", &["%"])]),
        ("a=%2", &[("a", &["%2"])]),
        ("a=%2B", &[("a", &["+"])]),
        ("a=%20", &[("a", &[" "])]),
        ("a=%ff", &[("a", &["\u{FFFD}"])]),
        ("a=%c3%a9", &[("a", &["\u{E9}"])]),
        ("a=%c3", &[("a", &["\u{FFFD}"])]),
        ("%61=1", &[("a", &["1"])]),
        ("a=1&a=2&b=3&a=4", &[("a", &["1", "2", "4"]), ("b", &["3"])]),
        ("a=b=c", &[("a", &["b=c"])]),
        ("+a+=+b+", &[(" a ", &[" b "])]),
        ("a=%E2%82", &[("a", &["\u{FFFD}"])]),
        ("a=%e2%82%ac%", &[("a", &["\u{20AC}%"])]),
        ("a=%F0%9F%98%80", &[("a", &["\u{1F600}"])]),
        ("a=%00", &[("a", &["\u{0000}"])]),
        ("%%41", &[("%A", &[""])]),
        ("a=%zz%41", &[("a", &["%zzA"])]),
        ("a=%ED%A0%80", &[("a", &["\u{FFFD}\u{FFFD}\u{FFFD}"])]),
        ("a=%C3%A9%", &[("a", &["\u{E9}%"])]),
        ("a=%c3+", &[("a", &["\u{FFFD} "])]),
        ("a=%F0%9F%98", &[("a", &["\u{FFFD}"])]),
        ("a=%F0%9F%98%41", &[("a", &["\u{FFFD}A"])]),
        ("a=%E0%80%80", &[("a", &["\u{FFFD}\u{FFFD}\u{FFFD}"])]),
        ("a=%c0%af", &[("a", &["\u{FFFD}\u{FFFD}"])]),
        ("%5Bx%5D=1&x=2", &[("[x]", &["1"]), ("x", &["2"])]),
        ("a=1&A=2", &[("a", &["1"]), ("A", &["2"])]),
        ("a%3Db=c", &[("a=b", &["c"])]),
        ("a&a=&a=x", &[("a", &["", "", "x"])]),
        ("a=%f4%90%80%80", &[("a", &["\u{FFFD}\u{FFFD}\u{FFFD}\u{FFFD}"])]),
        ("a=%e2%28%a1", &[("a", &["\u{FFFD}(\u{FFFD}"])]),
        ("a=caf%C3%A9&b=caf\u{E9}", &[("a", &["caf\u{E9}"]), ("b", &["caf\u{E9}"])]),
        ("a=%%%", &[("a", &["%%%"])]),
        ("shoe%5Bcolor%5D=blue&shoe[color]=red", &[("shoe[color]", &["blue", "red"])]),
        ("a=%2g%2", &[("a", &["%2g%2"])]),
        ("&a&", &[("a", &[""])]),
        ("x=%F0%9F%98%80%F0%9F", &[("x", &["\u{1F600}\u{FFFD}"])]),
    ];

    fn grouped_by_pairs(query: &str) -> BTreeMap<String, Vec<String>> {
        let mut map = BTreeMap::<String, Vec<String>>::new();
        for (k, v) in pairs(query) {
            let mut buf = vec![0u8; v.raw().len()];
            let decoded = v.decode_into(&mut buf).unwrap();
            assert_eq!(decoded, v.to_string(), "decode_into and Display agree");
            assert!(v.eq(decoded), "eq of its own decoding: {}", v.raw());
            map.entry(k.to_string()).or_default().push(decoded.into());
        }
        map
    }

    #[test]
    fn node_querystring_answers() {
        for (input, expected) in NODE {
            let expected: BTreeMap<String, Vec<String>> =
                expected.iter().map(|(k, vs)| (k.to_string(), vs.iter().map(|v| v.to_string()).collect())).collect();
            assert_eq!(grouped_by_pairs(input), expected, "pairs of {input:?}");
            let mut scratch = [0u8; 256];
            let typed: BTreeMap<String, Vec<String>> = from_str(input, &mut scratch).unwrap();
            assert_eq!(typed, expected, "from_str of {input:?}");
        }
    }

    #[test]
    fn express_req_query_examples() {
        // GET /search?q=tobi+ferret
        assert_eq!(get("q=tobi+ferret", "q").unwrap().to_string(), "tobi ferret");
        // GET /shoes?order=desc&shoe[color]=blue&shoe[type]=converse: no nesting here
        let q = "order=desc&shoe[color]=blue&shoe[type]=converse";
        assert_eq!(get(q, "order").unwrap().raw(), "desc");
        assert_eq!(get(q, "shoe[color]").unwrap().raw(), "blue");
        assert!(get(q, "shoe").is_none());
        // GET /shoes?color[]=blue&color[]=black&color[]=red
        #[derive(Deserialize)]
        struct Shoes<'a> {
            #[serde(rename = "color[]", borrow)]
            color: Vec<&'a str>,
        }
        let shoes: Shoes<'_> = from_str("color[]=blue&color[]=black&color%5B%5D=red", &mut []).unwrap();
        assert_eq!(shoes.color, ["blue", "black", "red"]);
    }

    #[test]
    fn components() {
        let (k, v) = pairs("a%20b=%2B+%zz").next().unwrap();
        assert!(k.is_encoded() && v.is_encoded());
        assert!(k.eq("a b") && !k.eq("a%20b") && !k.eq("a b "));
        assert_eq!(v.to_string(), "+ %zz");
        assert!(!RawComponent("100%").is_encoded());
        assert!(!RawComponent("%4g").is_encoded());
        assert!(RawComponent("%4A").eq("J"));
        assert_eq!(format!("{}", RawComponent("%ff%41")), "\u{FFFD}A");
        // buffers: exactly the decoded length is enough
        let mut small = [0u8; 3];
        assert_eq!(RawComponent("%E2%82%AC").decode_into(&mut small), Ok("€"));
        assert_eq!(RawComponent("%ff").decode_into(&mut small), Ok("\u{FFFD}"));
        assert_eq!(RawComponent("abcd").decode_into(&mut small), Err(QueryError::ScratchFull));
        assert_eq!(RawComponent("%41%42%43%44").decode_into(&mut small), Err(QueryError::ScratchFull));
        assert_eq!(RawComponent("").decode_into(&mut []), Ok(""));
        // keys compared decoded; case-sensitive; values of repeated keys in order
        let q = "a=1&b=2&%61=3&A=4";
        assert_eq!(get_all(q, "a").map(|v| v.raw()).collect::<Vec<_>>(), ["1", "3"]);
        assert_eq!(get(q, "A").unwrap().raw(), "4");
        assert_eq!(get("=x", "").unwrap().raw(), "x");
        assert!(get("&&", "").is_none());
    }

    #[test]
    fn max_keys_like_node() {
        // 999 empty parts and `a=1` are 1000 parts: read; one more and `a` is not.
        let q = format!("{}a=1", "&".repeat(999));
        assert_eq!(get(&q, "a").unwrap().raw(), "1");
        let q = format!("{}a=1", "&".repeat(1000));
        assert!(get(&q, "a").is_none());
        let q = format!("{}a=1", "x&".repeat(1000));
        assert_eq!(pairs(&q).count(), MAX_KEYS);
        assert!(get(&q, "a").is_none());
    }

    #[test]
    fn huge_inputs() {
        let q = "a=1&".repeat(250_000);
        assert_eq!(pairs(&q).count(), MAX_KEYS);
        assert!(get(&q, "zz").is_none());
        let m: BTreeMap<&str, Vec<u8>> = from_str(&q, &mut []).unwrap();
        assert_eq!(m["a"].len(), MAX_KEYS);
        let long = format!("v={}", "%41".repeat(300_000));
        let v = get(&long, "v").unwrap();
        let mut buf = vec![0u8; 300_000];
        assert_eq!(v.decode_into(&mut buf).unwrap().len(), 300_000);
        assert!(v.eq(&"A".repeat(300_000)));
        assert_eq!(v.decode_into(&mut buf[..299_999]), Err(QueryError::ScratchFull));
        let percents = format!("v={}", "%".repeat(1_000_000));
        assert_eq!(get(&percents, "v").unwrap().to_string().len(), 1_000_000);
        // 1000 distinct keys: the duplicate check is quadratic in MAX_KEYS at most
        let distinct: String = (0..2000).map(|i| format!("k{i}=%41&")).collect();
        let mut scratch = [0u8; 1000];
        let m: BTreeMap<String, &str> = from_str(&distinct, &mut scratch).unwrap();
        assert_eq!(m.len(), MAX_KEYS);
        assert_eq!(from_str::<BTreeMap<&str, &str>>(&distinct, &mut [0u8; 999]), Err(QueryError::ScratchFull));
    }

    #[derive(Deserialize, Debug, PartialEq, Clone, Copy)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
    }

    #[derive(Deserialize, Debug, PartialEq)]
    struct Search<'a> {
        q: &'a str,
        page: Option<u32>,
        limit: Option<u8>,
        order: Order,
        exact: bool,
        sep: char,
        ratio: f64,
        offset: i64,
        verbose: Option<()>,
        #[serde(default)]
        tag: Vec<&'a str>,
    }

    #[test]
    fn typed_struct() {
        let query =
            "q=tobi+ferret&page=2&order=desc&exact=true&sep=%2C&ratio=0.5&offset=-3&tag=a&x=1&tag=b%20c&verbose";
        let mut scratch = [0u8; 64];
        let s: Search<'_> = from_str(query, &mut scratch).unwrap();
        assert_eq!(
            s,
            Search {
                q: "tobi ferret",
                page: Some(2),
                limit: None,
                order: Order::Desc,
                exact: true,
                sep: ',',
                ratio: 0.5,
                offset: -3,
                verbose: Some(()),
                tag: vec!["a", "b c"],
            }
        );
        // an unencoded value borrows from the query itself
        assert!(query.as_bytes().as_ptr_range().contains(&s.tag[0].as_ptr()));
        assert!(!query.as_bytes().as_ptr_range().contains(&s.q.as_ptr()));
    }

    #[test]
    fn typed_errors() {
        let base = "q=x&order=asc&exact=false&sep=-&ratio=1&offset=0";
        let mut scratch = [0u8; 64];
        let ok: Search<'_> = from_str(base, &mut scratch).unwrap();
        assert_eq!((ok.order, ok.exact, ok.page, ok.verbose), (Order::Asc, false, None, None));
        let with = |extra: &str| {
            let query = format!("{base}&{extra}");
            from_str::<Search<'_>>(&query, &mut [0u8; 64]).map(|_| ())
        };
        assert_eq!(with("q=y"), Err(QueryError::Repeated));
        assert_eq!(with("page=1&page=2"), Err(QueryError::Repeated));
        assert_eq!(with("page="), Err(QueryError::Invalid("invalid number")));
        assert_eq!(with("page=%2B5"), Ok(()));
        assert_eq!(with("page=+5"), Err(QueryError::Invalid("invalid number")));
        assert_eq!(with("limit=256"), Err(QueryError::Invalid("invalid number")));
        assert_eq!(with("exact=1"), Err(QueryError::Repeated));
        assert_eq!(
            from_str::<Search<'_>>("q=x&order=asc&exact=1&sep=-&ratio=1&offset=0", &mut []).map(|_| ()),
            Err(QueryError::Invalid("expected true or false"))
        );
        assert_eq!(
            from_str::<Search<'_>>("q=x&order=up&exact=true&sep=-&ratio=1&offset=0", &mut []).map(|_| ()),
            Err(QueryError::Invalid("unknown variant"))
        );
        assert_eq!(
            from_str::<Search<'_>>("q=x&order=asc&exact=true&sep=ab&ratio=1&offset=0", &mut []).map(|_| ()),
            Err(QueryError::Invalid("expected one character"))
        );
        assert_eq!(
            from_str::<Search<'_>>("order=asc&exact=true&sep=a&ratio=1&offset=0", &mut []).map(|_| ()),
            Err(QueryError::Missing("q"))
        );
        // decoded text needs scratch; too little is ScratchFull
        assert_eq!(
            from_str::<Search<'_>>("q=a+b&order=asc&exact=true&sep=a&ratio=1&offset=0", &mut [0u8; 2]).map(|_| ()),
            Err(QueryError::ScratchFull)
        );
        assert!(from_str::<Search<'_>>("q=a+b&order=asc&exact=true&sep=a&ratio=1&offset=0", &mut [0u8; 3]).is_ok());
        // numbers, chars and enums decode on the stack, not in scratch
        assert!(from_str::<Search<'_>>("q=x&order=%61sc&exact=%74rue&sep=%2B&ratio=%31&offset=%2D1", &mut []).is_ok());
    }

    #[test]
    fn sequences_and_repeats() {
        #[derive(Deserialize, Debug, PartialEq)]
        struct Pair<'a> {
            a: [u8; 2],
            #[serde(borrow)]
            t: (u8, &'a str),
            one: [u8; 1],
        }
        let p: Pair<'_> = from_str("a=1&t=7&b=2&a=3&one=9&t=x", &mut []).unwrap();
        assert_eq!(p, Pair { a: [1, 3], t: (7, "x"), one: [9] });
        assert_eq!(
            from_str::<Pair<'_>>("a=1&t=7&t=x&one=9", &mut []),
            Err(QueryError::Invalid("invalid number of values"))
        );
        assert_eq!(
            from_str::<Pair<'_>>("a=1&a=2&a=3&t=7&t=x&one=9", &mut []),
            Err(QueryError::Invalid("too many values"))
        );
        // the first value of each distinct key, in order of first appearance
        let m: BTreeMap<&str, &str> = from_str("b=1&a=2", &mut []).unwrap();
        assert_eq!(m, BTreeMap::from([("a", "2"), ("b", "1")]));
        assert_eq!(from_str::<BTreeMap<&str, &str>>("b=1&a=2&b=3", &mut []), Err(QueryError::Repeated));
        // decoded keys group with plain ones
        let mut scratch = [0u8; 8];
        let m: BTreeMap<&str, Vec<u32>> = from_str("a=1&%61=2&a+=3", &mut scratch).unwrap();
        assert_eq!(m, BTreeMap::from([("a", vec![1, 2]), ("a ", vec![3])]));
    }

    #[test]
    fn unknown_and_unsupported() {
        #[derive(Deserialize, Debug)]
        #[serde(deny_unknown_fields)]
        #[allow(dead_code)]
        struct Strict {
            a: u8,
        }
        assert!(from_str::<Strict>("a=1", &mut []).is_ok());
        assert_eq!(from_str::<Strict>("a=1&b=2", &mut []).map(|_| ()), Err(QueryError::Invalid("unknown key")));
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct Nested {
            shoe: BTreeMap<String, String>,
        }
        assert_eq!(from_str::<Nested>("shoe=x", &mut []).map(|_| ()), Err(QueryError::Unsupported("nested maps")));
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        enum Data {
            A(u8),
        }
        #[derive(Deserialize, Debug)]
        #[allow(dead_code)]
        struct WithData {
            d: Data,
        }
        assert_eq!(
            from_str::<WithData>("d=A", &mut []).map(|_| ()),
            Err(QueryError::Unsupported("enum variants with data"))
        );
        assert_eq!(from_str::<u32>("a=1", &mut []), Err(QueryError::Invalid("invalid type")));
        // unknown keys that need decoding cost no scratch
        #[derive(Deserialize, Debug, PartialEq)]
        struct One<'a> {
            a: &'a str,
        }
        let one: One<'_> = from_str("%7A%7A%7A=%7A%7A%7A&a=b", &mut []).unwrap();
        assert_eq!(one, One { a: "b" });
        assert_eq!(QueryError::ScratchFull.status(), 400);
        assert_eq!(QueryError::Missing("q").to_string(), "query string: missing key `q`");
    }

    #[test]
    fn disjoint_scratch() {
        let mut scratch = [0u8; 16];
        let m: BTreeMap<&str, &str> = from_str("x=%41%42&y=%43&z=plain&w=%44%45%46", &mut scratch).unwrap();
        assert_eq!(m, BTreeMap::from([("x", "AB"), ("y", "C"), ("z", "plain"), ("w", "DEF")]));
    }
    /// Random queries over the bytes that matter never panic, and every
    /// reading of a value agrees.
    #[test]
    fn random_queries() {
        let alphabet = b"%+=&aF09z\xc3\xa9";
        let mut seed = 0x2545_f491_4f6c_dd1du64;
        for _ in 0..20_000 {
            seed = seed.rotate_left(7).wrapping_mul(0x2545_f491_4f6c_dd1d).wrapping_add(1);
            let len = (seed >> 60) as usize * 2;
            let bytes: Vec<u8> = (0..len)
                .map(|_| {
                    seed ^= seed << 13;
                    seed ^= seed >> 7;
                    seed ^= seed << 17;
                    alphabet[(seed % alphabet.len() as u64) as usize]
                })
                .collect();
            let query = String::from_utf8_lossy(&bytes);
            let grouped = grouped_by_pairs(&query);
            let mut scratch = [0u8; 64];
            let typed: BTreeMap<String, Vec<String>> = from_str(&query, &mut scratch).unwrap();
            assert_eq!(typed, grouped, "{query:?}");
            let _ = from_str::<BTreeMap<&str, &str>>(&query, &mut [0u8; 8]);
            let _ = from_str::<Search<'_>>(&query, &mut [0u8; 8]);
        }
    }
}

//! JSON text as JavaScript's `JSON.stringify` writes it, from any
//! `serde::Serialize`, straight into a [`fmt::Write`] (behind
//! [`Response::json`](super::Response::json) and
//! [`Response::jsonp`](super::Response::jsonp)).
//!
//! Compact output (no `json spaces`); strings escaped as `JSON.stringify`
//! escapes them (`"`, `\`, `\b \f \n \r \t`, other control characters as
//! `\u00xx`, everything else as it is); numbers written as JavaScript's
//! `Number#toString` writes them (`1` for `1.0`, `1e+21`, `1.5e-7`); `NaN`
//! and the infinities as `null`, as `JSON.stringify` does.
//!
//! The serde data model maps as serde_json maps it: `None`, `()` and unit
//! structs are `null`; unit variants their name; newtype, tuple and struct
//! variants `{"Variant": ...}`; bytes an array of numbers; `char` a string.
//! Map keys must be strings, `char`s, numbers or booleans (numbers and
//! booleans are written as strings, as JavaScript names properties); other
//! keys are an error. Integers are exact, `u128`/`i128` included
//! (JavaScript would round beyond 2^53); an `f32` is written with the
//! shortest digits that read back as that `f32` (`0.1`).
//!
//! Nothing here allocates or panics: a failing writer (a full buffer) stops
//! the serialization with [`JsonError::Write`].

use core::fmt::{self, Write as _};

use serde::ser::{self, Serialize};

/// Why a value was not written as JSON.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum JsonError {
    /// The writer failed (its buffer is full).
    Write,
    /// A map key that is not a string, number, `char` or `bool`.
    Key,
    /// The value's `Serialize` implementation reported an error.
    Custom,
}

impl JsonError {
    pub(super) const fn message(self) -> &'static str {
        match self {
            JsonError::Write => "JSON body larger than its buffer",
            JsonError::Key => "JSON object key must be a string, number or bool",
            JsonError::Custom => "value could not be serialized as JSON",
        }
    }
}

impl fmt::Display for JsonError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.message())
    }
}

impl core::error::Error for JsonError {}

impl ser::Error for JsonError {
    fn custom<T: fmt::Display>(_msg: T) -> Self {
        JsonError::Custom
    }
}

impl From<fmt::Error> for JsonError {
    fn from(_: fmt::Error) -> Self {
        JsonError::Write
    }
}

/// Writes `value` as JSON into `out`; with `line_separators`, U+2028 and
/// U+2029 are escaped too (as Express's `jsonp` does, so that the text is
/// valid JavaScript).
pub(super) fn write_json<W: fmt::Write + ?Sized, T: Serialize + ?Sized>(
    out: &mut W,
    value: &T,
    line_separators: bool,
) -> Result<(), JsonError> {
    value.serialize(&mut Ser { out, line_separators, key: false })
}

/// The serializer; `key` is set while a map key is written.
struct Ser<'w, W: ?Sized> {
    out: &'w mut W,
    line_separators: bool,
    key: bool,
}

impl<'w, W: fmt::Write + ?Sized> Ser<'w, W> {
    fn raw(&mut self, s: &str) -> Result<(), JsonError> {
        Ok(self.out.write_str(s)?)
    }

    /// A number or `bool`: quoted when it is a map key.
    fn scalar(&mut self, text: fmt::Arguments<'_>) -> Result<(), JsonError> {
        if self.key { Ok(write!(self.out, "\"{text}\"")?) } else { Ok(self.out.write_fmt(text)?) }
    }

    /// Fails for what cannot be a map key.
    fn not_key(&self) -> Result<(), JsonError> {
        if self.key { Err(JsonError::Key) } else { Ok(()) }
    }

    fn float(&mut self, v: f64, shortest: fmt::Arguments<'_>) -> Result<(), JsonError> {
        match v {
            _ if v.is_finite() => self.scalar(format_args!("{}", JsNumber(v, shortest))),
            _ if self.key => self.raw(if v.is_nan() {
                "\"NaN\""
            } else if v < 0.0 {
                "\"-Infinity\""
            } else {
                "\"Infinity\""
            }),
            _ => self.raw("null"),
        }
    }

    fn string(&mut self, s: &str) -> Result<(), JsonError> {
        self.out.write_char('"')?;
        self.string_body(s)?;
        Ok(self.out.write_char('"')?)
    }

    /// A string's contents, escaped.
    fn string_body(&mut self, s: &str) -> Result<(), JsonError> {
        let mut plain = 0;
        for (i, c) in s.char_indices() {
            let escape = match c {
                '"' => "\\\"",
                '\\' => "\\\\",
                '\u{8}' => "\\b",
                '\u{c}' => "\\f",
                '\n' => "\\n",
                '\r' => "\\r",
                '\t' => "\\t",
                '\u{2028}' if self.line_separators => "\\u2028",
                '\u{2029}' if self.line_separators => "\\u2029",
                '\0'..='\u{1f}' => "",
                _ => continue,
            };
            self.out.write_str(s.get(plain..i).unwrap_or(""))?;
            if escape.is_empty() {
                write!(self.out, "\\u{:04x}", u32::from(c))?;
            } else {
                self.out.write_str(escape)?;
            }
            plain = i.saturating_add(c.len_utf8());
        }
        Ok(self.out.write_str(s.get(plain..).unwrap_or(""))?)
    }

    fn open<'a>(&'a mut self, open: &str, close: &'static str) -> Result<Compound<'a, 'w, W>, JsonError> {
        self.not_key()?;
        self.raw(open)?;
        Ok(Compound { ser: self, first: true, close })
    }

    /// `{"variant":` before the data of a variant.
    fn variant_key(&mut self, variant: &str) -> Result<(), JsonError> {
        self.not_key()?;
        self.raw("{")?;
        self.string(variant)?;
        self.raw(":")
    }
}

/// A finite number as JavaScript's `Number#toString` writes it, from the
/// shortest round-trip digits of Rust's `{:e}` (the arguments).
struct JsNumber<'a>(f64, fmt::Arguments<'a>);

impl fmt::Display for JsNumber<'_> {
    fn fmt(&self, out: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.0 == 0.0 {
            return out.write_str("0");
        }
        // `-1.2345e-7`: at most 17 digits, a sign, a dot and an exponent.
        let mut bytes = [0; 32];
        let mut buf = SliceWriter { buf: &mut bytes, len: 0 };
        fmt::write(&mut buf, self.1)?;
        let text = buf.buf.get(..buf.len).and_then(|b| core::str::from_utf8(b).ok()).ok_or(fmt::Error)?;
        let (sign, text) = text.strip_prefix('-').map_or(("", text), |t| ("-", t));
        let (mantissa, exp) = text.split_once('e').ok_or(fmt::Error)?;
        let exp: i32 = exp.parse().map_err(|_| fmt::Error)?;
        let (lead, rest) = mantissa.split_once('.').unwrap_or((mantissa, ""));
        // ECMAScript's k (how many digits) and n (where the point goes).
        let k = i32::try_from(lead.len().saturating_add(rest.len())).map_err(|_| fmt::Error)?;
        let n = exp.saturating_add(1);
        let zeros = |out: &mut fmt::Formatter<'_>, count: i32| (0..count).try_for_each(|_| out.write_char('0'));
        out.write_str(sign)?;
        if k <= n && n <= 21 {
            write!(out, "{lead}{rest}")?;
            zeros(out, n.saturating_sub(k))
        } else if 0 < n && n <= 21 {
            // `lead` is one digit: the point goes `n - 1` digits into `rest`.
            let point = usize::try_from(exp).map_err(|_| fmt::Error)?;
            let (before, after) = rest.split_at_checked(point).ok_or(fmt::Error)?;
            write!(out, "{lead}{before}.{after}")
        } else if -6 < n && n <= 0 {
            out.write_str("0.")?;
            zeros(out, n.saturating_neg())?;
            write!(out, "{lead}{rest}")
        } else {
            let point = if rest.is_empty() { "" } else { "." };
            write!(out, "{lead}{point}{rest}e{}{}", if exp < 0 { '-' } else { '+' }, exp.unsigned_abs())
        }
    }
}

/// Writes into a slice: `buf[..len]` is written; full is an error.
pub(super) struct SliceWriter<'a> {
    pub(super) buf: &'a mut [u8],
    pub(super) len: usize,
}

impl fmt::Write for SliceWriter<'_> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        let end = self.len.checked_add(s.len()).ok_or(fmt::Error)?;
        self.buf.get_mut(self.len..end).ok_or(fmt::Error)?.copy_from_slice(s.as_bytes());
        self.len = end;
        Ok(())
    }
}

macro_rules! scalars {
    ($($method:ident: $ty:ty),*) => {$(
        fn $method(self, v: $ty) -> Result<(), JsonError> {
            self.scalar(format_args!("{v}"))
        }
    )*};
}

impl<'a, 'w, W: fmt::Write + ?Sized> ser::Serializer for &'a mut Ser<'w, W> {
    type Ok = ();
    type Error = JsonError;
    type SerializeSeq = Compound<'a, 'w, W>;
    type SerializeTuple = Compound<'a, 'w, W>;
    type SerializeTupleStruct = Compound<'a, 'w, W>;
    type SerializeTupleVariant = Compound<'a, 'w, W>;
    type SerializeMap = Compound<'a, 'w, W>;
    type SerializeStruct = Compound<'a, 'w, W>;
    type SerializeStructVariant = Compound<'a, 'w, W>;

    scalars!(serialize_i8: i8, serialize_i16: i16, serialize_i32: i32, serialize_i64: i64, serialize_i128: i128);
    scalars!(serialize_u8: u8, serialize_u16: u16, serialize_u32: u32, serialize_u64: u64, serialize_u128: u128);
    scalars!(serialize_bool: bool);

    fn serialize_f32(self, v: f32) -> Result<(), JsonError> {
        self.float(f64::from(v), format_args!("{v:e}"))
    }
    fn serialize_f64(self, v: f64) -> Result<(), JsonError> {
        self.float(v, format_args!("{v:e}"))
    }
    fn serialize_char(self, v: char) -> Result<(), JsonError> {
        self.string(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), JsonError> {
        self.string(v)
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), JsonError> {
        let mut seq = self.open("[", "]")?;
        v.iter().try_for_each(|b| seq.element(b))?;
        seq.close()
    }
    fn serialize_none(self) -> Result<(), JsonError> {
        self.not_key()?;
        self.raw("null")
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), JsonError> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), JsonError> {
        self.serialize_none()
    }
    fn serialize_unit_struct(self, _name: &'static str) -> Result<(), JsonError> {
        self.serialize_none()
    }
    fn serialize_unit_variant(self, _name: &'static str, _index: u32, variant: &'static str) -> Result<(), JsonError> {
        self.string(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(self, _name: &'static str, value: &T) -> Result<(), JsonError> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), JsonError> {
        self.variant_key(variant)?;
        value.serialize(&mut *self)?;
        self.raw("}")
    }
    fn serialize_seq(self, _len: Option<usize>) -> Result<Self::SerializeSeq, JsonError> {
        self.open("[", "]")
    }
    fn serialize_tuple(self, _len: usize) -> Result<Self::SerializeTuple, JsonError> {
        self.open("[", "]")
    }
    fn serialize_tuple_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeTupleStruct, JsonError> {
        self.open("[", "]")
    }
    fn serialize_tuple_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeTupleVariant, JsonError> {
        self.variant_key(variant)?;
        self.open("[", "]}")
    }
    fn serialize_map(self, _len: Option<usize>) -> Result<Self::SerializeMap, JsonError> {
        self.open("{", "}")
    }
    fn serialize_struct(self, _name: &'static str, _len: usize) -> Result<Self::SerializeStruct, JsonError> {
        self.open("{", "}")
    }
    fn serialize_struct_variant(
        self,
        _name: &'static str,
        _index: u32,
        variant: &'static str,
        _len: usize,
    ) -> Result<Self::SerializeStructVariant, JsonError> {
        self.variant_key(variant)?;
        self.open("{", "}}")
    }
    fn collect_str<T: fmt::Display + ?Sized>(self, value: &T) -> Result<(), JsonError> {
        // Escaped piece by piece as it is written.
        self.out.write_char('"')?;
        let mut escaper = Escaper { ser: &mut *self, failed: None };
        let written = write!(escaper, "{value}");
        escaper.failed.map_or(Ok(()), Err)?;
        written?;
        Ok(self.out.write_char('"')?)
    }
}

/// Escapes each piece of a `Display` value as a JSON string's contents.
struct Escaper<'s, 'w, W: ?Sized> {
    ser: &'s mut Ser<'w, W>,
    failed: Option<JsonError>,
}

impl<W: fmt::Write + ?Sized> fmt::Write for Escaper<'_, '_, W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        self.ser.string_body(s).map_err(|e| {
            self.failed = Some(e);
            fmt::Error
        })
    }
}

/// The elements of an array or the members of an object; `close` ends it.
struct Compound<'a, 'w, W: ?Sized> {
    ser: &'a mut Ser<'w, W>,
    first: bool,
    close: &'static str,
}

impl<W: fmt::Write + ?Sized> Compound<'_, '_, W> {
    fn comma(&mut self) -> Result<(), JsonError> {
        if core::mem::replace(&mut self.first, false) { Ok(()) } else { self.ser.raw(",") }
    }

    fn element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        self.comma()?;
        value.serialize(&mut *self.ser)
    }

    fn close(self) -> Result<(), JsonError> {
        self.ser.raw(self.close)
    }
}

macro_rules! compound {
    ($($trait:ident::$method:ident),*) => {$(
        impl<W: fmt::Write + ?Sized> ser::$trait for Compound<'_, '_, W> {
            type Ok = ();
            type Error = JsonError;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
                self.element(value)
            }
            fn end(self) -> Result<(), JsonError> {
                self.close()
            }
        }
    )*};
}

compound!(
    SerializeSeq::serialize_element,
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl<W: fmt::Write + ?Sized> ser::SerializeMap for Compound<'_, '_, W> {
    type Ok = ();
    type Error = JsonError;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), JsonError> {
        self.comma()?;
        self.ser.key = true;
        let written = key.serialize(&mut *self.ser);
        self.ser.key = false;
        written?;
        self.ser.raw(":")
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), JsonError> {
        value.serialize(&mut *self.ser)
    }
    fn end(self) -> Result<(), JsonError> {
        self.close()
    }
}

macro_rules! fields {
    ($($trait:ident),*) => {$(
        impl<W: fmt::Write + ?Sized> ser::$trait for Compound<'_, '_, W> {
            type Ok = ();
            type Error = JsonError;
            fn serialize_field<T: Serialize + ?Sized>(&mut self, key: &'static str, value: &T) -> Result<(), JsonError> {
                self.comma()?;
                self.ser.string(key)?;
                self.ser.raw(":")?;
                value.serialize(&mut *self.ser)
            }
            fn end(self) -> Result<(), JsonError> {
                self.close()
            }
        }
    )*};
}

fields!(SerializeStruct, SerializeStructVariant);

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;
    use std::string::String;
    use std::vec;

    use super::*;

    fn json<T: Serialize + ?Sized>(value: &T) -> Result<String, JsonError> {
        let mut out = String::new();
        write_json(&mut out, value, false).map(|()| out)
    }

    #[test]
    fn numbers_are_written_as_javascript_writes_them() {
        // node -e 'console.log(JSON.stringify([1.0, -1.5, ...]))'
        let values = [
            1.0,
            -1.5,
            0.1,
            1e21,
            1e20,
            123456789012345680000.0,
            1.5e-7,
            0.000001,
            1e-7,
            -0.0,
            5e-324,
            1.7976931348623157e308,
            2.5,
            100.0,
            0.5,
            1234.5678,
            1e100,
            -2e-10,
            123e-20,
        ];
        assert_eq!(
            json(&values).unwrap(),
            "[1,-1.5,0.1,1e+21,100000000000000000000,123456789012345680000,1.5e-7,0.000001,1e-7,0,5e-324,\
             1.7976931348623157e+308,2.5,100,0.5,1234.5678,1e+100,-2e-10,1.23e-18]"
        );
        assert_eq!(json(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]).unwrap(), "[null,null,null]");
        assert_eq!(json(&(0.1f32, 16_777_216f32)).unwrap(), "[0.1,16777216]");
        assert_eq!(
            json(&(u128::MAX, i64::MIN)).unwrap(),
            "[340282366920938463463374607431768211455,-9223372036854775808]"
        );
    }

    #[test]
    fn strings_are_escaped_as_json_stringify_escapes_them() {
        let s = "a\"b\\c\u{8}\u{c}\n\r\t\u{0}\u{1f}\u{7f}\u{2028}é😀/";
        assert_eq!(json(s).unwrap(), "\"a\\\"b\\\\c\\b\\f\\n\\r\\t\\u0000\\u001f\u{7f}\u{2028}é😀/\"");
        let mut out = String::new();
        write_json(&mut out, "\u{2028}\u{2029}", true).unwrap();
        assert_eq!(out, "\"\\u2028\\u2029\"");
        assert_eq!(json(&'"').unwrap(), "\"\\\"\"");
        assert_eq!(json(&format_args!("{}\n", 1)).unwrap(), "\"1\\n\"");
    }

    #[test]
    fn the_data_model_maps_as_serde_json_maps_it() {
        #[derive(serde::Serialize)]
        enum E {
            Unit,
            New(u8),
            Tuple(u8, bool),
            Struct { a: Option<u8> },
        }
        #[derive(serde::Serialize)]
        struct Unit;
        #[derive(serde::Serialize)]
        struct Wrap(&'static str);
        #[derive(serde::Serialize)]
        struct S {
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            unit: Unit,
            wrap: Wrap,
            list: [E; 4],
            empty: [u8; 0],
            bytes: serde_bytes_like::Bytes,
        }
        mod serde_bytes_like {
            pub(super) struct Bytes;
            impl serde::Serialize for Bytes {
                fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                    s.serialize_bytes(b"\x01\xff")
                }
            }
        }
        let s = S {
            skipped: None,
            unit: Unit,
            wrap: Wrap("w"),
            list: [E::Unit, E::New(1), E::Tuple(2, false), E::Struct { a: None }],
            empty: [],
            bytes: serde_bytes_like::Bytes,
        };
        assert_eq!(
            json(&s).unwrap(),
            r#"{"unit":null,"wrap":"w","list":["Unit",{"New":1},{"Tuple":[2,false]},{"Struct":{"a":null}}],"empty":[],"bytes":[1,255]}"#
        );
    }

    struct OrderedKey(f64);
    impl Serialize for OrderedKey {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.serialize_f64(self.0)
        }
    }
    struct Pairs<'a>(&'a [(OrderedKey, u8)]);
    impl Serialize for Pairs<'_> {
        fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            s.collect_map(self.0.iter().map(|(k, v)| (k, v)))
        }
    }

    #[test]
    fn map_keys_are_strings() {
        let map: BTreeMap<i32, bool> = [(-1, true), (2, false)].into_iter().collect();
        assert_eq!(json(&map).unwrap(), r#"{"-1":true,"2":false}"#);
        let map: BTreeMap<char, ()> = [('k', ())].into_iter().collect();
        assert_eq!(json(&map).unwrap(), r#"{"k":null}"#);
        let map = [(1.5f64, 1), (f64::NAN, 2)].map(|(k, v)| (OrderedKey(k), v));
        assert_eq!(json(&Pairs(&map)).unwrap(), r#"{"1.5":1,"NaN":2}"#);
        let map: BTreeMap<bool, u8> = [(true, 1)].into_iter().collect();
        assert_eq!(json(&map).unwrap(), r#"{"true":1}"#);
        let map: BTreeMap<(u8, u8), u8> = [((1, 2), 3)].into_iter().collect();
        assert_eq!(json(&map), Err(JsonError::Key));
        let map: BTreeMap<Option<u8>, u8> = [(None, 3)].into_iter().collect();
        assert_eq!(json(&map), Err(JsonError::Key));
    }

    #[test]
    fn errors_stop_the_serialization() {
        struct Failing;
        impl Serialize for Failing {
            fn serialize<S: serde::Serializer>(&self, _: S) -> Result<S::Ok, S::Error> {
                Err(ser::Error::custom("nope"))
            }
        }
        assert_eq!(json(&[Failing]), Err(JsonError::Custom));
        let mut buf = [0u8; 8];
        let mut out = SliceWriter { buf: &mut buf, len: 0 };
        assert_eq!(write_json(&mut out, &vec!["long string"], false), Err(JsonError::Write));
        assert_eq!(JsonError::Write.message(), "JSON body larger than its buffer");
    }
}

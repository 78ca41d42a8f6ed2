//! Incremental decoder of the chunked transfer coding (RFC 9112 §7.1).
//!
//! ```text
//! Size ──hex──► Size ──";"/BWS──► Ext ──CR──► SizeLf ──LF──► Data ──► DataCr ──► DataLf ──► Size
//!                  └────────────────CR─────────┘   │ (size 0)
//!                                                   ▼
//!                     TrailerStart ──CR──► EndLf ──LF──► Done
//!                        │ other ▲
//!                        ▼       │ LF
//!                     TrailerLine ──CR──► TrailerLf
//! ```
//!
//! The decoder keeps a few integers of state and never buffers: framing bytes
//! are consumed one at a time, data is handed back as a range of the caller's
//! input. Chunk extensions and trailers are skipped under length caps. A lone
//! LF or CR anywhere in the framing is an error.

use super::{Config, RequestError};
use core::ops::Range;

/// Characters allowed on a chunk-size line after the size, beyond
/// [`Config::max_chunk_ext_len`] of extension text.
const MAX_SIZE_DIGITS: usize = 32;

/// Visible ASCII, space, tab and obs-text: what extension and trailer text may hold.
fn is_text(b: u8) -> bool {
    b == b'\t' || (b' '..=b'~').contains(&b) || b >= 0x80
}

/// One step of decoding: `consumed` bytes of the input were used; those at
/// `data` (inside `..consumed`) are body bytes; `done` once the last chunk and
/// trailers are through.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Decoded {
    /// Input bytes used by this step; the rest belongs to a later step (or,
    /// once `done`, to the next request).
    pub consumed: usize,
    /// The body bytes found, as a range of the input. Empty when none.
    pub data: Range<usize>,
    /// The body is complete.
    pub done: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Size { digits: bool },
    SizeWs,
    Ext,
    SizeLf,
    Data,
    DataCr,
    DataLf,
    TrailerStart,
    TrailerLine,
    TrailerLf,
    EndLf,
    Done,
}

/// The chunked decoder's state.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct ChunkedDecoder {
    state: State,
    /// Size of the current chunk while reading its size; bytes left while in data.
    size: u64,
    /// Bytes of the current chunk-size line so far.
    line_len: usize,
    trailer_len: usize,
}

impl ChunkedDecoder {
    pub(crate) const fn new() -> Self {
        Self { state: State::Size { digits: false }, size: 0, line_len: 0, trailer_len: 0 }
    }

    pub(crate) fn is_done(&self) -> bool {
        self.state == State::Done
    }

    /// Decodes from `input`, stopping after the first run of data (so the
    /// caller can deliver it) or when the input is used up or the body ends.
    pub(crate) fn decode(&mut self, input: &[u8], config: &Config) -> Result<Decoded, RequestError> {
        let mut at = 0usize;
        while let Some(&b) = input.get(at) {
            if self.state == State::Data {
                let available = input.len().saturating_sub(at);
                let take = usize::try_from(self.size).map_or(available, |left| left.min(available));
                // `take` ≤ `size`: the subtraction cannot wrap.
                self.size = self.size.saturating_sub(take as u64);
                if self.size == 0 {
                    self.state = State::DataCr;
                }
                let end = at.saturating_add(take);
                return Ok(Decoded { consumed: end, data: at..end, done: false });
            }
            self.step(b, config)?;
            at = at.saturating_add(1);
            if self.state == State::Done {
                break;
            }
        }
        Ok(Decoded { consumed: at, data: at..at, done: self.is_done() })
    }

    /// Consumes one framing byte.
    fn step(&mut self, b: u8, config: &Config) -> Result<(), RequestError> {
        self.state = match (self.state, b) {
            (State::Size { .. }, b) if b.is_ascii_hexdigit() => {
                let digit = char::from(b).to_digit(16).unwrap_or(0);
                self.size = self
                    .size
                    .checked_mul(16)
                    .and_then(|s| s.checked_add(u64::from(digit)))
                    .ok_or(RequestError::ChunkSizeOverflow)?;
                State::Size { digits: true }
            }
            (State::Size { digits: true }, b';') | (State::SizeWs, b';') => State::Ext,
            (State::Size { digits: true }, b' ' | b'\t') | (State::SizeWs, b' ' | b'\t') => State::SizeWs,
            (State::Size { digits: true }, b'\r') | (State::Ext, b'\r') => State::SizeLf,
            (State::Ext, b) if is_text(b) => State::Ext,
            (State::SizeLf, b'\n') => {
                self.line_len = 0;
                if self.size == 0 { State::TrailerStart } else { State::Data }
            }
            (State::Size { .. } | State::SizeWs | State::Ext | State::SizeLf, _) => {
                return Err(RequestError::BadChunkSize);
            }
            (State::DataCr, b'\r') => State::DataLf,
            (State::DataLf, b'\n') => State::Size { digits: false },
            (State::DataCr | State::DataLf, _) => return Err(RequestError::BadChunkData),
            (State::TrailerStart, b'\r') => State::EndLf,
            (State::TrailerStart | State::TrailerLine, b) if is_text(b) => {
                self.trailer_len = self.trailer_len.saturating_add(1);
                if self.trailer_len > config.max_trailer_len {
                    return Err(RequestError::TrailersTooLarge);
                }
                State::TrailerLine
            }
            (State::TrailerLine, b'\r') => State::TrailerLf,
            (State::TrailerLf, b'\n') => State::TrailerStart,
            (State::EndLf, b'\n') => State::Done,
            (State::TrailerStart | State::TrailerLine | State::TrailerLf | State::EndLf, _) => {
                return Err(RequestError::BadTrailer);
            }
            // `decode` handles Data itself and stops at Done.
            (State::Data | State::Done, _) => self.state,
        };
        if matches!(self.state, State::Size { .. } | State::SizeWs | State::Ext) {
            // Every byte of a chunk-size line counts, so neither leading zeros
            // nor extensions can stream forever without producing data.
            self.line_len = self.line_len.saturating_add(1);
            if self.line_len > config.max_chunk_ext_len.saturating_add(MAX_SIZE_DIGITS) {
                return Err(RequestError::ChunkExtensionTooLong);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::vec::Vec;

    /// Decodes `input` fed in pieces of `step` bytes; returns the body and the
    /// bytes left after it.
    fn decode_in_steps(input: &[u8], step: usize, config: &Config) -> Result<(Vec<u8>, usize), RequestError> {
        let mut decoder = ChunkedDecoder::new();
        let (mut body, mut pos, mut end) = (Vec::new(), 0, step.min(input.len()));
        loop {
            let d = decoder.decode(&input[pos..end], config)?;
            body.extend_from_slice(&input[pos..end][d.data.clone()]);
            pos += d.consumed;
            if d.done {
                return Ok((body, input.len() - pos));
            }
            if d.consumed == 0 {
                if end == input.len() {
                    return Err(RequestError::UnexpectedEof);
                }
                end = (end + step).min(input.len());
            }
        }
    }

    #[test]
    fn decodes_at_every_step_size() {
        let input = b"4\r\nWiki\r\n5;ext=\"a b\"\r\npedia\r\nE\r\n in\r\n\r\nchunks.\r\n0\r\nX-T: 1\r\n\r\nNEXT";
        for step in 1..input.len() {
            let (body, left) = decode_in_steps(input, step, &Config::new()).unwrap();
            assert_eq!(body, b"Wikipedia in\r\n\r\nchunks.", "step {step}");
            assert_eq!(left, 4);
        }
    }

    #[test]
    fn size_line_errors() {
        let c = Config::new();
        for bad in [&b"\r\n"[..], b"g\r\n", b"-1\r\n", b" 1\r\n", b"1 \r\n", b"1\n", b"1\rx", b";x\r\n", b"1;a\nb\r\n"]
        {
            let mut input = bad.to_vec();
            input.extend_from_slice(b"x\r\n0\r\n\r\n");
            assert_eq!(decode_in_steps(&input, 64, &c).err(), Some(RequestError::BadChunkSize), "{bad:?}");
        }
        assert_eq!(decode_in_steps(b"1 ;a\r\nx\r\n0\r\n\r\n", 64, &c).map(|r| r.0), Ok(b"x".to_vec()));
        let overflow = b"10000000000000000\r\n";
        assert_eq!(decode_in_steps(overflow, 64, &c).err(), Some(RequestError::ChunkSizeOverflow));
        let max = b"ffffffffffffffff\r\n";
        assert_eq!(decode_in_steps(max, 64, &c).err(), Some(RequestError::UnexpectedEof));
    }

    #[test]
    fn extensions_and_size_lines_are_bounded() {
        let c = Config::new().max_chunk_ext_len(4);
        assert!(decode_in_steps(b"1;abc\r\nx\r\n0\r\n\r\n", 3, &c).is_ok());
        let long = b"1;abcdefghijklmnopqrstuvwxyzabcdefghijklmnopqrstuvwxyz\r\nx\r\n0\r\n\r\n";
        assert_eq!(decode_in_steps(long, 3, &c).err(), Some(RequestError::ChunkExtensionTooLong));
        let zeros = [b'0'; 100];
        assert_eq!(decode_in_steps(&zeros, 7, &c).err(), Some(RequestError::ChunkExtensionTooLong));
    }

    #[test]
    fn data_and_trailer_errors() {
        let c = Config::new().max_trailer_len(8);
        assert_eq!(decode_in_steps(b"1\r\nxy\r\n", 64, &c).err(), Some(RequestError::BadChunkData));
        assert_eq!(decode_in_steps(b"1\r\nx\n0\r\n\r\n", 64, &c).err(), Some(RequestError::BadChunkData));
        assert_eq!(decode_in_steps(b"0\r\nA: b\n\r\n", 64, &c).err(), Some(RequestError::BadTrailer));
        assert_eq!(decode_in_steps(b"0\r\n\n", 64, &c).err(), Some(RequestError::BadTrailer));
        assert_eq!(decode_in_steps(b"0\r\nA: 12345678\r\n\r\n", 64, &c).err(), Some(RequestError::TrailersTooLarge));
        assert_eq!(decode_in_steps(b"0\r\nA: 1\r\nB: 2\r\n\r\n", 1, &c).map(|r| r.1), Ok(0));
    }
}

//! `zip: DEF` (RFC 7516 4.1.3): raw DEFLATE (RFC 1951), with a cap on the inflated size.

use std::io::{Read, Write};

use crate::{Error, Failure};

/// The default cap on inflated content: 256 KiB.
pub const DEFAULT_MAX_INFLATED: usize = 256 * 1024;

pub(crate) fn deflate(data: &[u8]) -> Result<Vec<u8>, Error> {
    let mut enc = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::default());
    enc.write_all(data)
        .and_then(|()| enc.finish())
        .map_err(Error::Compress)
}

/// Inflates at most `max` bytes; more, or invalid DEFLATE, is a failure. Reading stops at
/// the cap: a zip bomb costs no more than `max` bytes of memory.
pub(crate) fn inflate(data: &[u8], max: usize) -> Result<Vec<u8>, Failure> {
    let limit = u64::try_from(max).unwrap_or(u64::MAX).saturating_add(1);
    let mut out = Vec::new();
    flate2::read::DeflateDecoder::new(data)
        .take(limit)
        .read_to_end(&mut out)
        .map_err(|_| Failure::Inflate)?;
    if out.len() > max {
        return Err(Failure::Inflate);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_cap() {
        let data = b"hello hello hello hello".repeat(100);
        let z = deflate(&data).unwrap();
        assert!(z.len() < data.len());
        assert_eq!(inflate(&z, data.len()).unwrap(), data);
        assert_eq!(inflate(&z, data.len() - 1), Err(Failure::Inflate));
        assert_eq!(inflate(b"\xff\xff\xff", 100), Err(Failure::Inflate));
    }

    #[test]
    fn zip_bomb_stops_at_the_cap() {
        let bomb = deflate(&vec![0u8; 50 * 1024 * 1024]).unwrap();
        assert!(bomb.len() < 100 * 1024);
        assert_eq!(inflate(&bomb, DEFAULT_MAX_INFLATED), Err(Failure::Inflate));
    }
}

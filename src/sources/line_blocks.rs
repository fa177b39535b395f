//! A large text file read in blocks of whole lines, in byte ranges that
//! threads read side by side. A block stays in the CPU cache while it is
//! parsed, and memory stays at one block per thread instead of the file's
//! size (reading 300 MB into one buffer costs more in page faults than the
//! parse that follows).

use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::Path;

/// Bytes read at a time; a block grows only to hold a longer line.
const BLOCK: usize = 256 << 10;

/// Why a range could not be read.
#[derive(Debug, thiserror::Error)]
pub enum BlockError {
    /// The file could not be opened or read.
    #[error("{0}")]
    Io(#[from] std::io::Error),
    /// The bytes from `at` (an offset in the file) are not UTF-8.
    #[error("not UTF-8 at byte {at}")]
    NotUtf8 {
        /// Offset of the first byte that is not UTF-8.
        at: u64,
    },
}

/// The file's bytes in up to `parts` ranges that each start at a line start,
/// in order, covering the whole file (one range for a small file).
pub fn line_ranges(
    path: &Path,
    parts: usize,
    min_part: u64,
) -> Result<Vec<Range<u64>>, BlockError> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let parts = if len < min_part {
        1
    } else {
        parts.max(1) as u64
    };
    let mut starts = vec![0u64];
    for i in 1..parts {
        let guess = len * i / parts;
        let Some(start) = next_line_start(&mut file, guess)? else {
            break;
        };
        if start > starts.last().copied().unwrap_or(0) && start < len {
            starts.push(start);
        }
    }
    Ok(starts
        .iter()
        .enumerate()
        .map(|(i, &lo)| lo..starts.get(i + 1).copied().unwrap_or(len))
        .collect())
}

/// The offset after the first `\n` at or after `from`, if any.
fn next_line_start(file: &mut File, from: u64) -> Result<Option<u64>, BlockError> {
    file.seek(SeekFrom::Start(from))?;
    let mut buf = vec![0u8; 64 << 10];
    let mut at = from;
    loop {
        let n = file.read(&mut buf)?;
        if n == 0 {
            return Ok(None);
        }
        if let Some(i) = memchr::memchr(b'\n', buf.get(..n).unwrap_or(&[])) {
            return Ok(Some(at + i as u64 + 1));
        }
        at += n as u64;
    }
}

/// Calls `f` with the text of `range` of the file, in blocks of whole lines
/// (the last may lack its `\n` at the end of the file), in order.
pub fn for_each_block(
    path: &Path,
    range: Range<u64>,
    mut f: impl FnMut(&str),
) -> Result<(), BlockError> {
    let mut file = File::open(path)?;
    file.seek(SeekFrom::Start(range.start))?;
    let mut left = range.end.saturating_sub(range.start);
    let mut buf: Vec<u8> = Vec::with_capacity(BLOCK);
    // Offset in the file of buf[0], for messages.
    let mut offset = range.start;
    while left > 0 {
        let kept = buf.len();
        let want = (BLOCK.max(kept * 2) - kept).min(usize::try_from(left).unwrap_or(usize::MAX));
        buf.resize(kept + want, 0);
        let n = file.read(buf.get_mut(kept..).unwrap_or(&mut []))?;
        buf.truncate(kept + n);
        if n == 0 {
            break;
        }
        left -= n as u64;
        let whole = if left == 0 {
            buf.len()
        } else {
            match memchr::memrchr(b'\n', &buf) {
                Some(i) => i + 1,
                None => continue,
            }
        };
        let text = std::str::from_utf8(buf.get(..whole).unwrap_or(&[])).map_err(|e| {
            BlockError::NotUtf8 {
                at: offset + e.valid_up_to() as u64,
            }
        })?;
        f(text);
        buf.drain(..whole);
        offset += whole as u64;
    }
    if !buf.is_empty() {
        // The file shrank while it was read: what arrived still counts.
        let text = std::str::from_utf8(&buf).map_err(|e| BlockError::NotUtf8 {
            at: offset + e.valid_up_to() as u64,
        })?;
        f(text);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn file_with(bytes: &[u8]) -> std::io::Result<tempfile::NamedTempFile> {
        let mut f = tempfile::NamedTempFile::new()?;
        f.write_all(bytes)?;
        f.flush()?;
        Ok(f)
    }

    /// Every range put back together, block by block, is the file.
    fn reassembled(path: &Path, parts: usize) -> Result<(String, Vec<String>), BlockError> {
        let mut all = String::new();
        let mut blocks = Vec::new();
        for range in line_ranges(path, parts, 0)? {
            for_each_block(path, range, |b| {
                all.push_str(b);
                blocks.push(b.to_string());
            })?;
        }
        Ok((all, blocks))
    }

    #[test]
    fn ranges_and_blocks_cover_the_file_in_whole_lines() -> Result<(), BlockError> {
        // 3 MB of lines of varied length, the last without its newline, and
        // one line longer than a block.
        let mut text = String::new();
        for i in 0..60_000 {
            text.push_str(&format!("line {i} {}\n", "x".repeat(i % 97)));
        }
        text.push_str(&"y".repeat(BLOCK * 3));
        text.push_str("\nlast é");
        let f = file_with(text.as_bytes())?;
        for parts in [1, 2, 3, 7] {
            let (all, blocks) = reassembled(f.path(), parts)?;
            assert_eq!(all, text, "{parts} parts");
            let (last, rest) = blocks
                .split_last()
                .map_or((None, &[][..]), |(l, r)| (Some(l), r));
            assert!(rest.iter().all(|b| b.ends_with('\n')), "{parts} parts");
            assert_eq!(last.map(|l| l.ends_with("last é")), Some(true));
        }
        let ranges = line_ranges(f.path(), 3, 0)?;
        assert_eq!(ranges.len(), 3);
        // A small file is one range.
        assert_eq!(line_ranges(f.path(), 3, u64::MAX)?.len(), 1);
        Ok(())
    }

    #[test]
    fn bytes_that_are_not_utf8_are_named_by_their_offset() -> Result<(), BlockError> {
        let mut bytes = b"ok 1\n".repeat(100_000);
        bytes.extend_from_slice(b"bad \xff\n");
        let f = file_with(&bytes)?;
        let ranges = line_ranges(f.path(), 2, 0)?;
        let mut err = None;
        for range in ranges {
            if let Err(e) = for_each_block(f.path(), range, |_| {}) {
                err = Some(e);
            }
        }
        match err {
            Some(BlockError::NotUtf8 { at }) => assert_eq!(at, 500_004),
            other => panic!("expected NotUtf8, got {other:?}"),
        }
        Ok(())
    }
}

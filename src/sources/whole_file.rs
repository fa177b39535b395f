//! A large file read whole, its parts by threads side by side: on a 145 MB
//! config dump, one thread spends as long copying pages out of the kernel
//! and faulting in fresh memory as `pc` spends parsing what it needs, and
//! two cores halve that.

use std::fs::File;
use std::io::{self, Read};
use std::path::Path;

/// Files smaller than this are read by one thread.
const PARALLEL_MIN: u64 = 8 << 20;

/// The whole file. A file that shrinks or grows while its parts are read
/// (a log still written) is read again the plain way, front to back; a pipe
/// or a `/proc` file (no size) is read that way from the start.
pub fn read(path: &Path) -> io::Result<Vec<u8>> {
    let mut file = File::open(path)?;
    let len = file.metadata()?.len();
    let threads = crate::model::par::threads();
    if len < PARALLEL_MIN || threads < 2 {
        return read_rest(&mut file, len);
    }
    match parts(&file, len, threads) {
        Some(bytes) => Ok(bytes),
        // A part fell short (the file moved under us) or its thread died.
        None => std::fs::read(path),
    }
}

/// The rest of `file` read on this thread, `len` bytes expected.
fn read_rest(file: &mut File, len: u64) -> io::Result<Vec<u8>> {
    let mut bytes = Vec::with_capacity(usize::try_from(len).unwrap_or(0).saturating_add(1));
    file.read_to_end(&mut bytes)?;
    Ok(bytes)
}

/// `len` bytes of `file` in `threads` parts read side by side, or `None`
/// when a part could not be read whole or the file grew.
#[cfg(unix)]
fn parts(file: &File, len: u64, threads: usize) -> Option<Vec<u8>> {
    use std::os::unix::fs::FileExt;
    let size = usize::try_from(len).ok()?;
    // Zeroed memory comes from the kernel untouched: each thread faults in
    // its own part's pages as it writes them.
    let mut bytes = vec![0u8; size];
    let chunk = size.div_ceil(threads).max(1);
    let read_all = std::thread::scope(|s| {
        let handles: Vec<_> = bytes
            .chunks_mut(chunk)
            .enumerate()
            .map(|(i, part)| {
                let at = (i * chunk) as u64;
                s.spawn(move || file.read_exact_at(part, at).is_ok())
            })
            .collect();
        // Every thread joined (the scope would re-raise a panic left unjoined).
        let joined: Vec<bool> = handles
            .into_iter()
            .map(|h| h.join().unwrap_or(false))
            .collect();
        joined.into_iter().all(|ok| ok)
    });
    let mut more = [0u8; 1];
    let grew = !matches!(file.read_at(&mut more, len), Ok(0));
    (read_all && !grew).then_some(bytes)
}

#[cfg(not(unix))]
fn parts(_file: &File, _len: u64, _threads: usize) -> Option<Vec<u8>> {
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_files_below_and_above_the_parallel_size_byte_for_byte() {
        let dir = tempfile::tempdir().expect("tempdir");
        for size in [0usize, 1, 4095, (PARALLEL_MIN as usize) + 12_345] {
            let bytes: Vec<u8> = (0..size).map(|i| (i * 7 + i / 251) as u8).collect();
            let path = dir.path().join(format!("f{size}"));
            std::fs::write(&path, &bytes).expect("write");
            assert!(read(&path).expect("read") == bytes, "{size} bytes");
        }
    }

    #[test]
    fn a_missing_file_is_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        assert!(read(&dir.path().join("none")).is_err());
    }
}

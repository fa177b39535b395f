//! The files of a capture, named by relative path and read on demand: a
//! directory on disk, a plain tar (members read in place by offset), a gzip'd
//! tar (one streaming pass copies the members into a private, already-unlinked
//! temp file and keeps their offsets), or bodies held in memory.
//!
//! Archives are checked while they are indexed: absolute names, `..`, links,
//! devices and FIFOs are refused, sizes are capped, and a corrupt gzip or tar
//! names the file and the offset.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

/// Size caps applied while indexing and reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest single member (a config dump of a very big mesh fits).
    pub max_member: u64,
    /// Largest total of all members kept from one archive.
    pub max_total: u64,
    /// Most members in one archive.
    pub max_members: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_member: 1 << 30,
            max_total: 16 << 30,
            max_members: 200_000,
        }
    }
}

/// Where a member's bytes are.
#[derive(Debug, Clone)]
enum Body {
    /// A file below the directory root.
    Disk(PathBuf),
    /// `len` bytes at `offset` of the indexed file.
    At { offset: u64, len: u64 },
    /// Held in memory.
    Memory(Arc<Vec<u8>>),
}

/// A capture's files.
#[derive(Debug)]
pub struct Tree {
    /// What it was opened from, for messages.
    pub label: String,
    /// What kind of container it is (`directory`, `tar`, `tar.gz`, `file`).
    pub container: &'static str,
    file: Option<File>,
    members: BTreeMap<String, Body>,
    /// Members left out while indexing, with why (core dumps, directories).
    pub skipped: Vec<String>,
    limits: Limits,
}

impl Tree {
    /// Member names in order.
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.members.keys().map(String::as_str)
    }

    /// Whether a member exists.
    pub fn has(&self, name: &str) -> bool {
        self.members.contains_key(name)
    }

    /// Number of members.
    pub fn len(&self) -> usize {
        self.members.len()
    }

    /// Whether there are no members.
    pub fn is_empty(&self) -> bool {
        self.members.is_empty()
    }

    /// Reads one member whole.
    pub fn read(&self, name: &str) -> Result<Arc<Vec<u8>>, String> {
        let body = self
            .members
            .get(name)
            .ok_or_else(|| format!("{}: no `{name}` in this capture", self.label))?;
        match body {
            Body::Memory(b) => Ok(b.clone()),
            Body::Disk(p) => read_capped(p, self.limits.max_member).map(Arc::new),
            Body::At { offset, len } => {
                let file = self
                    .file
                    .as_ref()
                    .ok_or_else(|| format!("{}: archive file not open", self.label))?;
                let len = usize::try_from(*len).map_err(|_| format!("{name}: too large"))?;
                let mut buf = vec![0u8; len];
                read_exact_at(file, &mut buf, *offset)
                    .map_err(|e| format!("{}: reading `{name}`: {e}", self.label))?;
                Ok(Arc::new(buf))
            }
        }
    }

    /// The first [`super::sniff::HEAD`] bytes of a member, for telling what it is.
    pub fn read_head(&self, name: &str) -> Result<Vec<u8>, String> {
        let want = super::sniff::HEAD as u64;
        match self.members.get(name) {
            Some(Body::Disk(p)) => {
                let f = File::open(p).map_err(|e| format!("{}: {e}", p.display()))?;
                let mut buf = Vec::new();
                f.take(want)
                    .read_to_end(&mut buf)
                    .map_err(|e| format!("{}: {e}", p.display()))?;
                Ok(buf)
            }
            Some(Body::At { offset, len }) => {
                let file = self
                    .file
                    .as_ref()
                    .ok_or_else(|| format!("{}: archive file not open", self.label))?;
                let n = usize::try_from((*len).min(want)).unwrap_or(0);
                let mut buf = vec![0u8; n];
                read_exact_at(file, &mut buf, *offset)
                    .map_err(|e| format!("{}: reading `{name}`: {e}", self.label))?;
                Ok(buf)
            }
            Some(Body::Memory(b)) => Ok(b[..b.len().min(super::sniff::HEAD)].to_vec()),
            None => Err(format!("{}: no `{name}` in this capture", self.label)),
        }
    }

    /// A tree of bodies held in memory (a single file, tests).
    pub fn memory(label: &str, members: Vec<(String, Vec<u8>)>) -> Tree {
        Tree {
            label: label.to_string(),
            container: "file",
            file: None,
            members: members
                .into_iter()
                .map(|(n, b)| (n, Body::Memory(Arc::new(b))))
                .collect(),
            skipped: Vec::new(),
            limits: Limits::default(),
        }
    }

    /// Lists a directory (recursively, at most 6 levels), refusing symlinks
    /// and skipping anything that is not a regular file.
    pub fn dir(root: &Path, limits: Limits) -> Result<Tree, String> {
        let mut tree = Tree {
            label: root.display().to_string(),
            container: "directory",
            file: None,
            members: BTreeMap::new(),
            skipped: Vec::new(),
            limits,
        };
        walk(root, "", 0, &mut tree)?;
        Ok(tree)
    }

    /// Indexes a tar archive, gzip'd or not (decided by the first bytes).
    pub fn archive(path: &Path, limits: Limits) -> Result<Tree, String> {
        let label = path.display().to_string();
        let mut head = [0u8; 2];
        let n = File::open(path)
            .and_then(|mut f| f.read(&mut head))
            .map_err(|e| format!("{label}: {e}"))?;
        if n == 2 && head == [0x1f, 0x8b] {
            index_gzip(path, limits)
        } else {
            index_tar(path, limits)
        }
    }
}

fn walk(dir: &Path, prefix: &str, depth: usize, tree: &mut Tree) -> Result<(), String> {
    let rd = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    let mut entries: Vec<_> = rd.filter_map(Result::ok).collect();
    entries.sort_by_key(|e| e.file_name());
    for e in entries {
        let name = e.file_name().to_string_lossy().into_owned();
        let rel = format!("{prefix}{name}");
        let ft = e.file_type().map_err(|err| format!("{rel}: {err}"))?;
        if ft.is_symlink() {
            tree.skipped
                .push(format!("{rel} (a symlink; not followed)"));
        } else if ft.is_dir() {
            if depth < 6 {
                walk(&e.path(), &format!("{rel}/"), depth + 1, tree)?;
            }
        } else if ft.is_file() {
            if tree.members.len() >= tree.limits.max_members {
                return Err(format!(
                    "{}: more than {} files; refused",
                    tree.label, tree.limits.max_members
                ));
            }
            tree.members.insert(rel, Body::Disk(e.path()));
        } else {
            tree.skipped.push(format!("{rel} (not a regular file)"));
        }
    }
    Ok(())
}

/// Reads a whole file, refusing one over `cap` bytes.
pub fn read_capped(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let len = f.metadata().map(|m| m.len()).unwrap_or(0);
    if len > cap {
        return Err(format!(
            "{}: {len} bytes is over the {cap}-byte cap for one capture file",
            path.display()
        ));
    }
    let mut buf = Vec::with_capacity(usize::try_from(len).unwrap_or(0));
    f.take(cap + 1)
        .read_to_end(&mut buf)
        .map_err(|e| format!("{}: {e}", path.display()))?;
    if buf.len() as u64 > cap {
        return Err(format!(
            "{}: over the {cap}-byte cap for one capture file",
            path.display()
        ));
    }
    Ok(buf)
}

#[cfg(unix)]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::os::unix::fs::FileExt;
    file.read_exact_at(buf, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &File, buf: &mut [u8], offset: u64) -> io::Result<()> {
    use std::io::{Seek, SeekFrom};
    let mut f = file.try_clone()?;
    f.seek(SeekFrom::Start(offset))?;
    f.read_exact(buf)
}

/// Counts the bytes read through it (shared, so the count survives the
/// reader being moved into the decoder).
struct Counting<R> {
    inner: R,
    count: Arc<std::sync::atomic::AtomicU64>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.count
            .fetch_add(n as u64, std::sync::atomic::Ordering::Relaxed);
        Ok(n)
    }
}

/// A member name made safe, or why it is refused.
pub fn check_name(raw: &[u8]) -> Result<String, String> {
    let name = std::str::from_utf8(raw).map_err(|_| "the name is not UTF-8".to_string())?;
    if name.contains('\0') {
        return Err("the name holds a NUL byte".into());
    }
    if name.starts_with('/') || name.starts_with('\\') || name.get(1..2) == Some(":") {
        return Err("an absolute name".into());
    }
    let mut parts = Vec::new();
    for c in Path::new(name).components() {
        match c {
            Component::Normal(p) => parts.push(p.to_string_lossy().into_owned()),
            Component::CurDir => {}
            Component::ParentDir => return Err("the name climbs out with `..`".into()),
            Component::RootDir | Component::Prefix(_) => return Err("an absolute name".into()),
        }
    }
    if parts.iter().any(|p| p.contains('\\')) {
        return Err("a backslash in the name".into());
    }
    Ok(parts.join("/"))
}

/// Whether a member is kept: core dumps are never read, so never copied.
fn wanted(name: &str) -> bool {
    !(name.contains("/cores/") || name.ends_with(".core"))
}

struct Indexer<'a> {
    label: &'a str,
    limits: Limits,
    total: u64,
}

impl Indexer<'_> {
    /// Checks one entry; `Ok(None)` for an entry that is skipped (a directory).
    fn check(
        &mut self,
        entry: &tar::Entry<'_, impl Read>,
        at: u64,
    ) -> Result<Option<String>, String> {
        let header = entry.header();
        let raw = entry.path_bytes();
        let shown = String::from_utf8_lossy(&raw).into_owned();
        let refuse = |why: &str| {
            format!(
                "{}: entry `{}` at byte {at} of the tar stream: {why}; the archive is refused",
                self.label,
                shown.escape_debug()
            )
        };
        let kind = header.entry_type();
        if kind.is_dir() {
            check_name(&raw).map_err(|e| refuse(&e))?;
            return Ok(None);
        }
        if kind.is_symlink() || kind.is_hard_link() {
            return Err(refuse("a link"));
        }
        if kind.is_character_special() || kind.is_block_special() || kind.is_fifo() {
            return Err(refuse("a device or FIFO"));
        }
        if !(kind.is_file() || kind.is_contiguous()) {
            return Err(refuse(&format!(
                "an entry of type {:?}",
                kind.as_byte() as char
            )));
        }
        let name = check_name(&raw).map_err(|e| refuse(&e))?;
        let size = entry.size();
        if size > self.limits.max_member {
            return Err(refuse(&format!(
                "{size} bytes is over the {}-byte cap for one member",
                self.limits.max_member
            )));
        }
        self.total += size;
        if self.total > self.limits.max_total {
            return Err(format!(
                "{}: members add up to more than the {}-byte cap; refused",
                self.label, self.limits.max_total
            ));
        }
        Ok(Some(name))
    }
}

fn insert(
    members: &mut BTreeMap<String, Body>,
    limits: Limits,
    label: &str,
    name: String,
    body: Body,
) -> Result<(), String> {
    if members.len() >= limits.max_members {
        return Err(format!(
            "{label}: more than {} members; refused",
            limits.max_members
        ));
    }
    members.insert(name, body);
    Ok(())
}

fn index_tar(path: &Path, limits: Limits) -> Result<Tree, String> {
    let label = path.display().to_string();
    let file = File::open(path).map_err(|e| format!("{label}: {e}"))?;
    let reader = file.try_clone().map_err(|e| format!("{label}: {e}"))?;
    let mut archive = tar::Archive::new(BufReader::with_capacity(1 << 16, reader));
    let mut members = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut ix = Indexer {
        label: &label,
        limits,
        total: 0,
    };
    let mut last = 0u64;
    let entries = archive
        .entries()
        .map_err(|e| format!("{label}: not a tar archive: {e}"))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{label}: corrupt tar after byte {last}: {e}"))?;
        let at = entry.raw_header_position();
        last = entry.raw_file_position() + entry.size();
        let Some(name) = ix.check(&entry, at)? else {
            continue;
        };
        if !wanted(&name) {
            skipped.push(format!("{name} (core dump; not read)"));
            continue;
        }
        let body = Body::At {
            offset: entry.raw_file_position(),
            len: entry.size(),
        };
        insert(&mut members, limits, &label, name, body)?;
    }
    let len = file.metadata().map(|m| m.len()).unwrap_or(0);
    if members.is_empty() && len > 0 && last == 0 {
        return Err(format!("{label}: not a tar archive (no members)"));
    }
    Ok(Tree {
        label,
        container: "tar",
        file: Some(file),
        members,
        skipped,
        limits,
    })
}

fn index_gzip(path: &Path, limits: Limits) -> Result<Tree, String> {
    let label = path.display().to_string();
    let file = File::open(path).map_err(|e| format!("{label}: {e}"))?;
    let compressed = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let plain = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counting = Counting {
        inner: file,
        count: compressed.clone(),
    };
    let gz = flate2::read::GzDecoder::new(BufReader::with_capacity(1 << 16, counting));
    let counted = Counting {
        inner: gz,
        count: plain.clone(),
    };
    let mut archive = tar::Archive::new(counted);
    // The spool: private (0600, created with O_EXCL) and already unlinked, so
    // nothing of the archive is left on disk whatever happens to the process.
    let mut spool = tempfile::tempfile().map_err(|e| format!("{label}: temp file: {e}"))?;
    let mut written = 0u64;
    let mut members = BTreeMap::new();
    let mut skipped = Vec::new();
    let mut ix = Indexer {
        label: &label,
        limits,
        total: 0,
    };
    let where_ = |e: &io::Error| {
        let c = compressed.load(std::sync::atomic::Ordering::Relaxed);
        let p = plain.load(std::sync::atomic::Ordering::Relaxed);
        let what = if e.kind() == io::ErrorKind::UnexpectedEof {
            "truncated".to_string()
        } else {
            format!("corrupt ({e})")
        };
        format!("{label}: {what} near compressed byte {c} (byte {p} of the tar stream)")
    };
    let entries = archive.entries().map_err(|e| where_(&e))?;
    let mut buf = vec![0u8; 1 << 16];
    for entry in entries {
        let mut entry = entry.map_err(|e| where_(&e))?;
        let at = entry.raw_header_position();
        let Some(name) = ix.check(&entry, at)? else {
            continue;
        };
        if !wanted(&name) {
            skipped.push(format!("{name} (core dump; not read)"));
            io::copy(&mut entry, &mut io::sink()).map_err(|e| where_(&e))?;
            continue;
        }
        let start = written;
        loop {
            let n = entry.read(&mut buf).map_err(|e| where_(&e))?;
            if n == 0 {
                break;
            }
            io::Write::write_all(&mut spool, &buf[..n])
                .map_err(|e| format!("{label}: temp file: {e}"))?;
            written += n as u64;
        }
        let len = written - start;
        if len != entry.size() {
            return Err(where_(&io::Error::from(io::ErrorKind::UnexpectedEof)));
        }
        insert(
            &mut members,
            limits,
            &label,
            name,
            Body::At { offset: start, len },
        )?;
    }
    // Everything after the tar's end marker must still be a valid gzip stream.
    let mut rest = archive.into_inner();
    io::copy(&mut rest, &mut io::sink()).map_err(|e| where_(&e))?;
    if members.is_empty() && plain.load(std::sync::atomic::Ordering::Relaxed) == 0 {
        return Err(format!("{label}: an empty gzip stream, not a tar.gz"));
    }
    Ok(Tree {
        label,
        container: "tar.gz",
        file: Some(spool),
        members,
        skipped,
        limits,
    })
}

//! Logs from a file or a pipe: a saved `kubectl logs` output, an Envoy
//! access-log file that is still growing (followed, rotation and truncation
//! included), or standard input. The same [`LogSource`] as a pod's stream.

use std::io::SeekFrom;
use std::path::PathBuf;
use std::time::Duration;

use futures::channel::mpsc;
use futures::stream::BoxStream;
use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncSeekExt, BufReader};

use super::logs::{LogError, LogQuery, LogSource, APP_CONTAINER};

/// How often a followed file is checked for growth.
const POLL: Duration = Duration::from_millis(200);
/// Longest line kept whole; longer ones are cut (a log line is not a dump).
const MAX_LINE: usize = 1 << 20;

/// Where the lines come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum LogInput {
    /// A file, followed when the query says so.
    File(PathBuf),
    /// Standard input (`-`), read to its end.
    Stdin,
}

impl LogInput {
    /// `-` is standard input, anything else a path.
    pub fn from_arg(arg: &str) -> LogInput {
        if arg == "-" {
            LogInput::Stdin
        } else {
            LogInput::File(PathBuf::from(arg))
        }
    }

    /// The name to show in messages.
    pub fn label(&self) -> String {
        match self {
            LogInput::File(p) => p.display().to_string(),
            LogInput::Stdin => "standard input".to_string(),
        }
    }
}

/// The sidecar log of every target is this one input.
#[derive(Debug, Clone)]
pub struct FileLogSource {
    input: LogInput,
}

impl FileLogSource {
    /// A source reading `input`.
    pub fn new(input: LogInput) -> Self {
        FileLogSource { input }
    }
}

impl LogSource for FileLogSource {
    fn lines(&self, query: &LogQuery) -> BoxStream<'static, Result<String, LogError>> {
        if query.container == APP_CONTAINER {
            let msg = format!(
                "{}: a log file holds one container's lines; no application log here",
                self.input.label()
            );
            return futures::stream::once(async move { Err(LogError::NotFound(msg)) }).boxed();
        }
        let (tx, rx) = mpsc::channel(1024);
        let input = self.input.clone();
        let (tail, follow) = (query.tail, query.follow);
        tokio::spawn(async move {
            let mut tx = tx;
            let result = match &input {
                LogInput::Stdin => read_stdin(&mut tx).await,
                LogInput::File(p) => read_file(p, tail, follow, &mut tx).await,
            };
            if let Err(e) = result {
                let _ = tx
                    .send(Err(LogError::Other(format!("{}: {e}", input.label()))))
                    .await;
            }
        });
        rx.boxed()
    }
}

type Tx = mpsc::Sender<Result<String, LogError>>;

/// Sends a line; false when the reader went away.
async fn send(tx: &mut Tx, bytes: &[u8]) -> bool {
    let cut = &bytes[..bytes.len().min(MAX_LINE)];
    let line = String::from_utf8_lossy(cut);
    let line = line.strip_suffix('\r').unwrap_or(&line);
    tx.send(Ok(line.to_string())).await.is_ok()
}

async fn read_stdin(tx: &mut Tx) -> std::io::Result<()> {
    let mut r = BufReader::new(tokio::io::stdin());
    let mut buf = Vec::new();
    loop {
        buf.clear();
        if r.read_until(b'\n', &mut buf).await? == 0 {
            return Ok(());
        }
        let line = buf.strip_suffix(b"\n").unwrap_or(&buf);
        if !send(tx, line).await {
            return Ok(());
        }
    }
}

/// The last `tail` lines, then (when following) each line appended later.
/// A file that shrinks was truncated or rotated: it is read again from the start.
async fn read_file(
    path: &PathBuf,
    tail: Option<usize>,
    follow: bool,
    tx: &mut Tx,
) -> std::io::Result<()> {
    let mut file = tokio::fs::File::open(path).await?;
    let mut all = Vec::new();
    file.read_to_end(&mut all).await?;
    let mut pos = all.len() as u64;
    // Only complete lines; a partial last line waits for its newline.
    let complete = all.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    pos -= (all.len() - complete) as u64;
    let lines: Vec<&[u8]> = all[..complete]
        .split(|&b| b == b'\n')
        .filter(|l| !l.is_empty())
        .collect();
    let skip = tail.map_or(0, |t| lines.len().saturating_sub(t));
    for l in &lines[skip..] {
        if !send(tx, l).await {
            return Ok(());
        }
    }
    if !follow {
        if complete < all.len() {
            let _ = send(tx, &all[complete..]).await;
        }
        return Ok(());
    }
    drop(all);
    let mut pending = Vec::new();
    loop {
        tokio::time::sleep(POLL).await;
        if tx.is_closed() {
            return Ok(());
        }
        let len = match tokio::fs::metadata(path).await {
            Ok(m) => m.len(),
            Err(_) => continue, // rotated away; wait for the new file
        };
        if len < pos {
            file = tokio::fs::File::open(path).await?;
            pos = 0;
            pending.clear();
        }
        if len == pos {
            continue;
        }
        file.seek(SeekFrom::Start(pos)).await?;
        let mut chunk = Vec::new();
        (&mut file).take(len - pos).read_to_end(&mut chunk).await?;
        pos += chunk.len() as u64;
        pending.extend_from_slice(&chunk);
        // Every complete line of what arrived, then the partial rest kept:
        // one pass, not a drain per line (which moved the rest each time and
        // made a 1 MB chunk cost a gigabyte of copying).
        let complete = pending
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1);
        for line in pending[..complete].split(|&b| b == b'\n') {
            if !line.is_empty() && !send(tx, line).await {
                return Ok(());
            }
        }
        pending.drain(..complete);
        if pending.len() > MAX_LINE {
            let long: Vec<u8> = std::mem::take(&mut pending);
            if !send(tx, &long).await {
                return Ok(());
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn temp(name: &str) -> PathBuf {
        let d =
            std::env::temp_dir().join(format!("meshscope-logfile-{}-{name}", std::process::id()));
        let _ = std::fs::remove_file(&d);
        d
    }

    #[tokio::test]
    async fn tails_then_follows_growth_and_truncation() {
        let p = temp("follow");
        std::fs::write(&p, "a\nb\nc\npart").unwrap();
        let src = FileLogSource::new(LogInput::File(p.clone()));
        let mut q = LogQuery::sidecar("ns", "pod", 2);
        q.follow = true;
        let mut s = src.lines(&q);
        async fn next(s: &mut BoxStream<'static, Result<String, LogError>>) -> String {
            tokio::time::timeout(Duration::from_secs(3), s.next())
                .await
                .expect("a line in time")
                .expect("open")
                .expect("ok")
        }
        assert_eq!(next(&mut s).await, "b");
        assert_eq!(next(&mut s).await, "c");
        let mut f = std::fs::OpenOptions::new().append(true).open(&p).unwrap();
        writeln!(f, "ial\r\nd").unwrap();
        assert_eq!(next(&mut s).await, "partial");
        assert_eq!(next(&mut s).await, "d");
        std::fs::write(&p, "x\n").unwrap();
        assert_eq!(next(&mut s).await, "x");
        let _ = std::fs::remove_file(&p);
    }

    #[tokio::test]
    async fn a_missing_file_and_the_app_container_say_why() {
        let src = FileLogSource::new(LogInput::File(PathBuf::from("/nonexistent/x.log")));
        let q = LogQuery::sidecar("ns", "pod", 10);
        let e = src.lines(&q).next().await.unwrap().unwrap_err();
        assert!(e.to_string().contains("/nonexistent/x.log"), "{e}");
        let e = src
            .lines(&LogQuery::app("ns", "pod", 1))
            .next()
            .await
            .unwrap()
            .unwrap_err();
        assert!(matches!(e, LogError::NotFound(_)));
    }
}

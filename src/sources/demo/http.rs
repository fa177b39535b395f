//! A minimal HTTP/1.1 server on tokio's `TcpListener` for the demo mesh: one
//! request per connection (`Connection: close`), GET and POST, query strings,
//! `Content-Length` answers or a chunked stream, and fault injection.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use futures::stream::BoxStream;
use futures::StreamExt;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

use super::scenario::Fault;

/// Largest request head accepted.
const MAX_HEAD: usize = 64 * 1024;
/// Largest request body read (and discarded).
const MAX_BODY: usize = 1024 * 1024;

/// A parsed request.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The path without the query.
    pub path: String,
    /// Decoded query parameters in order; a bare `key` has an empty value.
    pub query: Vec<(String, String)>,
}

impl Request {
    /// The first value of `key`.
    pub fn param(&self, key: &str) -> Option<&str> {
        self.query
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// Whether `key` is present (with or without a value).
    pub fn has(&self, key: &str) -> bool {
        self.query.iter().any(|(k, _)| k == key)
    }
}

/// An answer.
pub(crate) enum Reply {
    /// A complete body sent with `Content-Length`.
    Full {
        status: u16,
        content_type: &'static str,
        body: Vec<u8>,
    },
    /// Lines sent with chunked transfer encoding until the stream ends.
    Stream { lines: BoxStream<'static, String> },
}

impl Reply {
    /// 200 with a body.
    pub fn ok(content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::status(200, content_type, body)
    }

    /// 200 JSON.
    pub fn json(body: impl Into<Vec<u8>>) -> Reply {
        Reply::ok("application/json", body)
    }

    /// 200 plain text.
    pub fn text(body: impl Into<Vec<u8>>) -> Reply {
        Reply::ok("text/plain; charset=UTF-8", body)
    }

    /// Any status with a body.
    pub fn status(status: u16, content_type: &'static str, body: impl Into<Vec<u8>>) -> Reply {
        Reply::Full {
            status,
            content_type,
            body: body.into(),
        }
    }

    /// Envoy's 404 for an unknown admin path.
    pub fn not_found(path: &str) -> Reply {
        Reply::status(
            404,
            "text/plain; charset=UTF-8",
            format!("invalid path. admin commands are:\n  {path}: not found\n"),
        )
    }
}

/// Routes one request to its answer.
pub(crate) type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// The fault currently injected, shared by every server of one demo.
#[derive(Debug)]
pub(crate) struct FaultControl {
    fault: Mutex<Option<Fault>>,
    slow_delay: Duration,
}

impl FaultControl {
    /// Starts with `fault`; `slow_delay` is how long [`Fault::Slow`] waits.
    pub fn new(fault: Option<Fault>, slow_delay: Duration) -> Arc<Self> {
        Arc::new(FaultControl {
            fault: Mutex::new(fault),
            slow_delay,
        })
    }

    /// The fault now in force.
    pub fn get(&self) -> Option<Fault> {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Changes the fault for every later request.
    pub fn set(&self, fault: Option<Fault>) {
        *self.fault.lock().unwrap_or_else(PoisonError::into_inner) = fault;
    }
}

/// Serves `listener` until the returned task is aborted.
pub(crate) fn spawn_server(
    listener: TcpListener,
    handler: Handler,
    faults: Arc<FaultControl>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                tokio::time::sleep(Duration::from_millis(10)).await;
                continue;
            };
            let handler = handler.clone();
            let faults = faults.clone();
            tokio::spawn(async move {
                let _ = serve_connection(stream, handler, faults).await;
            });
        }
    })
}

async fn serve_connection(
    mut stream: TcpStream,
    handler: Handler,
    faults: Arc<FaultControl>,
) -> std::io::Result<()> {
    let read = tokio::time::timeout(Duration::from_secs(10), read_request(&mut stream)).await;
    let req = match read {
        Ok(Ok(Some(req))) => req,
        Ok(Ok(None)) => {
            let reply = Reply::status(400, "text/plain", "bad request\n");
            return write_reply(&mut stream, reply, None).await;
        }
        Ok(Err(e)) => return Err(e),
        Err(_) => return Ok(()),
    };
    let fault = if req.path.starts_with("/demo/") {
        None
    } else {
        faults.get()
    };
    match fault {
        Some(Fault::Slow) => tokio::time::sleep(faults.slow_delay).await,
        Some(Fault::Reset) => {
            stream.set_zero_linger()?;
            drop(stream);
            return Ok(());
        }
        _ => {}
    }
    let reply = match fault {
        Some(Fault::Garbage) => Reply::text(&b"\x00\x1f\x8b<html>garbage \xff\xfe not json"[..]),
        Some(Fault::Status500) => Reply::status(500, "text/plain", "internal server error\n"),
        _ => handler(&req),
    };
    write_reply(&mut stream, reply, fault).await
}

/// Reads the head (and discards the body); `None` for a malformed request.
async fn read_request(stream: &mut TcpStream) -> std::io::Result<Option<Request>> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(i) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break i;
        }
        if buf.len() > MAX_HEAD {
            return Ok(None);
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8_lossy(&buf[..head_end]).to_string();
    let mut lines = head.split("\r\n");
    let mut parts = lines.next().unwrap_or("").split_whitespace();
    let (Some(method), Some(target)) = (parts.next(), parts.next()) else {
        return Ok(None);
    };
    let length = lines
        .filter_map(|l| l.split_once(':'))
        .find(|(k, _)| k.trim().eq_ignore_ascii_case("content-length"))
        .and_then(|(_, v)| v.trim().parse::<usize>().ok())
        .unwrap_or(0)
        .min(MAX_BODY);
    let mut have = buf.len() - (head_end + 4);
    while have < length {
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            break;
        }
        have += n;
    }
    let (path, raw_query) = target.split_once('?').unwrap_or((target, ""));
    let query = raw_query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (percent_decode(k), percent_decode(v))
        })
        .collect();
    Ok(Some(Request {
        method: method.to_ascii_uppercase(),
        path: percent_decode(path),
        query,
    }))
}

/// Decodes `%XX` escapes (a `+` stays a `+`, as Envoy's admin reads it).
pub(crate) fn percent_decode(s: &str) -> String {
    percent_encoding::percent_decode_str(s)
        .decode_utf8_lossy()
        .into_owned()
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        400 => "Bad Request",
        401 => "Unauthorized",
        404 => "Not Found",
        405 => "Method Not Allowed",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Unknown",
    }
}

async fn write_reply(
    stream: &mut TcpStream,
    reply: Reply,
    fault: Option<Fault>,
) -> std::io::Result<()> {
    match reply {
        Reply::Full {
            status,
            content_type,
            body,
        } => {
            let truncate = fault == Some(Fault::Truncate);
            let announced = if truncate {
                body.len() * 2 + 4096
            } else {
                body.len()
            };
            let head = format!(
                "HTTP/1.1 {status} {}\r\ncontent-type: {content_type}\r\ncontent-length: {announced}\r\n\
                 cache-control: no-cache, max-age=0\r\nx-content-type-options: nosniff\r\n\
                 server: envoy\r\nconnection: close\r\n\r\n",
                reason(status)
            );
            stream.write_all(head.as_bytes()).await?;
            let sent = if truncate {
                &body[..body.len() / 2]
            } else {
                &body[..]
            };
            stream.write_all(sent).await?;
            stream.flush().await?;
            stream.shutdown().await
        }
        Reply::Stream { lines } => {
            let head = "HTTP/1.1 200 OK\r\ncontent-type: text/plain; charset=UTF-8\r\n\
                        transfer-encoding: chunked\r\nconnection: close\r\n\r\n";
            stream.write_all(head.as_bytes()).await?;
            stream.flush().await?;
            let mut batches = lines.ready_chunks(256);
            while let Some(batch) = batches.next().await {
                let mut data = String::new();
                for line in batch {
                    data.push_str(&line);
                    data.push('\n');
                }
                let chunk = format!("{:x}\r\n{data}\r\n", data.len());
                stream.write_all(chunk.as_bytes()).await?;
                stream.flush().await?;
            }
            stream.write_all(b"0\r\n\r\n").await?;
            stream.shutdown().await
        }
    }
}

#[cfg(test)]
mod tests {
    use super::percent_decode;

    #[test]
    fn decodes_percent_escapes() {
        assert_eq!(
            percent_decode("outbound%7C80%7C%7C.*a+b"),
            "outbound|80||.*a+b"
        );
        assert_eq!(percent_decode("100%"), "100%");
    }
}

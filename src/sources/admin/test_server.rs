//! A hand-written HTTP/1.1 server on 127.0.0.1:0 for the client tests: it records each
//! request line and answers with canned (or deliberately broken) responses.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// What the test server does with one request.
#[derive(Clone)]
pub(super) enum Reply {
    /// A complete response with `Content-Length`.
    Full(u16, &'static str, Vec<u8>),
    /// Waits, then gives the inner reply.
    Sleep(Duration, Box<Reply>),
    /// Announces `declared` bytes, sends `sent`, closes.
    Truncated { declared: usize, sent: Vec<u8> },
    /// No `Content-Length`: streams `total` bytes then closes (close-delimited body).
    Unbounded { total: usize },
    /// Announces `declared` bytes, sends none and holds the connection open.
    HeadOnly { declared: usize },
    /// Closes the connection without answering.
    Close,
}

pub(super) fn ok(content_type: &'static str, body: &str) -> Reply {
    Reply::Full(200, content_type, body.as_bytes().to_vec())
}

pub(super) struct TestServer {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
}

impl TestServer {
    /// Starts a server; `handler` gets the request line and how many requests came before.
    pub(super) async fn start<F>(handler: F) -> TestServer
    where
        F: Fn(&str, usize) -> Reply + Send + Sync + 'static,
    {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&requests);
        let handler = Arc::new(handler);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let seen = Arc::clone(&seen);
                let handler = Arc::clone(&handler);
                tokio::spawn(async move {
                    let _ = handle(stream, &seen, handler.as_ref()).await;
                });
            }
        });
        TestServer { addr, requests }
    }

    pub(super) fn base(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub(super) fn request_lines(&self) -> Vec<String> {
        self.requests.lock().unwrap().clone()
    }

    pub(super) fn count(&self) -> usize {
        self.requests.lock().unwrap().len()
    }
}

async fn handle<F>(
    mut stream: TcpStream,
    seen: &Mutex<Vec<String>>,
    handler: &F,
) -> std::io::Result<()>
where
    F: Fn(&str, usize) -> Reply,
{
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") {
        let n = stream.read(&mut chunk).await?;
        if n == 0 || buf.len() > 64 * 1024 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
    }
    let text = String::from_utf8_lossy(&buf);
    let line = text.lines().next().unwrap_or_default().to_owned();
    let previous = {
        let mut seen = seen.lock().unwrap();
        seen.push(line.clone());
        seen.len() - 1
    };
    let mut reply = handler(&line, previous);
    while let Reply::Sleep(d, inner) = reply {
        tokio::time::sleep(d).await;
        reply = *inner;
    }
    match reply {
        Reply::Full(status, content_type, body) => {
            let head = format!(
                "HTTP/1.1 {status} X\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\n\
                 Connection: close\r\n\r\n",
                body.len()
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&body).await?;
        }
        Reply::Truncated { declared, sent } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\
                 Connection: close\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            stream.write_all(&sent).await?;
        }
        Reply::Unbounded { total } => {
            stream
                .write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nConnection: close\r\n\r\n",
                )
                .await?;
            let block = vec![b'x'; 16 * 1024];
            let mut written = 0;
            while written < total {
                stream.write_all(&block).await?;
                written += block.len();
            }
        }
        Reply::HeadOnly { declared } => {
            let head = format!(
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {declared}\r\n\r\n"
            );
            stream.write_all(head.as_bytes()).await?;
            tokio::time::sleep(Duration::from_secs(3)).await;
        }
        Reply::Close | Reply::Sleep(..) => {}
    }
    stream.shutdown().await
}

//! The server side of the Kubernetes WebSocket port-forward protocol
//! (`v4.channel.k8s.io`): per requested port `i`, data on channel `2i` and
//! errors on `2i+1`; each channel's first frame carries the port number
//! (u16, little-endian); every binary frame starts with its channel byte.
//! Data is bridged to the demo pod's real TCP port on loopback, dialled on
//! the first byte from the client (like a kubelet that dials lazily).

use std::net::SocketAddr;

use futures::{SinkExt, StreamExt};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::TcpStream;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::Role;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::WebSocketStream;

use super::wire::{reply, status, Req};

/// The subprotocol we answer with (kube-rs offers v5 and v4).
pub const PROTOCOL: &str = "v4.channel.k8s.io";

/// Answers the upgrade request (`101 Switching Protocols` with our
/// subprotocol), or a 400 `Status`; true when the WebSocket may start.
pub async fn upgrade(tcp: &mut TcpStream, req: &Req) -> bool {
    let upgrade = req
        .headers
        .get("upgrade")
        .is_some_and(|u| u.eq_ignore_ascii_case("websocket"));
    let offered = req
        .headers
        .get("sec-websocket-protocol")
        .is_some_and(|o| o.split(',').any(|p| p.trim() == PROTOCOL));
    let key = req.headers.get("sec-websocket-key");
    let Some(key) = key.filter(|_| upgrade && offered) else {
        let msg = "upgrade to websocket with v4.channel.k8s.io required";
        reply(tcp, 400, &status(400, "BadRequest", msg)).await;
        return false;
    };
    let accept = derive_accept_key(key.as_bytes());
    let head = format!(
        "HTTP/1.1 101 Switching Protocols\r\nupgrade: websocket\r\nconnection: Upgrade\r\n\
         sec-websocket-accept: {accept}\r\nsec-websocket-protocol: {PROTOCOL}\r\n\r\n"
    );
    tcp.write_all(head.as_bytes()).await.is_ok()
}

fn frame(ch: u8, data: &[u8]) -> Message {
    let mut v = Vec::with_capacity(data.len() + 1);
    v.push(ch);
    v.extend_from_slice(data);
    Message::binary(v)
}

struct Port {
    number: u16,
    backend: Option<SocketAddr>,
    writer: Option<OwnedWriteHalf>,
}

/// Runs one port-forward session on an upgraded connection until the client
/// closes it, every backend closed, or `drop` changes (then the TCP
/// connection is cut without a closing handshake, like a dying API server).
pub async fn session(
    tcp: TcpStream,
    pod: String,
    ports: Vec<(u16, Option<SocketAddr>)>,
    mut drop: watch::Receiver<u64>,
) {
    let ws = WebSocketStream::from_raw_socket(tcp, Role::Server, None).await;
    let (mut sink, mut stream) = ws.split();
    let mut state: Vec<Port> = Vec::new();
    for (i, (number, backend)) in ports.into_iter().enumerate() {
        let ch = 2 * u8::try_from(i).unwrap_or(0);
        let port = number.to_le_bytes();
        if sink.send(frame(ch, &port)).await.is_err()
            || sink.send(frame(ch + 1, &port)).await.is_err()
        {
            return;
        }
        if backend.is_none() {
            let msg = format!(
                "error forwarding port {number} to pod {pod}: dial tcp 10.0.0.1:{number}: connect: connection refused"
            );
            let _ = sink.send(frame(ch + 1, msg.as_bytes())).await;
        }
        state.push(Port {
            number,
            backend,
            writer: None,
        });
    }
    let (tx, mut from_backends) = mpsc::channel::<Option<Message>>(64);
    let mut readers: Vec<JoinHandle<()>> = Vec::new();
    let mut open_backends = 0usize;
    loop {
        tokio::select! {
            _ = drop.changed() => break,
            out = from_backends.recv() => match out {
                Some(Some(m)) => {
                    if sink.send(m).await.is_err() {
                        break;
                    }
                }
                Some(None) => {
                    open_backends = open_backends.saturating_sub(1);
                    if open_backends == 0 {
                        let _ = sink.send(Message::Close(None)).await;
                        break;
                    }
                }
                None => break,
            },
            msg = stream.next() => match msg {
                Some(Ok(Message::Binary(b))) if b.len() > 1 => {
                    let i = usize::from(b[0] / 2);
                    let Some(port) = state.get_mut(i) else { break };
                    if port.writer.is_none() {
                        let Some(addr) = port.backend else { continue };
                        let Ok(conn) = TcpStream::connect(addr).await else {
                            let msg = format!("error forwarding port {}: connection refused", port.number);
                            let _ = sink.send(frame(b[0] + 1, msg.as_bytes())).await;
                            continue;
                        };
                        let (mut r, w) = conn.into_split();
                        port.writer = Some(w);
                        open_backends += 1;
                        let (tx, ch) = (tx.clone(), b[0]);
                        readers.push(tokio::spawn(async move {
                            let mut buf = vec![0u8; 64 * 1024];
                            while let Ok(n) = r.read(&mut buf).await {
                                if n == 0 || tx.send(Some(frame(ch, &buf[..n]))).await.is_err() {
                                    break;
                                }
                            }
                            let _ = tx.send(None).await;
                        }));
                    }
                    if let Some(w) = port.writer.as_mut() {
                        if w.write_all(&b[1..]).await.is_err() {
                            break;
                        }
                    }
                }
                Some(Ok(Message::Close(_))) | Some(Err(_)) | None => break,
                Some(Ok(_)) => {}
            },
        }
    }
    for r in readers {
        r.abort();
    }
}

//! A TCP relay that adds network latency between a bootstrap and the
//! database, as a VPC hop to RDS does: each connection's set-up costs one
//! round trip, and every chunk of bytes reaches the other side half a round
//! trip after it was sent. Threads and `std::thread::sleep`, because tokio's
//! timer only has millisecond resolution.
//!
//! It also counts the clients' turns: bytes from a client after the server
//! last sent it something (or first on a connection) start one round trip,
//! so the count is the round trips the clients waited for, however their
//! requests were split into packets or chunks.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{mpsc, Arc};
use std::thread;
use std::time::{Duration, Instant};

/// Listens on an ephemeral loopback port for the life of the process.
pub struct LatencyProxy {
    address: SocketAddr,
    turns: Arc<AtomicU64>,
}

impl LatencyProxy {
    /// Relays every connection to `upstream` with `rtt` of round-trip time.
    pub fn start(upstream: SocketAddr, rtt: Duration) -> std::io::Result<LatencyProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        let turns = Arc::new(AtomicU64::new(0));
        let counted = turns.clone();
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                let turns = counted.clone();
                thread::spawn(move || relay(client, upstream, rtt, &turns));
            }
        });
        Ok(LatencyProxy { address, turns })
    }

    /// Where clients connect instead of `upstream`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// The clients' turns so far, over every connection: the round trips
    /// to the server they started (a connection's TCP set-up not included).
    pub fn turns(&self) -> u64 {
        self.turns.load(Ordering::SeqCst)
    }
}

/// Who spoke last on one connection: the client's bytes start a turn
/// unless they follow its own.
struct Turns<'a> {
    client_spoke_last: AtomicBool,
    total: &'a AtomicU64,
}

impl Turns<'_> {
    fn heard(&self, from_client: bool) {
        let was_client = self.client_spoke_last.swap(from_client, Ordering::SeqCst);
        if from_client && !was_client {
            self.total.fetch_add(1, Ordering::SeqCst);
        }
    }
}

fn relay(client: TcpStream, upstream: SocketAddr, rtt: Duration, total: &AtomicU64) {
    // The TCP handshake with the far side: one round trip.
    thread::sleep(rtt);
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (Ok(client_in), Ok(server_in)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let turns = Turns {
        client_spoke_last: AtomicBool::new(false),
        total,
    };
    thread::scope(|scope| {
        let turns = &turns;
        scope.spawn(move || delay_line(client_in, server, rtt / 2, || turns.heard(true)));
        delay_line(server_in, client, rtt / 2, || turns.heard(false));
    });
}

/// Copies `from` to `to`, each chunk `delay` after it was read; `heard`
/// as each chunk is read.
fn delay_line(mut from: TcpStream, mut to: TcpStream, delay: Duration, heard: impl Fn()) {
    let (chunks, due) = mpsc::channel::<(Instant, Vec<u8>)>();
    let writer = thread::spawn(move || {
        for (at, chunk) in due {
            let now = Instant::now();
            if at > now {
                thread::sleep(at - now);
            }
            if to.write_all(&chunk).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
    let mut buffer = vec![0; 64 * 1024];
    while let Ok(n @ 1..) = from.read(&mut buffer) {
        heard();
        if chunks
            .send((Instant::now() + delay, buffer[..n].to_vec()))
            .is_err()
        {
            break;
        }
    }
    drop(chunks);
    let _ = writer.join();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_round_trip_takes_the_configured_time() {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream = echo.local_addr().unwrap();
        thread::spawn(move || {
            let (mut stream, _) = echo.accept().unwrap();
            let mut byte = [0];
            while stream.read_exact(&mut byte).is_ok() {
                stream.write_all(&byte).unwrap();
            }
        });
        let rtt = Duration::from_millis(20);
        let proxy = LatencyProxy::start(upstream, rtt).unwrap();
        let started = Instant::now();
        let mut stream = TcpStream::connect(proxy.address()).unwrap();
        stream.write_all(b"x").unwrap();
        let mut byte = [0];
        stream.read_exact(&mut byte).unwrap();
        // Set-up plus one exchange: two round trips.
        let elapsed = started.elapsed();
        assert!(elapsed >= 2 * rtt, "{elapsed:?}");
        assert_eq!(&byte, b"x");
    }

    #[test]
    fn each_request_answered_is_one_turn() {
        let echo = TcpListener::bind("127.0.0.1:0").unwrap();
        let upstream = echo.local_addr().unwrap();
        thread::spawn(move || {
            let (mut stream, _) = echo.accept().unwrap();
            let mut bytes = [0; 2];
            while stream.read_exact(&mut bytes).is_ok() {
                stream.write_all(&bytes).unwrap();
            }
        });
        let proxy = LatencyProxy::start(upstream, Duration::from_millis(2)).unwrap();
        let mut stream = TcpStream::connect(proxy.address()).unwrap();
        stream.set_nodelay(true).unwrap();
        for request in [*b"ab", *b"cd", *b"ef"] {
            // Each request in two writes: still one turn.
            stream.write_all(&request[..1]).unwrap();
            stream.write_all(&request[1..]).unwrap();
            let mut reply = [0; 2];
            stream.read_exact(&mut reply).unwrap();
            assert_eq!(reply, request);
        }
        assert_eq!(proxy.turns(), 3);
    }
}

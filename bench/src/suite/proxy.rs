//! A TCP relay that adds network latency between a bootstrap and the
//! database, as a VPC hop to RDS does: each connection's set-up costs one
//! round trip, and every chunk of bytes reaches the other side half a round
//! trip after it was sent. Threads and `std::thread::sleep`, because tokio's
//! timer only has millisecond resolution.

use std::io::{Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::mpsc;
use std::thread;
use std::time::{Duration, Instant};

/// Listens on an ephemeral loopback port for the life of the process.
pub struct LatencyProxy {
    address: SocketAddr,
}

impl LatencyProxy {
    /// Relays every connection to `upstream` with `rtt` of round-trip time.
    pub fn start(upstream: SocketAddr, rtt: Duration) -> std::io::Result<LatencyProxy> {
        let listener = TcpListener::bind("127.0.0.1:0")?;
        let address = listener.local_addr()?;
        thread::spawn(move || {
            for client in listener.incoming().flatten() {
                thread::spawn(move || relay(client, upstream, rtt));
            }
        });
        Ok(LatencyProxy { address })
    }

    /// Where clients connect instead of `upstream`.
    pub fn address(&self) -> SocketAddr {
        self.address
    }
}

fn relay(client: TcpStream, upstream: SocketAddr, rtt: Duration) {
    // The TCP handshake with the far side: one round trip.
    thread::sleep(rtt);
    let Ok(server) = TcpStream::connect(upstream) else {
        return;
    };
    let _ = (client.set_nodelay(true), server.set_nodelay(true));
    let (Ok(client_in), Ok(server_in)) = (client.try_clone(), server.try_clone()) else {
        return;
    };
    let upward = thread::spawn(move || delay_line(client_in, server, rtt / 2));
    delay_line(server_in, client, rtt / 2);
    let _ = upward.join();
}

/// Copies `from` to `to`, each chunk `delay` after it was read.
fn delay_line(mut from: TcpStream, mut to: TcpStream, delay: Duration) {
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
}

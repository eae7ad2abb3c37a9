//! `readiness serve` under clients that hold connections: above `--max-connections` a new
//! connection waits while the open ones are still answered, and a client sending its headers
//! a byte at a time (slowloris) is cut off by the header timeout, freeing its place.

mod util;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use util::server::{york, Server};

/// Sends a GET of /healthz on `s`, keeping the connection open.
fn ask(s: &mut TcpStream) {
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .unwrap();
}

/// Reads one small answer from `s` (or what came before `timeout`): its status line.
fn answer(s: &mut TcpStream, timeout: Duration) -> Option<String> {
    s.set_read_timeout(Some(timeout)).unwrap();
    let mut got = Vec::new();
    let mut buf = [0u8; 1024];
    while !got.ends_with(b"ok\n") {
        match s.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => got.extend_from_slice(&buf[..n]),
        }
    }
    let text = String::from_utf8_lossy(&got).into_owned();
    text.ends_with("ok\n")
        .then(|| text.lines().next().unwrap_or_default().to_string())
}

#[test]
fn connections_over_the_limit_wait_and_a_slowloris_is_cut_off() {
    let l = york();
    let s = Server::start(&l, &["--max-connections", "2", "--header-timeout", "1"]);
    let started = Instant::now();
    // A slowloris takes one of the two places: its headers come a byte at a time.
    let mut slow = TcpStream::connect(&s.addr).unwrap();
    let drip = {
        let mut slow = slow.try_clone().unwrap();
        std::thread::spawn(move || {
            for b in b"GET /healthz HTTP/1.1\r\nHost: x\r\nX-Slow: "
                .iter()
                .cycle()
            {
                if slow.write_all(&[*b]).is_err() {
                    return;
                }
                std::thread::sleep(Duration::from_millis(100));
            }
        })
    };
    // A well-behaved client takes the other, and is answered at once, twice.
    let mut quick = TcpStream::connect(&s.addr).unwrap();
    ask(&mut quick);
    assert_eq!(
        answer(&mut quick, Duration::from_secs(2)).as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    // A third connection waits: both places are taken.
    let mut third = TcpStream::connect(&s.addr).unwrap();
    ask(&mut third);
    assert_eq!(answer(&mut third, Duration::from_millis(300)), None);
    // The open one is still answered meanwhile.
    ask(&mut quick);
    assert_eq!(
        answer(&mut quick, Duration::from_secs(2)).as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    // Within the header timeout (1 s) the slowloris is cut off (and the idle keep-alive
    // connection closed); the third connection then gets its answer.
    assert_eq!(
        answer(&mut third, Duration::from_secs(3)).as_deref(),
        Some("HTTP/1.1 200 OK")
    );
    let waited = started.elapsed();
    assert!(
        waited >= Duration::from_millis(900) && waited < Duration::from_secs(3),
        "{waited:?}"
    );
    slow.set_read_timeout(Some(Duration::from_secs(2))).unwrap();
    let mut rest = Vec::new();
    let _ = slow.read_to_end(&mut rest);
    assert!(
        !String::from_utf8_lossy(&rest).contains("200 OK"),
        "the slow client was never answered"
    );
    drip.join().unwrap();
}

#[test]
fn limits_are_checked_when_the_server_starts() {
    let l = york();
    let dir = l.dir().to_str().unwrap().to_string();
    l.raw(&["serve", "--ledger", &dir, "--max-connections", "0"])
        .code(2)
        .stderr_has("--max-connections and --header-timeout must be at least 1");
}

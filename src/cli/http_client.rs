//! The little HTTP/1.1 client `sign-off --remote` needs: plain http to a `readiness serve`
//! (on loopback, or behind the TLS proxy's local side), one request per connection.

use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use super::CliError;

/// How long to wait for the server.
const TIMEOUT: Duration = Duration::from_secs(60);
/// The largest answer read.
const MAX_ANSWER: u64 = 16 << 20;

/// Host and port, and the path prefix, of an `http://host:port/path` URL.
pub fn split_url(url: &str) -> Result<(String, String), CliError> {
    let rest = url.strip_prefix("http://").ok_or_else(|| {
        CliError::Usage(format!(
            "--remote {url:?}: give an http:// URL of a plan on `readiness serve`, e.g. http://127.0.0.1:8080/api/v1/plans/york (https is for the TLS proxy in front, not for this client)"
        ))
    })?;
    let (host, path) = rest.split_once('/').unwrap_or((rest, ""));
    let host = if host.contains(':') {
        host.to_string()
    } else {
        format!("{host}:80")
    };
    Ok((host, format!("/{}", path.trim_end_matches('/'))))
}

/// Percent-encodes a query value.
pub fn encode(value: &str) -> String {
    value
        .bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// Sends one request; the status code and the body.
pub fn request(
    host: &str,
    method: &str,
    path: &str,
    token: &str,
    body: Option<&str>,
) -> Result<(u16, String), CliError> {
    let fail = |e: std::io::Error| CliError::Usage(format!("{host}: {e}"));
    let mut s = TcpStream::connect(host).map_err(fail)?;
    s.set_read_timeout(Some(TIMEOUT)).map_err(fail)?;
    let body = body.unwrap_or("");
    write!(
        s,
        "{method} {path} HTTP/1.1\r\nHost: {host}\r\nAuthorization: Bearer {token}\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )
    .map_err(fail)?;
    let mut answer = Vec::new();
    s.take(MAX_ANSWER).read_to_end(&mut answer).map_err(fail)?;
    let text = String::from_utf8_lossy(&answer);
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let code = head
        .split_whitespace()
        .nth(1)
        .and_then(|c| c.parse().ok())
        .ok_or_else(|| CliError::Usage(format!("{host} did not answer in HTTP")))?;
    Ok((code, body.to_string()))
}

/// The `detail` of a problem+json answer, or the body as it came.
pub fn problem(body: &str) -> String {
    serde_json::from_str::<serde_json::Value>(body)
        .ok()
        .and_then(|v| v["detail"].as_str().map(str::to_string))
        .unwrap_or_else(|| body.trim().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_split_and_values_encode() {
        let (host, path) = split_url("http://127.0.0.1:8080/api/v1/plans/york/").unwrap();
        assert_eq!(
            (host.as_str(), path.as_str()),
            ("127.0.0.1:8080", "/api/v1/plans/york")
        );
        assert!(split_url("https://x/y").is_err());
        assert_eq!(encode("RAG May 21"), "RAG%20May%2021");
    }
}

//! A `readiness serve` started for a test on a free loopback port, killed when dropped.

use std::ffi::OsStr;
use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};

use super::Ledger;

/// A running server and the address it bound; its stderr is drained all the time.
pub struct Server {
    pub child: Child,
    pub addr: String,
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Server {
    /// `readiness serve --ledger` on `l`, with `extra` options.
    pub fn start(l: &Ledger, extra: &[&str]) -> Server {
        let mut args = vec!["--ledger".as_ref(), l.dir().as_os_str()];
        args.extend(extra.iter().map(OsStr::new));
        Server::with_args(&args)
    }

    /// `readiness serve` on a free loopback port with `args` (e.g. `--root DIR`).
    pub fn with_args(args: &[&OsStr]) -> Server {
        let mut child = Command::new(env!("CARGO_BIN_EXE_readiness"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(args)
            .env_remove("READINESS_ACTOR")
            .env_remove("READINESS_LEDGER")
            .stderr(Stdio::piped())
            .spawn()
            .expect("start readiness serve");
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let line = lines.next().unwrap().unwrap();
        let addr = line.trim().rsplit("://").next().unwrap().to_string();
        std::thread::spawn(move || for _ in lines.map_while(Result::ok) {});
        Server { child, addr }
    }

    /// The most memory the server has held at once, in KiB (Linux's VmHWM).
    pub fn peak_memory_kib(&self) -> u64 {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.child.id())).unwrap();
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
            .expect("VmHWM in /proc/PID/status")
    }
}

/// A new token `name` with `role` for the ledger `l`.
pub fn token(l: &Ledger, name: &str, role: &str) -> String {
    let dir = l.dir().to_str().unwrap().to_string();
    l.raw(&["token", "add", name, "--role", role, "--ledger", &dir])
        .ok()
        .stdout
        .trim()
        .to_string()
}

/// The York sample imported into a new ledger.
pub fn york() -> Ledger {
    let l = Ledger::empty();
    let file = std::fs::canonicalize("tests/data/york-wsoa-area1.txt").unwrap();
    l.write(&["import", file.to_str().unwrap()]).ok();
    l
}

/// The plan name the server gives `l` (its folder's name).
pub fn plan_name(l: &Ledger) -> String {
    l.dir().file_name().unwrap().to_str().unwrap().to_string()
}

//! Shared helpers for the CLI integration tests: a ledger in a temporary directory and a
//! way to run the `readiness` binary against it.
//!
//! Every run is checked for panics, so a test that only looks at the exit code still
//! catches a crash. `READINESS_ACTOR` and `READINESS_LEDGER` are removed from the
//! environment so the machine running the tests cannot change what they see.
#![allow(dead_code)]

pub mod server;

use std::path::{Path, PathBuf};
use std::time::Duration;

use assert_cmd::Command;
use tempfile::TempDir;

/// The actor every test writes as, unless it says otherwise.
pub const ACTOR: &str = "plan.officer";
/// A second actor, for `log --by`.
pub const LEAD: &str = "lead@council";
/// The origin given to `init` by [`Ledger::init`].
pub const ORIGIN: &str = "york.example/send-wsoa";

/// What one run of the binary did.
#[derive(Debug)]
pub struct Run {
    pub args: Vec<String>,
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Asserts the exit code, showing the whole run if it differs.
    #[track_caller]
    pub fn code(self, want: i32) -> Run {
        assert_eq!(self.code, want, "unexpected exit code for {self:#?}");
        self
    }

    /// Asserts exit code 0.
    #[track_caller]
    pub fn ok(self) -> Run {
        self.code(0)
    }

    /// Asserts that stderr contains `needle`.
    #[track_caller]
    pub fn stderr_has(self, needle: &str) -> Run {
        assert!(
            self.stderr.contains(needle),
            "stderr should mention {needle:?}: {self:#?}"
        );
        self
    }

    /// Asserts that stdout contains `needle`.
    #[track_caller]
    pub fn stdout_has(self, needle: &str) -> Run {
        assert!(
            self.stdout.contains(needle),
            "stdout should mention {needle:?}: {self:#?}"
        );
        self
    }

    /// Stdout parsed as one JSON document.
    #[track_caller]
    pub fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("stdout is not JSON ({e}): {self:#?}"))
    }
}

/// Runs the binary with exactly `args`, in `cwd`, with a clean environment.
pub fn run_in(cwd: &Path, args: &[&str]) -> Run {
    let mut cmd = command(cwd);
    cmd.args(args);
    finish(cmd, args)
}

/// The binary, to run in `cwd` with no actor or ledger from the environment; add arguments
/// (and environment) and pass it to [`finish`].
pub fn command(cwd: &Path) -> Command {
    let mut cmd = Command::cargo_bin("readiness").expect("the readiness binary is built");
    cmd.current_dir(cwd)
        .env_remove("READINESS_ACTOR")
        .env_remove("READINESS_LEDGER")
        .timeout(Duration::from_secs(60));
    cmd
}

/// Runs a prepared command and checks it did not panic.
pub fn finish(mut cmd: Command, args: &[&str]) -> Run {
    let out = cmd.output().expect("the readiness binary runs");
    let run = Run {
        args: args.iter().map(|a| a.to_string()).collect(),
        code: out.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
    };
    assert!(
        !run.stderr.contains("panicked") && !run.stdout.contains("panicked"),
        "the binary panicked: {run:#?}"
    );
    assert!(
        run.code >= 0,
        "the binary was killed by a signal or timed out: {run:#?}"
    );
    run
}

/// A ledger directory (`<tmp>/ledger`) inside its own temporary directory.
pub struct Ledger {
    tmp: TempDir,
    dir: PathBuf,
}

/// What must not change when a command is refused.
#[derive(Debug, PartialEq, Eq)]
pub struct Snapshot {
    pub head: String,
    pub log: Vec<u8>,
}

impl Ledger {
    /// A temporary directory with no ledger in it yet.
    pub fn empty() -> Ledger {
        let tmp = tempfile::tempdir().expect("temp dir");
        let dir = tmp.path().join("ledger");
        Ledger { tmp, dir }
    }

    /// A ledger created by `init` with a fixed origin and the default scale.
    pub fn init() -> Ledger {
        let l = Ledger::empty();
        l.write(&[
            "init",
            "--title",
            "SEND Written Statement of Action",
            "--origin",
            ORIGIN,
        ])
        .ok();
        l
    }

    /// A small plan: one area, two actions, two reviews, statuses by two actors.
    ///
    /// Seqs: 1 plan, 2 area 1, 3 action 1.1, 4 action 1.2, 5 review May, 6 review Nov,
    /// 7 status 1.1 May, 8 status 1.2 May, 9 status 1.1 Nov.
    pub fn sample() -> Ledger {
        let l = Ledger::init();
        l.write(&["area", "add", "1", "--title", "Leadership and Governance"])
            .ok();
        l.write(&[
            "action",
            "add",
            "1.1",
            "--area",
            "1",
            "--action",
            "Produce the WSoA",
        ])
        .ok();
        l.write(&[
            "action",
            "add",
            "1.2",
            "--area",
            "1",
            "--action",
            "Joint framework",
        ])
        .ok();
        l.write(&["review", "add", "RAG May 20", "--date", "2020-05-31"])
            .ok();
        l.write(&["review", "add", "RAG November 20", "--date", "2020-11-30"])
            .ok();
        let status = ["--review", "RAG May 20"];
        l.write_as(
            LEAD,
            &[&["status", "1.1", "Progressing but delayed"][..], &status].concat(),
        )
        .ok();
        l.write_as(
            LEAD,
            &[&["status", "1.2", "Started but delayed"][..], &status].concat(),
        )
        .ok();
        l.write(&["status", "1.1", "Completed", "--review", "RAG November 20"])
            .ok();
        l
    }

    /// The ledger directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// The temporary directory holding the ledger (and anything else a test writes).
    pub fn tmp(&self) -> &Path {
        self.tmp.path()
    }

    /// A path inside the temporary directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.tmp.path().join(name)
    }

    /// The ledger's entry log.
    pub fn log_path(&self) -> PathBuf {
        self.dir.join("entries.jsonl")
    }

    /// Runs `args --ledger DIR` (no actor).
    pub fn read(&self, args: &[&str]) -> Run {
        self.on(&self.dir, args)
    }

    /// Runs `args --ledger DIR --by plan.officer`.
    pub fn write(&self, args: &[&str]) -> Run {
        self.write_as(ACTOR, args)
    }

    /// Runs `args --ledger DIR --by ACTOR`.
    pub fn write_as(&self, actor: &str, args: &[&str]) -> Run {
        let mut all = args.to_vec();
        all.extend(["--by", actor]);
        self.on(&self.dir, &all)
    }

    /// Runs `args --ledger LEDGER` against any ledger path (e.g. an export).
    pub fn on(&self, ledger: &Path, args: &[&str]) -> Run {
        let ledger = ledger.to_str().expect("utf-8 temp path");
        let mut all = args.to_vec();
        all.extend(["--ledger", ledger]);
        run_in(self.tmp.path(), &all)
    }

    /// Runs exactly `args` in the temporary directory.
    pub fn raw(&self, args: &[&str]) -> Run {
        run_in(self.tmp.path(), args)
    }

    /// `readiness head`, as printed.
    pub fn head(&self) -> String {
        self.read(&["head"]).ok().stdout.trim_end().to_string()
    }

    /// The bytes of the entry log.
    pub fn log_bytes(&self) -> Vec<u8> {
        std::fs::read(self.log_path()).expect("read entries.jsonl")
    }

    /// The entry log's lines, parsed.
    pub fn entries(&self) -> Vec<serde_json::Value> {
        parse_lines(&self.log_bytes())
    }

    /// Exports to `<tmp>/<name>` and returns its path.
    pub fn export(&self, name: &str) -> PathBuf {
        let path = self.path(name);
        self.read(&["export", path.to_str().expect("utf-8 temp path")])
            .ok();
        path
    }

    /// Head and log bytes, to compare before and after a refused command.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            head: self.head(),
            log: self.log_bytes(),
        }
    }

    /// Asserts nothing changed since `before`.
    #[track_caller]
    pub fn assert_unchanged(&self, before: &Snapshot) {
        let now = self.snapshot();
        assert_eq!(now.head, before.head, "head changed");
        assert!(now.log == before.log, "entries.jsonl changed");
    }
}

/// Parses JSON lines, failing on any line that is not JSON.
pub fn parse_lines(bytes: &[u8]) -> Vec<serde_json::Value> {
    split_lines(bytes)
        .iter()
        .map(|l| serde_json::from_slice(l).expect("each line is JSON"))
        .collect()
}

/// The lines of a file, without their newlines (a last line without one is kept).
pub fn split_lines(bytes: &[u8]) -> Vec<Vec<u8>> {
    let mut lines: Vec<Vec<u8>> = bytes.split(|b| *b == b'\n').map(<[u8]>::to_vec).collect();
    if lines.last().is_some_and(Vec::is_empty) {
        lines.pop();
    }
    lines
}

/// Joins lines back into a file, each ending in a newline.
pub fn join_lines(lines: &[Vec<u8>]) -> Vec<u8> {
    let mut out = Vec::new();
    for l in lines {
        out.extend_from_slice(l);
        out.push(b'\n');
    }
    out
}

/// Splits a command line written with `|` between its arguments, so values may hold
/// spaces: `argv("area|add|1|--title|Leadership and Governance")`.
pub fn argv(spec: &str) -> Vec<&str> {
    spec.split('|').collect()
}

//! Key files: `cli::key::read_key_file`. It reads a path, so each input is written to one
//! temporary file per process first. What it accepts must hold the key's 64 hex digits.
#![no_main]

use std::path::PathBuf;
use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use readiness_ledger::cli::key::read_key_file;

fn path() -> &'static PathBuf {
    static PATH: OnceLock<PathBuf> = OnceLock::new();
    PATH.get_or_init(|| {
        std::env::temp_dir().join(format!("readiness-fuzz-key-{}", std::process::id()))
    })
}

fuzz_target!(|data: &[u8]| {
    let path = path();
    std::fs::write(path, data).unwrap();
    if let Ok(key) = read_key_file(path, "public key") {
        let hex: String = key.iter().map(|b| format!("{b:02x}")).collect();
        let text = String::from_utf8_lossy(data).to_ascii_lowercase();
        assert!(text.contains(&hex), "accepted key {hex} is not in the file");
    }
});

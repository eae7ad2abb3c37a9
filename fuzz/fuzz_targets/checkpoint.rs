//! Checkpoints (signed notes): `Checkpoint::parse`, and for what parses: `to_text()`
//! gives back exactly the input and parses to the same value, and signature checking
//! (`verify_signature`, `signers`) runs on the parsed signature lines.
#![no_main]

use libfuzzer_sys::fuzz_target;
use readiness_ledger::checkpoint::{Checkpoint, TrustedKey};

/// The public key of FORMAT.md's worked example (seed of 32 bytes 0x07).
const PUBLIC: [u8; 32] = [
    0xea, 0x4a, 0x6c, 0x63, 0xe2, 0x9c, 0x52, 0x0a, 0xbe, 0xbe, 0x55, 0x07, 0xb1, 0x32, 0xec, 0x5f,
    0x99, 0x54, 0x77, 0x6a, 0xeb, 0xeb, 0xe7, 0xb9, 0x24, 0x21, 0xee, 0xa6, 0x91, 0x44, 0xd2, 0x2c,
];

fuzz_target!(|data: &[u8]| {
    let Ok(c) = Checkpoint::parse(data) else {
        return;
    };
    let text = c.to_text();
    assert_eq!(
        text.as_bytes(),
        data,
        "a parsed checkpoint does not print back as its input"
    );
    assert_eq!(Checkpoint::parse(text.as_bytes()).as_ref(), Ok(&c));
    let _ = c.verify_signature(&c.origin, &PUBLIC);
    let keys = [TrustedKey {
        label: "worked example".into(),
        public_key: PUBLIC,
    }];
    assert_eq!(c.signers(&keys).len(), c.signatures.len());
    for sig in &c.signatures {
        let _ = c.verify_signature(&sig.name, &PUBLIC);
    }
});

//! Proof files: `serde_json::from_slice::<ProofFile>`, then the hashes decoded from base64
//! (at whatever length they have) and handed to `merkle::verify_inclusion` /
//! `merkle::verify_consistency`, as `verify-proof` does; a verified inclusion proof is
//! also checked to verify again with the 32-byte hashes `checkpoint::b64_hash` reads.
#![no_main]

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use libfuzzer_sys::fuzz_target;
use readiness_ledger::chain;
use readiness_ledger::checkpoint::b64_hash;
use readiness_ledger::cli::prove::ProofFile;
use readiness_ledger::merkle;

fn bytes(s: &str) -> Vec<u8> {
    STANDARD.decode(s).unwrap_or_else(|_| s.as_bytes().to_vec())
}

fuzz_target!(|data: &[u8]| {
    let Ok(file) = serde_json::from_slice::<ProofFile>(data) else {
        return;
    };
    // What parses prints back and parses to the same value.
    let again = serde_json::to_vec(&file).unwrap();
    assert_eq!(serde_json::from_slice::<ProofFile>(&again).unwrap(), file);
    match &file {
        ProofFile::Inclusion(p) => {
            let _ = chain::stored_facts(p.entry.as_bytes());
            let leaf = merkle::leaf_hash(p.entry.as_bytes());
            let path: Vec<Vec<u8>> = p.audit_path.iter().map(|h| bytes(h)).collect();
            let root = bytes(&p.root);
            let verdict = merkle::verify_inclusion(&leaf, p.leaf_index, p.tree_size, &path, &root);
            if verdict.is_ok() {
                let path32: Option<Vec<_>> = p.audit_path.iter().map(|h| b64_hash(h)).collect();
                if let (Some(path32), Some(root32)) = (path32, b64_hash(&p.root)) {
                    assert!(merkle::verify_inclusion(
                        &leaf,
                        p.leaf_index,
                        p.tree_size,
                        &path32,
                        &root32
                    )
                    .is_ok());
                }
            }
        }
        ProofFile::Consistency(p) => {
            let proof: Vec<Vec<u8>> = p.proof.iter().map(|h| bytes(h)).collect();
            let _ = merkle::verify_consistency(
                p.old_size,
                p.new_size,
                &proof,
                &bytes(&p.old_root),
                &bytes(&p.new_root),
            );
        }
    }
});

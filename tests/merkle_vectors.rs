//! Known-answer tests for the Merkle tree (`readiness_ledger::merkle`): every
//! transparency-dev RFC 6962 vector under `tests/data/rfc6962` passes or fails exactly as
//! it says, and proofs from the prover verify at every small size and fail when altered.

use std::path::{Path, PathBuf};
use std::time::Instant;

use readiness_ledger::merkle::{
    leaf_hash, root_from_leaves, verify_consistency, verify_inclusion, CompactTree, Hash,
    MemoryTree, ProofError, EMPTY_ROOT,
};
use serde_json::Value;

fn vector_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/rfc6962")
}

/// Every `.json` file under `dir`, sorted, as paths relative to the vector directory.
fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for path in entries {
        if path.is_dir() {
            json_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "json") {
            out.push(path);
        }
    }
}

/// Standard base64 with padding (the vectors' encoding of every hash).
fn b64(s: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let body = s.trim_end_matches('=');
    assert!(
        s.len().is_multiple_of(4) && s.len() - body.len() <= 2,
        "bad base64 {s:?}"
    );
    let mut out = Vec::new();
    let (mut acc, mut bits) = (0u32, 0);
    for c in body.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c).expect("base64 digit") as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    out
}

fn hex(s: &str) -> Vec<u8> {
    assert!(s.len().is_multiple_of(2), "odd hex {s:?}");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex digit"))
        .collect()
}

fn hash32(bytes: &[u8]) -> Hash {
    bytes.try_into().expect("32-byte hash")
}

fn u64_field(v: &Value, key: &str) -> u64 {
    v[key]
        .as_u64()
        .unwrap_or_else(|| panic!("{key} is not an integer"))
}

/// The `proof` member: `null` or an array of base64 strings, each decoded as is.
fn proof_field(v: &Value) -> Vec<Vec<u8>> {
    match &v["proof"] {
        Value::Null => Vec::new(),
        Value::Array(items) => items
            .iter()
            .map(|p| b64(p.as_str().expect("proof item")))
            .collect(),
        other => panic!("proof is {other}"),
    }
}

/// Runs one inclusion or consistency vector; returns (wantErr, what the verifier said).
fn run_vector(v: &Value) -> (bool, Result<(), ProofError>) {
    let want_err = v["wantErr"].as_bool().expect("wantErr");
    let proof = proof_field(v);
    let got = if v.get("leafIdx").is_some() {
        verify_inclusion(
            &b64(v["leafHash"].as_str().unwrap()),
            u64_field(v, "leafIdx"),
            u64_field(v, "treeSize"),
            &proof,
            &b64(v["root"].as_str().unwrap()),
        )
    } else {
        verify_consistency(
            u64_field(v, "size1"),
            u64_field(v, "size2"),
            &proof,
            &b64(v["root1"].as_str().unwrap()),
            &b64(v["root2"].as_str().unwrap()),
        )
    };
    (want_err, got)
}

/// The reference tree: eight leaf inputs and the root of the first n, n = 1..=8.
fn reference_tree(v: &Value) -> (Vec<Hash>, Vec<Hash>) {
    assert_eq!(hash32(&hex(v["empty_root"].as_str().unwrap())), EMPTY_ROOT);
    let leaves: Vec<Hash> = v["leaf_inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| leaf_hash(&hex(l.as_str().unwrap())))
        .collect();
    let roots: Vec<Hash> = v["roots"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| hash32(&hex(r.as_str().unwrap())))
        .collect();
    assert_eq!((leaves.len(), roots.len()), (8, 8));
    (leaves, roots)
}

#[test]
fn every_transparency_dev_vector_has_its_listed_outcome() {
    let dir = vector_dir();
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    let (mut inclusion, mut consistency, mut reference) = (0, 0, 0);
    let (mut want_ok, mut want_err) = (0, 0);
    let mut wrong = Vec::new();
    for path in &files {
        let name = path.strip_prefix(&dir).unwrap().display().to_string();
        let text = std::fs::read_to_string(path).unwrap();
        let v: Value = serde_json::from_str(&text).unwrap();
        if name == "reference-tree.json" {
            reference += 1;
            check_reference_tree(&v);
            continue;
        }
        if name.starts_with("inclusion/") && v.get("leafIdx").is_some() {
            inclusion += 1;
        } else if name.starts_with("consistency/") && v.get("size1").is_some() {
            consistency += 1;
        } else {
            panic!("{name}: not a known kind of vector");
        }
        let (expect_err, got) = run_vector(&v);
        if expect_err {
            want_err += 1;
        } else {
            want_ok += 1;
        }
        if expect_err != got.is_err() {
            wrong.push(format!(
                "{name} ({}): wantErr {expect_err}, got {got:?}",
                v["desc"]
            ));
        }
    }
    assert!(
        wrong.is_empty(),
        "vectors not matched:\n{}",
        wrong.join("\n")
    );
    // Counted, so that no file is silently skipped: 98 + 98 + 1, 12 to pass, 184 to fail.
    assert_eq!((inclusion, consistency, reference), (98, 98, 1));
    assert_eq!((want_ok, want_err), (12, 184));
    assert_eq!(files.len(), 197);
}

fn check_reference_tree(v: &Value) {
    let (leaves, roots) = reference_tree(v);
    let memory = MemoryTree::from_leaf_hashes(leaves.iter().copied());
    let mut compact = CompactTree::new();
    for (n, leaf) in leaves.iter().enumerate() {
        compact.push(*leaf);
        assert_eq!(compact.root(), roots[n], "compact root of {}", n + 1);
        assert_eq!(root_from_leaves(&leaves[..=n]), roots[n]);
        assert_eq!(memory.root_at(n as u64 + 1), Ok(roots[n]));
    }
}

/// The happy-path vectors are over the reference tree: the prover gives the same proofs.
#[test]
fn prover_reproduces_the_happy_path_vectors() {
    let dir = vector_dir();
    let text = std::fs::read_to_string(dir.join("reference-tree.json")).unwrap();
    let (leaves, _) = reference_tree(&serde_json::from_str(&text).unwrap());
    let tree = MemoryTree::from_leaf_hashes(leaves);
    let mut files = Vec::new();
    json_files(&dir, &mut files);
    let mut compared = 0;
    for path in files.iter().filter(|p| p.ends_with("happy-path.json")) {
        let v: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
        let proof: Vec<Vec<u8>> = proof_field(&v);
        let ours = if v.get("leafIdx").is_some() {
            tree.inclusion_proof(u64_field(&v, "leafIdx"), u64_field(&v, "treeSize"))
        } else {
            tree.consistency_proof(u64_field(&v, "size1"), u64_field(&v, "size2"))
        };
        let ours: Vec<Vec<u8>> = ours.unwrap().iter().map(|h| h.to_vec()).collect();
        assert_eq!(ours, proof, "{}", path.display());
        compared += 1;
    }
    assert_eq!(compared, 10);
}

fn leaves(n: u64) -> Vec<Hash> {
    (0..n)
        .map(|i| leaf_hash(format!("entry {i}").as_bytes()))
        .collect()
}

/// Copies of `proof` with one byte changed: every byte when `every_byte`, else one
/// position per hash (varying with the hash's place) so that all positions get a turn.
fn altered(proof: &[Hash], every_byte: bool) -> Vec<Vec<Hash>> {
    let mut out = Vec::new();
    for i in 0..proof.len() {
        let positions: Vec<usize> = if every_byte {
            (0..32).collect()
        } else {
            vec![(i * 7 + proof.len() * 13) % 32]
        };
        for pos in positions {
            let mut p = proof.to_vec();
            p[i][pos] ^= 0x01 << (pos % 8);
            out.push(p);
        }
    }
    out
}

#[test]
fn inclusion_proofs_verify_for_every_leaf_up_to_size_70_and_fail_when_altered() {
    let all = leaves(70);
    let tree = MemoryTree::from_leaf_hashes(all.iter().copied());
    for size in 1..=70u64 {
        let root = tree.root_at(size).unwrap();
        assert_eq!(root, root_from_leaves(&all[..size as usize]));
        for index in 0..size {
            let leaf = all[index as usize];
            let proof = tree.inclusion_proof(index, size).unwrap();
            assert_eq!(verify_inclusion(&leaf, index, size, &proof, &root), Ok(()));
            for bad in altered(&proof, size <= 20) {
                assert!(verify_inclusion(&leaf, index, size, &bad, &root).is_err());
            }
            let mut bad_leaf = leaf;
            bad_leaf[(index % 32) as usize] ^= 0x80;
            assert!(verify_inclusion(&bad_leaf, index, size, &proof, &root).is_err());
            let mut bad_root = root;
            bad_root[(size % 32) as usize] ^= 0x02;
            assert!(verify_inclusion(&leaf, index, size, &proof, &bad_root).is_err());
            // Another position, or a hash more or less, is refused. (The size is bound by
            // the root: index 0 of size 3 and of size 4 have paths of the same shape.)
            if size > 1 {
                let other = (index + 1) % size;
                assert!(verify_inclusion(&leaf, other, size, &proof, &root).is_err());
            }
            let mut longer = proof.clone();
            longer.push(root);
            assert!(verify_inclusion(&leaf, index, size, &longer, &root).is_err());
            if !proof.is_empty() {
                let shorter = &proof[1..];
                assert!(verify_inclusion(&leaf, index, size, shorter, &root).is_err());
            }
        }
    }
}

#[test]
fn consistency_proofs_verify_for_every_pair_up_to_64_and_fail_when_altered() {
    let all = leaves(64);
    let tree = MemoryTree::from_leaf_hashes(all.iter().copied());
    let roots: Vec<Hash> = (0..=64).map(|n| tree.root_at(n).unwrap()).collect();
    for new in 0..=64u64 {
        for old in 0..=new {
            let (r1, r2) = (roots[old as usize], roots[new as usize]);
            if old == 0 && new > 0 {
                let none: [Hash; 0] = [];
                let refused = ProofError::EmptyOldTree { new };
                assert_eq!(tree.consistency_proof(old, new), Err(refused.clone()));
                assert_eq!(verify_consistency(old, new, &none, &r1, &r2), Err(refused));
                continue;
            }
            let proof = tree.consistency_proof(old, new).unwrap();
            assert_eq!(proof.is_empty(), old == new);
            assert_eq!(verify_consistency(old, new, &proof, &r1, &r2), Ok(()));
            for bad in altered(&proof, new <= 16) {
                assert!(verify_consistency(old, new, &bad, &r1, &r2).is_err());
            }
            let mut bad_old = r1;
            bad_old[(old % 32) as usize] ^= 0x04;
            assert!(verify_consistency(old, new, &proof, &bad_old, &r2).is_err());
            let mut bad_new = r2;
            bad_new[(new % 32) as usize] ^= 0x08;
            assert!(verify_consistency(old, new, &proof, &r1, &bad_new).is_err());
            let mut longer = proof.clone();
            longer.push(r1);
            assert!(verify_consistency(old, new, &longer, &r1, &r2).is_err());
            if old < new {
                assert!(verify_consistency(old, new, &proof[1..], &r1, &r2).is_err());
                assert!(verify_consistency(new, old, &proof, &r2, &r1).is_err());
            }
        }
    }
}

#[test]
fn compact_tree_root_matches_reference_for_sizes_0_to_300() {
    let all = leaves(300);
    let mut tree = CompactTree::new();
    for n in 0..=300usize {
        assert_eq!(tree.size(), n as u64);
        assert_eq!(tree.root(), root_from_leaves(&all[..n]), "size {n}");
        let restored = CompactTree::from_bytes(&tree.to_bytes()).unwrap();
        assert_eq!(restored, tree);
        if n < 300 {
            tree.push(all[n]);
        }
    }
}

/// Timing at the scale; run with
/// `cargo test --release --test merkle_vectors -- --ignored --nocapture`.
#[test]
#[ignore]
fn timing_one_million_leaves() {
    const N: u64 = 1_000_000;
    let lines: Vec<String> = (0..N)
        .map(|i| format!("{{\"seq\":{},\"pad\":\"{}\"}}", i + 1, "x".repeat(200)))
        .collect();
    let start = Instant::now();
    let hashes: Vec<Hash> = lines.iter().map(|l| leaf_hash(l.as_bytes())).collect();
    let t_leaves = start.elapsed();
    let start = Instant::now();
    let mut compact = CompactTree::new();
    for h in &hashes {
        compact.push(*h);
    }
    let root = compact.root();
    let t_compact = start.elapsed();
    let start = Instant::now();
    let tree = MemoryTree::from_leaf_hashes(hashes.iter().copied());
    let t_memory = start.elapsed();
    assert_eq!(tree.root(), root);

    let rounds = 1000u64;
    let start = Instant::now();
    let proofs: Vec<_> = (0..rounds)
        .map(|i| {
            let index = i * 997 % N;
            (index, tree.inclusion_proof(index, N).unwrap())
        })
        .collect();
    let t_prove = start.elapsed() / rounds as u32;
    let start = Instant::now();
    for (index, proof) in &proofs {
        verify_inclusion(&hashes[*index as usize], *index, N, proof, &root).unwrap();
    }
    let t_verify = start.elapsed() / rounds as u32;
    let old = 777_777;
    let old_root = tree.root_at(old).unwrap();
    let start = Instant::now();
    let cproof = tree.consistency_proof(old, N).unwrap();
    let t_cprove = start.elapsed();
    let start = Instant::now();
    verify_consistency(old, N, &cproof, &old_root, &root).unwrap();
    let t_cverify = start.elapsed();
    println!(
        "1M leaves: leaf hashes of 214-byte lines {t_leaves:?} ({:?}/leaf); \
         compact tree from leaf hashes {t_compact:?} ({:?}/leaf); memory tree {t_memory:?}",
        t_leaves / N as u32,
        t_compact / N as u32,
    );
    println!(
        "inclusion proof at 1M: build {t_prove:?}, verify {t_verify:?}; \
         consistency 777777 -> 1M: build {t_cprove:?}, verify {t_cverify:?}"
    );
}

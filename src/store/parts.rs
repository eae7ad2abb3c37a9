//! Encoded plan state as a list of parts, each with its own length and CRC-32, so a reader
//! checks and reads only the parts it uses (`plan --as-of` one review's statuses out of a
//! hundred, `matrix` only the status names) instead of the whole file.
//!
//! The directory says how many parts there are, how many of them hold actions, and each
//! one's length and checksum; the parts follow it, one after another. Nothing here is
//! trusted: the directory's own checksum is kept by whoever stores it (the snapshot header),
//! and a part is handed out only after its checksum holds.
//!
//! The checksum finds damage (a torn write, a flipped bit), which is all a checksum beside
//! the data can do: whoever could forge a part could rewrite its sum too, SHA-256 or not,
//! and no proof rests on derived data. CRC-32 does that at memory speed, where SHA-256 of
//! the parts a view reads was a tenth of its time.

use std::fs::File;
use std::ops::Range;
use std::os::unix::fs::FileExt;

use super::codec::{bad, put_varint, CodecError, Reader};

/// Bytes of one part's entry in the directory, besides its varint length: its CRC-32.
const SUM: usize = 4;

fn sum_of(part: &[u8]) -> [u8; SUM] {
    crc32fast::hash(part).to_le_bytes()
}

/// The parts of an encoded plan: where each is, relative to the first byte after the
/// directory, and its checksum.
#[derive(Debug, Clone)]
pub struct Directory {
    /// How many parts after the first hold actions (a JSON array each).
    pub action_parts: usize,
    parts: Vec<(Range<u64>, [u8; SUM])>,
}

impl Directory {
    /// The directory of `parts`, of which `action_parts` after the first hold actions.
    pub fn encode(parts: &[Vec<u8>], action_parts: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(8 + parts.len() * (SUM + 4));
        put_varint(&mut out, action_parts as u64);
        put_varint(&mut out, parts.len() as u64);
        for part in parts {
            put_varint(&mut out, part.len() as u64);
            out.extend_from_slice(&sum_of(part));
        }
        out
    }

    /// Reads a directory; `body` is the length of what follows it, which its parts must
    /// fill exactly.
    pub fn parse(bytes: &[u8], body: u64) -> Result<Directory, CodecError> {
        let mut r = Reader { bytes, at: 0 };
        let action_parts = r.varint()? as usize;
        let n = r.varint()? as usize;
        // Each entry takes more than `SUM` bytes: a count beyond that is a lie, not a reason
        // to reserve memory.
        let mut parts = Vec::with_capacity(n.min(bytes.len() / SUM));
        let mut at = 0u64;
        for _ in 0..n {
            let len = r.varint()?;
            let mut sum = [0u8; SUM];
            sum.copy_from_slice(r.take(SUM)?);
            let end = at
                .checked_add(len)
                .ok_or_else(|| bad("part length overflow"))?;
            parts.push((at..end, sum));
            at = end;
        }
        if r.at != bytes.len() {
            return Err(bad("trailing bytes after the part directory"));
        }
        if at != body {
            return Err(bad("parts do not fill the file"));
        }
        if action_parts >= n {
            return Err(bad("more action parts than parts"));
        }
        Ok(Directory {
            action_parts,
            parts,
        })
    }

    /// How many parts there are.
    pub fn len(&self) -> usize {
        self.parts.len()
    }

    /// True when there are none (never, for a directory that parsed).
    pub fn is_empty(&self) -> bool {
        self.parts.is_empty()
    }

    fn get(&self, i: usize) -> Result<&(Range<u64>, [u8; SUM]), CodecError> {
        self.parts
            .get(i)
            .ok_or_else(|| bad("part number out of range"))
    }
}

/// Where a reader gets parts from. `Sync`, so that parts are read and checked on several
/// threads at once.
pub trait Parts: Send + Sync {
    /// The directory the parts were written with.
    fn directory(&self) -> &Directory;

    /// Puts part `i` into `buf` (replacing what it held), after checking its checksum.
    fn read_into(&self, i: usize, buf: &mut Vec<u8>) -> Result<(), CodecError>;

    /// Part `i`, checked.
    fn read(&self, i: usize) -> Result<Vec<u8>, CodecError> {
        let mut buf = Vec::new();
        self.read_into(i, &mut buf)?;
        Ok(buf)
    }
}

fn check(bytes: &[u8], sum: &[u8; SUM]) -> Result<(), CodecError> {
    if sum_of(bytes) == *sum {
        Ok(())
    } else {
        Err(bad("a part's checksum does not hold"))
    }
}

/// Parts held in memory: a directory followed by its parts, as [`encode`] joins them.
pub struct MemoryParts {
    bytes: Vec<u8>,
    /// Where the first part starts.
    start: usize,
    directory: Directory,
}

impl MemoryParts {
    /// Reads bytes written by [`encode`].
    pub fn parse(bytes: Vec<u8>) -> Result<MemoryParts, CodecError> {
        let mut r = Reader {
            bytes: &bytes,
            at: 0,
        };
        let len = r.varint()? as usize;
        let start = r.at.checked_add(len).ok_or_else(|| bad("truncated"))?;
        let dir = bytes.get(r.at..start).ok_or_else(|| bad("truncated"))?;
        let directory = Directory::parse(dir, (bytes.len() - start) as u64)?;
        Ok(MemoryParts {
            bytes,
            start,
            directory,
        })
    }
}

impl Parts for MemoryParts {
    fn directory(&self) -> &Directory {
        &self.directory
    }

    fn read_into(&self, i: usize, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        let (range, sum) = self.directory.get(i)?;
        let at = self.start + range.start as usize;
        let part = &self.bytes[at..self.start + range.end as usize];
        check(part, sum)?;
        buf.clear();
        buf.extend_from_slice(part);
        Ok(())
    }
}

/// A directory and its parts joined in one buffer, with the directory's length first.
pub fn encode(parts: &[Vec<u8>], action_parts: usize) -> Vec<u8> {
    let directory = Directory::encode(parts, action_parts);
    let mut out = Vec::with_capacity(directory.len() + parts.iter().map(Vec::len).sum::<usize>());
    put_varint(&mut out, directory.len() as u64);
    out.extend_from_slice(&directory);
    for part in parts {
        out.extend_from_slice(part);
    }
    out
}

/// Parts read from a file when asked for, each with one positioned read.
pub struct FileParts {
    file: File,
    /// Offset in the file of the first part.
    start: u64,
    directory: Directory,
}

impl FileParts {
    /// Parts of `file` whose first starts at byte `start`.
    pub fn new(file: File, start: u64, directory: Directory) -> FileParts {
        FileParts {
            file,
            start,
            directory,
        }
    }
}

impl Parts for FileParts {
    fn directory(&self) -> &Directory {
        &self.directory
    }

    fn read_into(&self, i: usize, buf: &mut Vec<u8>) -> Result<(), CodecError> {
        let (range, sum) = self.directory.get(i)?;
        let len = usize::try_from(range.end - range.start).map_err(|_| bad("part too large"))?;
        buf.clear();
        buf.resize(len, 0);
        self.file
            .read_exact_at(buf, self.start + range.start)
            .map_err(|e| CodecError(format!("reading a snapshot part: {e}")))?;
        check(buf, sum)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<Vec<u8>> {
        vec![
            b"{}".to_vec(),
            b"[1]".to_vec(),
            Vec::new(),
            b"tail".to_vec(),
        ]
    }

    #[test]
    fn parts_come_back_as_written_and_checked() {
        let parts = MemoryParts::parse(encode(&sample(), 1)).unwrap();
        assert_eq!(parts.directory().action_parts, 1);
        for (i, want) in sample().iter().enumerate() {
            assert_eq!(&parts.read(i).unwrap(), want);
        }
        assert!(parts.read(4).is_err());
    }

    #[test]
    fn a_changed_byte_is_refused_where_it_is_read() {
        let bytes = encode(&sample(), 1);
        for i in 0..bytes.len() {
            let mut b = bytes.clone();
            b[i] ^= 0x41;
            // Either the directory no longer parses, or some part no longer checks out.
            let damaged = match MemoryParts::parse(b) {
                Err(_) => true,
                Ok(p) => (0..p.directory().len()).any(|k| p.read(k).is_err()),
            };
            assert!(damaged, "byte {i} changed unnoticed");
        }
    }

    #[test]
    fn a_file_reads_its_parts_where_the_directory_says() {
        let parts = sample();
        let dir = Directory::encode(&parts, 1);
        let mut file = tempfile::tempfile().unwrap();
        use std::io::Write;
        file.write_all(b"head").unwrap();
        for p in &parts {
            file.write_all(p).unwrap();
        }
        let total = parts.iter().map(Vec::len).sum::<usize>() as u64;
        let read = FileParts::new(file, 4, Directory::parse(&dir, total).unwrap());
        assert_eq!(read.read(3).unwrap(), b"tail");
        assert!(Directory::parse(&dir, total + 1).is_err());
    }
}

//! The binary's heap in 2 MB pages, for commands that fill tens of megabytes once and exit.
//!
//! A view of a million statuses touches about 14 MB of fresh heap; in 4 KB pages that was
//! 3,500 page faults, a third of `plan --as-of`'s time (BENCHMARKS.md, "Tenth round"). The
//! kernel here gives 2 MB pages only where a program asks (`madvise`), and glibc asks only
//! when told by an environment variable read at start-up, so the binary asks itself: the
//! heap is grown once by a large step and that step is marked for 2 MB pages. Commands with
//! a memory target (appends, import, restore, verify) keep 4 KB pages: a 2 MB page is
//! resident as a whole once touched. This is the binary's, not the library's, which forbids
//! `unsafe`: a library that set a process's allocator options would surprise its host.

/// How far the heap grows at once, and the largest block glibc takes from it rather than
/// from a mapping of its own (glibc's own maximum for that threshold on 64-bit).
const STEP: usize = 32 << 20;

/// Grows the heap by [`STEP`] now and asks for that memory in 2 MB pages. Does nothing
/// where that cannot be asked for (another C library, another system, a heap that cannot
/// grow): the command then runs as it would have, only slower.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
pub fn grow_heap_in_large_pages() {
    // SAFETY: mallopt, sbrk(0), malloc, free and madvise are called as glibc and Linux
    // document them. sbrk(0) only reads the break. The block is freed at once and never
    // read. madvise(MADV_HUGEPAGE) changes how pages are backed, never their contents,
    // and is given only the range the heap grew by, which this process owns.
    unsafe {
        // Large blocks from the heap, not from mappings of their own (those would be in
        // 4 KB pages), and no trimming of the heap's top when they are freed.
        libc::mallopt(libc::M_MMAP_THRESHOLD, STEP as libc::c_int);
        libc::mallopt(libc::M_TRIM_THRESHOLD, (2 * STEP) as libc::c_int);
        libc::mallopt(libc::M_TOP_PAD, STEP as libc::c_int);
        let before = libc::sbrk(0) as usize;
        // More than the heap's top holds at start-up, so the heap grows: by this and the pad.
        // (black_box: a block allocated and freed unused may otherwise be optimised away.)
        let block = std::hint::black_box(libc::malloc(1 << 20));
        libc::free(block);
        let after = libc::sbrk(0) as usize;
        let page = 4096;
        let start = before.div_ceil(page) * page;
        if before == usize::MAX || after <= start {
            return;
        }
        // A failure leaves the pages as they were: nothing to report.
        libc::madvise(
            start as *mut libc::c_void,
            after - start,
            libc::MADV_HUGEPAGE,
        );
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
pub fn grow_heap_in_large_pages() {}

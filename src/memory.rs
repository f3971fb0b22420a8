//! Handing freed memory back to the operating system between stages.
//!
//! A stage of a large run allocates and frees hundreds of megabytes
//! (boilerplate counts, posting slices, a chunk's prepared words on every
//! thread). Allocators keep what was freed for reuse (glibc in per-thread
//! arenas, mimalloc in per-thread heaps), so the process keeps it too: the
//! next stage's allocations land on top, and the run's peak RSS is the sum
//! of stages instead of the largest one. Collecting at stage boundaries
//! costs a few milliseconds.

/// Returns memory the allocator holds but no one uses: mimalloc's heaps on
/// every thread of the current rayon pool (the `reprint` binary's
/// allocator), and glibc's arenas on Linux (an embedder's default).
pub fn release() {
    // a thread's mimalloc heap can only be collected from that thread
    rayon::broadcast(|_| collect_mimalloc());
    collect_mimalloc();
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it
    // takes no pointers and is safe to call from any thread at any time
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

fn collect_mimalloc() {
    // SAFETY: mi_collect takes no pointers and only frees pages of the
    // calling thread's heap that hold no live allocation; when mimalloc is
    // not the global allocator its heaps are empty and this does nothing
    #[allow(unsafe_code)]
    unsafe {
        libmimalloc_sys::mi_collect(true);
    }
}

//! Handing freed memory back to the operating system between stages.
//!
//! A stage of a large run allocates and frees hundreds of megabytes
//! (boilerplate counts, posting slices, a chunk's prepared words on every
//! thread). glibc keeps what was freed in per-thread arenas, so the process
//! keeps it too: the next stage's allocations land on top, and the run's
//! peak RSS is the sum of stages instead of the largest one. Trimming at
//! stage boundaries costs a few milliseconds.

/// Returns memory the allocator holds but no one uses (glibc on Linux; a
/// no-op elsewhere).
pub fn release() {
    #[cfg(all(target_os = "linux", target_env = "gnu"))]
    // SAFETY: malloc_trim only walks the allocator's own free lists; it
    // takes no pointers and is safe to call from any thread at any time
    #[allow(unsafe_code)]
    unsafe {
        libc::malloc_trim(0);
    }
}

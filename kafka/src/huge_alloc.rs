//! A global allocator for processes that decode untrusted Kafka frames.
//!
//! kafka-protocol 0.18 sizes a vector from an array's length prefix before it
//! reads any element, so a 20-byte frame can ask for tens of gigabytes. The
//! system allocator refuses that, and Rust answers a refused allocation by
//! aborting the whole process: one client could stop the scheduler. This
//! allocator maps allocations of 1 GiB or more with `MAP_NORESERVE`, which
//! costs address space only; the decoder then fails a few bytes later on the
//! short frame, the vector is unmapped, and only that connection is closed.
//! Every smaller allocation goes to the system allocator unchanged.
//!
//! Linux with overcommit mode 0 or 1 (the default); under strict mode 2 the
//! kernel refuses such mappings and the process still aborts. Remove this
//! when kafka-protocol bounds array capacity by the bytes remaining.

use std::alloc::{GlobalAlloc, Layout, System};

/// Allocations at least this large are mapped lazily.
const HUGE: usize = 1 << 30;
/// mmap returns page-aligned memory; larger alignments go to the system.
const PAGE: usize = 4096;

/// Install with `#[global_allocator]` in a binary that serves the endpoint.
pub struct ReserveHugeAllocations;

fn is_huge(size: usize, align: usize) -> bool {
    size >= HUGE && align <= PAGE
}

// SAFETY: huge blocks come from anonymous private mappings of exactly the
// layout's size (zero-filled, page-aligned) and are unmapped with that size;
// all other blocks are the system allocator's, allocated and freed by it.
unsafe impl GlobalAlloc for ReserveHugeAllocations {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        if is_huge(layout.size(), layout.align()) {
            map(layout.size())
        } else {
            System.alloc(layout)
        }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        if is_huge(layout.size(), layout.align()) {
            map(layout.size())
        } else {
            System.alloc_zeroed(layout)
        }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        if is_huge(layout.size(), layout.align()) {
            libc::munmap(ptr.cast(), layout.size());
        } else {
            System.dealloc(ptr, layout)
        }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let (was_huge, now_huge) = (
            is_huge(layout.size(), layout.align()),
            is_huge(new_size, layout.align()),
        );
        if !was_huge && !now_huge {
            return System.realloc(ptr, layout, new_size);
        }
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let new = self.alloc(new_layout);
        if !new.is_null() {
            std::ptr::copy_nonoverlapping(ptr, new, layout.size().min(new_size));
            self.dealloc(ptr, layout);
        }
        new
    }
}

unsafe fn map(size: usize) -> *mut u8 {
    let ptr = libc::mmap(
        std::ptr::null_mut(),
        size,
        libc::PROT_READ | libc::PROT_WRITE,
        libc::MAP_PRIVATE | libc::MAP_ANONYMOUS | libc::MAP_NORESERVE,
        -1,
        0,
    );
    if ptr == libc::MAP_FAILED {
        std::ptr::null_mut()
    } else {
        ptr.cast()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_huge_block_is_usable_where_touched_and_freed() {
        let a = ReserveHugeAllocations;
        let layout = Layout::from_size_align(64 << 30, 8).unwrap_or_else(|e| panic!("{e}"));
        // SAFETY: the layout is non-zero; the block is written within bounds
        // and freed with the same layout.
        unsafe {
            let p = a.alloc(layout);
            assert!(!p.is_null(), "64 GiB of address space should map");
            *p = 7;
            *p.add(layout.size() - 1) = 9;
            assert_eq!((*p, *p.add(layout.size() - 1)), (7, 9));
            a.dealloc(p, layout);
        }
    }

    #[test]
    fn small_blocks_grow_into_huge_ones_keeping_their_bytes() {
        let a = ReserveHugeAllocations;
        let small = Layout::from_size_align(16, 8).unwrap_or_else(|e| panic!("{e}"));
        // SAFETY: each block is used within its size and freed with its layout.
        unsafe {
            let p = a.alloc(small);
            std::ptr::write_bytes(p, 5, 16);
            let q = a.realloc(p, small, HUGE);
            assert!(!q.is_null());
            assert_eq!(std::slice::from_raw_parts(q, 16), &[5u8; 16]);
            let r = a.realloc(q, Layout::from_size_align_unchecked(HUGE, 8), 32);
            assert_eq!(std::slice::from_raw_parts(r, 16), &[5u8; 16]);
            a.dealloc(r, Layout::from_size_align_unchecked(32, 8));
        }
    }
}

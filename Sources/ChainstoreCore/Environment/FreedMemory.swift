/// glibc's `malloc_trim` and `mallopt` (declared in `<malloc.h>`, which the Glibc module does not
/// export).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32
@_silgen_name("mallopt")
private func mallopt(_ parameter: Int32, _ value: Int32) -> Int32

/// Memory the process freed but the allocator still holds.
public enum FreedMemory {
    /// Hands the heap's free pages back to the system (every arena's, not only the top of the
    /// main heap); true when some were.
    @discardableResult
    public static func release() -> Bool { mallocTrim(0) == 1 }

    /// Blocks of 256 KB and more get pages of their own, given back when freed (`M_MMAP_THRESHOLD`).
    /// glibc raises this threshold each time such a block is freed, up to 32 MB: the buffers a
    /// large load grows by doubling then land inside the arenas, and the holes they leave are
    /// filled by small long-lived objects, so the pages stay resident (30 MB of the node's 170 MB
    /// after loading 500,000 products). A fixed threshold keeps large buffers out of the arenas.
    public static func keepLargeBlocksApart() {
        _ = mallopt(-3 /* M_MMAP_THRESHOLD */, 256 << 10)
    }
}

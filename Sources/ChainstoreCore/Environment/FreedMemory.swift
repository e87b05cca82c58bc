/// glibc's `malloc_trim` (declared in `<malloc.h>`, which the Glibc module does not export).
@_silgen_name("malloc_trim")
private func mallocTrim(_ pad: Int) -> Int32

/// Memory the process freed but the allocator still holds.
public enum FreedMemory {
    /// Hands the heap's free pages back to the system (every arena's, not only the top of the
    /// main heap); true when some were.
    @discardableResult
    public static func release() -> Bool { mallocTrim(0) == 1 }
}

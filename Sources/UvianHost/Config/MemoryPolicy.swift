import CMalloc
import Glibc

/// glibc malloc settings for a long-running worker, applied at start before any thread runs.
///
/// With glibc's defaults a worker that ran a few large jobs kept hundreds of megabytes it had
/// freed (ten 3.5 MB `statistics` jobs: 44 → 707 MB, with no plateau): its threads got arenas of
/// their own (up to 8 per core), and after the first large buffer was freed glibc raised its
/// mmap threshold to that size, so later large buffers came from the arenas, which do not give
/// memory back. The worker caps the arenas and fixes the threshold, so large buffers are mapped
/// and unmapped whole. An operator's own MALLOC_ARENA_MAX / MALLOC_MMAP_THRESHOLD_ win.
package enum MemoryPolicy {
    /// Buffers at least this large are mapped on their own and unmapped when freed.
    package static let mmapThreshold: Int32 = 256 << 10

    package static func apply(environment: [String: String]) {
        if environment["MALLOC_ARENA_MAX"] == nil {
            // Two per core: enough that threads rarely wait for an arena, few enough to bound
            // what freed memory they hold.
            let cores = Int32(clamping: sysconf(Int32(_SC_NPROCESSORS_ONLN)))
            mallopt(M_ARENA_MAX, max(2, 2 * cores))
        }
        if environment["MALLOC_MMAP_THRESHOLD_"] == nil {
            mallopt(M_MMAP_THRESHOLD, mmapThreshold)
        }
    }
}

// Functions main.swift and Concurrency.swift share. They live here, not in main.swift:
// functions declared in main.swift belong to its top-level code, and calling one from
// another file crashes Swift 6.0.3's debug build (SILGen `getLoweredLocalCaptures`).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("swift bench: FAILED: \(message)\n".utf8))
    exit(1)
}

func monotonicNs() -> UInt64 {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
}

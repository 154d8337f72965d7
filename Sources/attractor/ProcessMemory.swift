import Foundation

/// Process-level memory figures for reports.
enum ProcessMemory {
    /// Peak resident set size of this process so far (`getrusage`; Linux reports KiB).
    static var maximumResidentBytes: Int {
        var usage = rusage()
        getrusage(Int32(RUSAGE_SELF.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }
}

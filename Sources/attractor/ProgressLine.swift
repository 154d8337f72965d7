import Foundation

/// Progress of long work on standard error: one line at most every `interval` seconds (and
/// the last one), each flushed at once, so a terminal, a pipe or a log file sees it as it
/// happens. Silent for work that ends within `interval`.
final class ProgressLine: @unchecked Sendable {
    private let label: String
    private let unit: String
    private let interval: Double
    private let clock = ContinuousClock()
    private let start: ContinuousClock.Instant
    private var last: ContinuousClock.Instant

    init(_ label: String, unit: String, interval: Double = 2) {
        self.label = label
        self.unit = unit
        self.interval = interval
        start = clock.now
        last = start
    }

    private func seconds(_ d: Duration) -> Double {
        Double(d.components.seconds) + Double(d.components.attoseconds) * 1e-18
    }

    /// Reports `done` of `total`; prints when `interval` has passed since the last line.
    func update(_ done: Int, of total: Int) {
        let now = clock.now
        guard seconds(now - last) >= interval || (done == total && seconds(now - start) >= interval) else { return }
        last = now
        let elapsed = seconds(now - start)
        let rate = Double(done) / max(elapsed, 1e-9)
        let eta = done < total ? String(format: ", ETA %.0f s", Double(total - done) / max(rate, 1e-9)) : ""
        FileHandle.standardError.write(String(format: "%@: %d/%d %@ (%.1f s, %.1f %@/s%@)\n", label, done, total, unit,
                                              elapsed, rate, unit, eta).data(using: .utf8)!)
    }
}

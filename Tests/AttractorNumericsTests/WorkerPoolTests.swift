import Testing
@testable import AttractorNumerics

/// The data-parallel pool: every task once, on the worker its index names; ranges that tile.
@Suite struct WorkerPoolTests {
    @Test(arguments: [1, 2, 3])
    func everyTaskRunsOnceOnItsWorker(threads: Int) {
        let pool = WorkerPool(threads: threads)
        let n = 17
        let owners = UnsafeMutableBufferPointer<Int>.allocate(capacity: n)
        owners.initialize(repeating: -1)
        defer { owners.deallocate() }
        for _ in 0..<20 {  // repeated jobs reuse the same threads
            owners.update(repeating: -1)
            pool.forEachTask(count: n) { task, worker in
                precondition(owners[task] == -1, "task \(task) ran twice")
                owners[task] = worker
            }
            #expect(Array(owners) == (0..<n).map { $0 % threads })
        }
    }

    @Test(arguments: [1, 2, 4])
    func rangesTileTheIndexSpace(threads: Int) {
        let pool = WorkerPool(threads: threads)
        for count in [0, 1, 3, 10, 1001] {
            let hits = UnsafeMutableBufferPointer<Int>.allocate(capacity: max(1, count))
            hits.initialize(repeating: 0)
            defer { hits.deallocate() }
            pool.forEachRange(count: count) { range in for i in range { hits[i] += 1 } }
            #expect(hits.prefix(count).allSatisfy { $0 == 1 })
        }
    }

    final class SumJob: WorkerJob {
        let partial: UnsafeMutableBufferPointer<Int>
        init(threads: Int) { partial = .allocate(capacity: threads); partial.initialize(repeating: 0) }
        deinit { partial.deallocate() }
        func work(worker: Int) { partial[worker] += worker + 1 }
    }

    @Test func objectJobsRunOnEveryWorker() {
        let pool = WorkerPool(threads: 3)
        let job = SumJob(threads: 3)
        for _ in 0..<5 { pool.run(job) }
        #expect(Array(job.partial) == [5, 10, 15])
    }
}

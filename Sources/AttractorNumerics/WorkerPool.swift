#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A fixed set of worker threads that run one job at a time, each worker with its own index.
///
/// The data-parallel engine runs every training step and every inference batch through
/// `forEachTask`: task `t` always goes to worker `t % threads`, so what a worker computes and
/// where it writes are fixed by the task index alone, and results that are reduced in task
/// order are identical for any thread count. The calling thread is worker 0; the others wait
/// on a condition variable between jobs (no spinning, so an idle pool costs nothing).
///
/// - Complexity: a job costs two lock round trips per worker; nothing is allocated per job.
/// Not reentrant: a job must not call `run` on the same pool.
public final class WorkerPool: @unchecked Sendable {
    /// Number of workers, the calling thread included.
    public let threads: Int
    private let lock = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let wake = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private let finished = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var generation = 0
    private var pending = 0
    private var shuttingDown = false
    private var job: (any WorkerJob)?
    private var threadHandles: [pthread_t] = []

    /// All cores of the machine (at least 1).
    public static var availableCores: Int { max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))) }

    /// A pool of `threads` workers (the caller plus `threads − 1` started here).
    public init(threads: Int) {
        precondition(threads >= 1, "WorkerPool needs at least one thread, got \(threads)")
        self.threads = threads
        pthread_mutex_init(lock, nil)
        pthread_cond_init(wake, nil)
        pthread_cond_init(finished, nil)
        for index in 1..<max(1, threads) {
            let box = Unmanaged.passRetained(WorkerStart(pool: self, index: index)).toOpaque()
            var handle = pthread_t()
            let status = pthread_create(&handle, nil, { raw in
                let start = Unmanaged<WorkerStart>.fromOpaque(raw!).takeRetainedValue()
                start.pool.workerLoop(start.index)
                return nil
            }, box)
            precondition(status == 0, "WorkerPool: pthread_create failed (\(status))")
            threadHandles.append(handle)
        }
    }

    deinit {
        pthread_mutex_lock(lock)
        shuttingDown = true
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(lock)
        for handle in threadHandles { pthread_join(handle, nil) }
        pthread_cond_destroy(wake)
        pthread_cond_destroy(finished)
        pthread_mutex_destroy(lock)
        lock.deallocate()
        wake.deallocate()
        finished.deallocate()
    }

    /// Runs `body(worker)` once on every worker (`0..<threads`) and returns when all are done.
    /// (Wraps `body` in a small job object: one allocation per call; hot paths use `run(_:)`
    /// with a `WorkerJob` of their own.)
    public func run(_ body: (Int) -> Void) {
        if threads == 1 { body(0); return }
        withoutActuallyEscaping(body) { escapable in run(ClosureJob(escapable)) }
    }

    /// Runs `job.work(worker:)` once on every worker and returns when all are done. Unlike
    /// the closure form this never allocates (a closure handed to other threads can need a
    /// heap context), so per-step hot paths use it.
    public func run(_ job: any WorkerJob) {
        if threads == 1 { job.work(worker: 0); return }
        pthread_mutex_lock(lock)
        self.job = job
        pending = threads - 1
        generation &+= 1
        pthread_cond_broadcast(wake)
        pthread_mutex_unlock(lock)
        job.work(worker: 0)
        pthread_mutex_lock(lock)
        while pending > 0 { pthread_cond_wait(finished, lock) }
        self.job = nil
        pthread_mutex_unlock(lock)
    }

    /// Runs `body(task, worker)` for every task in `0..<count`, task `t` on worker
    /// `t % threads`, each worker taking its tasks in increasing order.
    public func forEachTask(count: Int, _ body: (_ task: Int, _ worker: Int) -> Void) {
        if count <= 0 { return }
        if threads == 1 || count == 1 {
            for t in 0..<count { body(t, t % threads) }
            return
        }
        run { worker in
            var t = worker
            while t < count {
                body(t, worker)
                t += threads
            }
        }
    }

    /// Splits `0..<count` into `threads` contiguous ranges (the first ones one longer when it
    /// does not divide) and runs `body(range)` for each non-empty one in parallel. For
    /// element-wise work whose result does not depend on the split.
    public func forEachRange(count: Int, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let parts = min(threads, count)
        if parts == 1 { body(0..<count); return }
        run { worker in
            guard worker < parts else { return }
            let base = count / parts, extra = count % parts
            let start = worker * base + min(worker, extra)
            body(start..<(start + base + (worker < extra ? 1 : 0)))
        }
    }

    private func workerLoop(_ index: Int) {
        var seen = 0
        while true {
            pthread_mutex_lock(lock)
            while generation == seen && !shuttingDown { pthread_cond_wait(wake, lock) }
            if shuttingDown { pthread_mutex_unlock(lock); return }
            seen = generation
            var current = job
            pthread_mutex_unlock(lock)
            current?.work(worker: index)
            current = nil  // released before the job is reported done (a closure job checks it did not escape)
            pthread_mutex_lock(lock)
            pending -= 1
            if pending == 0 { pthread_cond_signal(finished) }
            pthread_mutex_unlock(lock)
        }
    }
}

/// What a new worker thread needs; the pool is not retained, so it can deinit (it joins its
/// threads before its memory goes).
private final class WorkerStart {
    unowned(unsafe) let pool: WorkerPool
    let index: Int
    init(pool: WorkerPool, index: Int) { self.pool = pool; self.index = index }
}

/// A closure as a `WorkerJob` (the closure form of `WorkerPool.run`).
private final class ClosureJob: WorkerJob {
    let body: (Int) -> Void
    init(_ body: @escaping (Int) -> Void) { self.body = body }
    func work(worker: Int) { body(worker) }
}

/// Work a `WorkerPool` runs on every worker (`WorkerPool.run(_:)`): an object, so starting it
/// allocates nothing.
public protocol WorkerJob: AnyObject {
    /// Called once on each worker, `worker` in `0..<threads`, concurrently.
    func work(worker: Int)
}

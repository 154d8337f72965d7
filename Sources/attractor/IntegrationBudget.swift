import Attractor

/// Memory needed by `integrate` requests, checked against `MemoryBudget` before anything is allocated.
enum IntegrationBudget {
    /// The contraction problem: a `dim × dim` Double matrix (and its Gaussian draft) plus
    /// about 32 state-sized vectors of solver work.
    static func requireContraction(dimension: Int) throws {
        let matrix = MemoryBudget.product(dimension, dimension, 8, 2)
        let vectors = MemoryBudget.product(dimension, 8, 32)
        try MemoryBudget.require(bytes: MemoryBudget.sum(matrix, vectors),
                                 what: "the contraction problem with --dim \(dimension) (a \(dimension)×\(dimension) matrix)")
    }

    /// An SDE ensemble of `paths` scalar paths: about 32 Doubles of state, stages, noise
    /// and Brownian-path storage per path.
    static func requireEnsemble(paths: Int) throws {
        try MemoryBudget.require(bytes: MemoryBudget.product(paths, 8, 32), what: "an ensemble of --paths \(paths) sample paths")
    }
}

import AttractorDynamics
import AttractorNumerics
import AttractorTasks

/// The Sudoku constraints as a strongly monotone operator on candidate indicators
/// `z ∈ ℝ^(81×9)` (`z[c, d]` for cell `c`, digit `d`):
///
///     G = T ⊗ I₉ + I₈₁ ⊗ J₉ + m·I
///
/// `T[c, c']` counts the units (row, column, box) cells `c` and `c'` share (3 on the diagonal)
/// and `J₉` is the 9 × 9 matrix of ones, so `zᵀ(T ⊗ I + I ⊗ J)z` is the sum over every unit
/// and digit, and over every cell, of the squared count of candidates: the Gram matrix of the
/// 324 constraint rows "each digit once per unit, one digit per cell". Symmetric, with
/// `λ_max = 27 + 9` (the all-ones vector), so `L = 36 + m` exactly; `G z` costs O(729) by
/// unit sums.
public struct SudokuConstraintOperator: MonotoneLinearOperator {
    public typealias Scalar = Double
    public let strongMonotonicity: Double
    public var dimension: Int { 729 }
    public var lipschitzBound: Double { 36 + strongMonotonicity }
    public var isSymmetric: Bool { true }

    public init(strongMonotonicity: Double) { self.strongMonotonicity = strongMonotonicity }

    public func apply(_ z: UnsafePointer<Double>, into out: UnsafeMutablePointer<Double>) {
        withUnsafeTemporaryAllocation(of: Double.self, capacity: 4 * 81) { sums in
            let row = sums.baseAddress!, column = row + 81, box = row + 162, cell = row + 243
            sums.initialize(repeating: 0)
            for c in 0..<81 {
                let r = c / 9, k = c % 9, b = 3 * (r / 3) + k / 3
                for d in 0..<9 {
                    let v = z[c * 9 + d]
                    row[r * 9 + d] += v
                    column[k * 9 + d] += v
                    box[b * 9 + d] += v
                    cell[c] += v
                }
            }
            let m = strongMonotonicity
            for c in 0..<81 {
                let r = c / 9, k = c % 9, b = 3 * (r / 3) + k / 3
                for d in 0..<9 {
                    out[c * 9 + d] = row[r * 9 + d] + column[k * 9 + d] + box[b * 9 + d] + cell[c] + m * z[c * 9 + d]
                }
            }
        }
    }
}

/// Sudoku solved as the unique equilibrium of a monotone operator with **no learned
/// parameter**: `z = clip₀¹(z − α(Gz − u))` with `G` the `SudokuConstraintOperator` and
/// `u = 4 + κ·x` (4 = the three units and the cell every indicator belongs to, each wanting
/// a count of 1; `x` the one-hot givens, pulled towards 1 with weight `κ`). The fixed point
/// minimises the strongly convex energy `½zᵀGz − uᵀz` over the box `[0, 1]^729` — the
/// constraints as squared penalties plus `½m‖z‖²` — so it is unique for every puzzle and
/// every start converges to it (`ForwardBackwardField`, certified factor `(L − m)/(L + m)`).
/// The answer is the argmax over digits per cell.
///
/// What it shows (Docs/Solvers.md, "A certified equilibrium that solves Sudoku"): a map with one
/// fixed point per puzzle by construction can solve re-blanked grids, because where singles
/// propagation decides a puzzle the relaxation's feasible set is that one grid. It is the
/// baseline the learned monotone models are measured against, not a solver to ship: it
/// fails where a puzzle needs search (`SudokuSolver` exists for that).
public enum SudokuRelaxation {
    public struct Result: Sendable {
        /// The decoded grid (givens kept).
        public var grid: SudokuGrid
        /// The equilibrium's indicators, 81 × 9 row-major.
        public var indicators: [Double]
        public var iterations: Int
        /// `‖T(z) − z‖₂` of the last iteration, and the certified distance to the equilibrium.
        public var lastStep: Double
        public var errorBound: Double
        public var converged: Bool
        /// The certified contraction factor of the iteration.
        public var contractionFactor: Double
    }

    /// The equilibrium for `puzzle` from `start` (81 × 9 indicators; zeros when nil).
    /// - Throws: `SolverError` for an invalid `m`/`κ`/start (the message names it).
    public static func solve(_ puzzle: SudokuGrid, strongMonotonicity m: Double = 0.05, clueWeight kappa: Double = 2,
                             tolerance: Double = 1e-7, maximumIterations: Int = 20_000,
                             start: [Double]? = nil) throws(SolverError) -> Result {
        guard kappa >= 0, kappa.isFinite else { throw .invalidOption("clue weight κ must be finite and ≥ 0, got \(kappa)") }
        var u = [Double](repeating: 4, count: 729)
        for c in 0..<81 where puzzle[c] != 0 { u[c * 9 + Int(puzzle[c]) - 1] += kappa }
        let field = try ForwardBackwardField(SudokuConstraintOperator(strongMonotonicity: m), input: u,
                                             proximal: .box(lower: 0, upper: 1))
        let run = try field.iterate(from: start ?? [Double](repeating: 0, count: 729), tolerance: tolerance,
                                    maximumIterations: maximumIterations)
        var cells = puzzle.cells
        for c in 0..<81 where cells[c] == 0 {
            var best = 0
            for d in 1..<9 where run.state[c * 9 + d] > run.state[c * 9 + best] { best = d }
            cells[c] = UInt8(best + 1)
        }
        return Result(grid: SudokuGrid(cells: cells)!, indicators: run.state, iterations: run.iterations[0],
                      lastStep: run.lastStep[0], errorBound: run.errorBound[0], converged: run.converged,
                      contractionFactor: field.contractionFactor)
    }
}

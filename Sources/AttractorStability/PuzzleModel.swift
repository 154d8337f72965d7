/// A model that answers puzzles by iterating a latent map: what `ModelComparison` (the
/// library side of `attractor compare`) needs from a discrete or continuous reasoning
/// model. Puzzles and answers are token rows (`[Int]`, e.g. 81 Sudoku cells, 0 = blank).
public protocol PuzzleModel: AnyObject {
    associatedtype Map: LatentMap
    /// Name in reports (e.g. the checkpoint's).
    var name: String { get }
    /// Network evaluations per application of `F` (for function-evaluation accounting).
    var evaluationsPerStep: Int { get }
    /// Embeds `puzzles` and returns the map bound to them (row `i` is puzzle `i`) and the
    /// initial latents (`puzzles.count × map.dimension`).
    func bind(puzzles: [[Int]]) throws(StabilityError) -> (map: Map, initialState: [Map.Scalar])
    /// The answer tokens read off one latent row of puzzle `row` (of the last `bind`).
    func decode(_ latent: ArraySlice<Double>, row: Int) -> [Int]
}

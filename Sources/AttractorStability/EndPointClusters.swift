/// Greedy clustering of end points: a point joins the first cluster whose representative
/// (its first member) lies within `tolerance` (Euclidean), otherwise it opens a new one.
/// - Complexity: `O(points · clusters · dimension)`.
public struct EndPointClusters: Codable, Sendable {
    /// Cluster index of each point.
    public var assignment: [Int]
    /// Members per cluster, in order of first appearance.
    public var sizes: [Int]
    /// Representatives, `clusters × dimension`.
    public var representatives: [[Double]]

    public var count: Int { sizes.count }
    /// Size of the largest cluster over the number of points.
    public var largestFraction: Double { Double(sizes.max() ?? 0) / Double(max(assignment.count, 1)) }

    public init(points: [ArraySlice<Double>], tolerance: Double) {
        assignment = []
        sizes = []
        representatives = []
        for p in points {
            if let c = representatives.firstIndex(where: { LatentBatch.distance($0[...], p) <= tolerance }) {
                assignment.append(c)
                sizes[c] += 1
            } else {
                assignment.append(representatives.count)
                sizes.append(1)
                representatives.append(Array(p))
            }
        }
    }
}

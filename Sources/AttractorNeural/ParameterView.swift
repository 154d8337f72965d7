/// A named, shaped window into a flat parameter (or gradient) buffer.
public struct ParameterView: Sendable, Equatable, CustomStringConvertible {
    /// Dotted name, e.g. `blocks.0.mlp.gate_up.weight` (PyTorch-like, for checkpoints).
    public let name: String
    /// Offset of the first scalar in the flat buffer.
    public let offset: Int
    /// Row-major shape; a linear weight is `[out, in]`.
    public let shape: [Int]
    /// How the scalars are initialised.
    public let initializer: ParameterInitializer

    /// Number of scalars.
    public var count: Int { shape.reduce(1, *) }
    /// One past the last scalar.
    public var end: Int { offset + count }
    public var description: String { "\(name) \(shape) @\(offset)" }
}

/// How a parameter tensor is initialised (all random ones draw from a seeded `RandomSource`).
public enum ParameterInitializer: Sendable, Equatable {
    case zeros
    case ones
    /// `N(0, 1/fanIn)`, untruncated.
    case lecunNormal(fanIn: Int)
    /// A normal truncated at ±2σ, rescaled so the result has standard deviation `std`
    /// (HRM/TRM's `trunc_normal_init_`).
    case truncatedNormal(std: Double)
    /// `truncatedNormal(std: 1/√fanIn)`: HRM/TRM's default for linear layers.
    case truncatedLecunNormal(fanIn: Int)
    /// `U(−1/√fanIn, 1/√fanIn)`: PyTorch's default for `nn.Linear` (standard deviation
    /// `1/√(3·fanIn)`, √3 smaller than LeCun normal).
    case uniformFanIn(fanIn: Int)
}

/// How the weight matrices of a network are initialised (a preset choice: the scale changes
/// how fast the tiny models learn in their first hundreds of steps, see Docs/Models.md).
public enum WeightInitialization: String, Sendable, Codable, CaseIterable {
    /// Truncated LeCun normal, std `1/√fan_in` (HRM/TRM).
    case truncatedLecunNormal
    /// Uniform `±1/√fan_in` (PyTorch's `nn.Linear` default).
    case uniform

    /// The initializer of a weight with `fanIn` inputs.
    public func initializer(fanIn: Int) -> ParameterInitializer {
        switch self {
        case .truncatedLecunNormal: .truncatedLecunNormal(fanIn: fanIn)
        case .uniform: .uniformFanIn(fanIn: fanIn)
        }
    }
}

/// Assigns consecutive offsets to named parameters; `ParameterStore(layout:)` then
/// allocates one flat buffer for all of them (and a matching gradient buffer).
public struct ParameterLayout: Sendable {
    public private(set) var views: [ParameterView] = []
    /// Total number of scalars registered so far.
    public private(set) var count: Int = 0

    public init() {}

    /// Registers a parameter of `shape` and returns its view. Names must be unique.
    public mutating func add(_ name: String, shape: [Int], initializer: ParameterInitializer) -> ParameterView {
        precondition(!views.contains { $0.name == name }, "duplicate parameter name \(name)")
        let view = ParameterView(name: name, offset: count, shape: shape, initializer: initializer)
        views.append(view)
        count += view.count
        return view
    }

    /// The view named `name`, if any.
    public func view(named name: String) -> ParameterView? { views.first { $0.name == name } }
}

import AttractorNumerics

/// All parameters of a model in one flat, contiguous buffer, with a gradient buffer of the
/// same layout. Layers address their tensors through `ParameterView` offsets, so
/// optimisers, clipping, EMA and checkpoints work on two flat arrays.
public final class ParameterStore<T: Scalar>: @unchecked Sendable {
    public let layout: ParameterLayout
    /// Parameter values (`layout.count` scalars).
    public let values: ScalarBuffer<T>
    /// Accumulated gradients, same layout; backward passes add into it.
    public let gradients: ScalarBuffer<T>

    /// Allocates zeroed values and gradients for `layout`.
    public init(layout: ParameterLayout) {
        self.layout = layout
        values = ScalarBuffer(count: layout.count)
        gradients = ScalarBuffer(count: layout.count)
    }

    /// A store that shares `other`'s values (the same buffer: an update to one is an update
    /// to both) and has gradients of its own: one per data-parallel worker.
    public init(sharingValuesOf other: ParameterStore<T>) {
        layout = other.layout
        values = other.values
        gradients = ScalarBuffer(count: other.layout.count)
    }

    /// Number of scalars.
    public var count: Int { layout.count }

    /// Initialises every parameter by its initializer, drawing in layout order from `random`.
    public func initialize(using random: RandomSource) {
        for view in layout.views {
            let slice = UnsafeMutableBufferPointer(start: values.pointer + view.offset, count: view.count)
            Initializer.fill(slice, with: view.initializer, random: random)
        }
    }

    /// Sets all gradients to zero. - Complexity: O(count).
    public func zeroGradients() { gradients.fill(0) }

    /// The values of the parameter named `name` (a copy; allocates).
    public func values(named name: String) -> [T]? {
        guard let v = layout.view(named: name) else { return nil }
        return Array(UnsafeBufferPointer(start: values.pointer + v.offset, count: v.count))
    }

    /// The gradient of the parameter named `name` (a copy; allocates).
    public func gradients(named name: String) -> [T]? {
        guard let v = layout.view(named: name) else { return nil }
        return Array(UnsafeBufferPointer(start: gradients.pointer + v.offset, count: v.count))
    }

    /// Overwrites the parameter named `name`.
    public func setValues(named name: String, _ newValues: [T]) throws(NeuralError) {
        guard let v = layout.view(named: name) else { throw .unknownParameter(name) }
        guard newValues.count == v.count else {
            throw .shapeMismatch("parameter \(name) has \(v.count) scalars, got \(newValues.count)")
        }
        newValues.withUnsafeBufferPointer { (values.pointer + v.offset).update(from: $0.baseAddress!, count: v.count) }
    }
}

import AttractorNumerics

/// A ready-to-train network `F`: a `BlockStack` with its own flat `ParameterStore` and a
/// preallocated workspace. `forward(_:batch:)` → output, `backward(_:)` → input cotangent
/// plus parameter gradients accumulated into `parameters.gradients` (zero them yourself
/// between steps: accumulation lets several VJPs, e.g. of an adjoint, add up).
///
/// No call allocates after `init`.
public final class BlockNetwork<T: Scalar> {
    public let stack: BlockStack
    public let parameters: ParameterStore<T>
    public let workspace: BlockStack.Workspace<T>

    /// A network for up to `maxBatch` examples, parameters drawn from `seed`.
    public init(configuration: BlockConfiguration, maxBatch: Int, seed: UInt64) throws(NeuralError) {
        var layout = ParameterLayout()
        stack = try BlockStack(configuration: configuration, layout: &layout)
        parameters = ParameterStore(layout: layout)
        parameters.initialize(using: RandomSource(seed: seed))
        // A contractive stack starts inside its Lipschitz bound.
        SpectralBound.project(parameters.values.pointer, views: stack.spectrallyBoundedMatrices)
        workspace = BlockStack.Workspace(stack, maxBatch: maxBatch)
    }

    public var configuration: BlockConfiguration { stack.configuration }
    /// Scalars in one `[batch, sequence, hidden]` state.
    public func stateCount(batch: Int) -> Int { batch * configuration.sequence * configuration.hidden }

    /// `F(input)` for `batch` examples; the result lives in the workspace until the next forward.
    /// `injection`: the input a contractive stack with `injection` also reads (same shape;
    /// required exactly then).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @discardableResult
    public func forward(_ input: UnsafePointer<T>, injection: UnsafePointer<T>? = nil, batch: Int) -> UnsafePointer<T> {
        stack.forward(input, injection: injection, batch: batch, parameters: parameters.values.pointer, workspace: workspace)
    }

    /// VJP of the last forward: returns `aᵀ∂F/∂input`, adds `aᵀ∂F/∂θ` into the gradients.
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    @discardableResult
    public func backward(_ cotangent: UnsafePointer<T>) -> UnsafePointer<T> {
        stack.backward(cotangent, parameters: parameters.values.pointer, gradients: parameters.gradients.pointer,
                       workspace: workspace)
    }

    /// Array convenience (allocates): `F(input)`.
    public func forward(_ input: [T], batch: Int) throws(NeuralError) -> [T] {
        let n = stateCount(batch: batch)
        guard input.count == n else { throw .shapeMismatch("network input needs \(n) scalars, got \(input.count)") }
        guard batch <= workspace.maxBatch else {
            throw .shapeMismatch("batch \(batch) exceeds the workspace's \(workspace.maxBatch)")
        }
        let out = input.withUnsafeBufferPointer { forward($0.baseAddress!, batch: batch) }
        return Array(UnsafeBufferPointer(start: out, count: n))
    }

    /// Array convenience (allocates): input cotangent of the last forward.
    public func backward(_ cotangent: [T]) throws(NeuralError) -> [T] {
        let n = stateCount(batch: workspace.batch)
        guard workspace.batch > 0 else { throw .shapeMismatch("backward called before forward") }
        guard cotangent.count == n else {
            throw .shapeMismatch("cotangent needs \(n) scalars, got \(cotangent.count)")
        }
        let out = cotangent.withUnsafeBufferPointer { backward($0.baseAddress!) }
        return Array(UnsafeBufferPointer(start: out, count: n))
    }
}

import AttractorDynamics
import AttractorNeural
import AttractorNumerics

extension ReasoningModel {
    /// Backpropagates `highCotangent`/`lowCotangent` (∂L/∂ of the segment's final `z_H`,
    /// `z_L`, filled by the heads and losses) through the taped steps of the last
    /// `runSegment(record: true)` — or, for the implicit gradients, through the equilibrium
    /// condition; for `adjoint`, by the continuous adjoint — and through the embedding.
    /// Parameter gradients are added to `store.gradients`. The incoming state of the
    /// segment gets no gradient (detached). Throws when the Anderson solve does not
    /// converge or the adjoint integration fails (only those two strategies can throw).
    @_specialize(where T == Float)
    @_specialize(where T == Double)
    public func backwardSegment(_ state: LatentState<T>, input: SegmentInput<T>) throws(ReasoningError) {
        checkInput(input, state)
        let batch = input.batch, x = input.embedding
        let n = batch * width
        inputCotangent.pointer.update(repeating: 0, count: n)
        switch configuration.gradient {
        case .implicit: implicitBackward(state, x: x, batch: batch)
        case .implicitAnderson: try andersonImplicitBackward(state, x: x, batch: batch)
        case .adjoint: try adjointBackward(x: x, batch: batch)
        case .oneStep, .lastCycle:
            for step in tape.reversed() { backwardStep(step, batch: batch) }
        }
        network.backwardEmbedding(UnsafePointer(inputCotangent.pointer), tokens: input.tokenBuffer, rows: batch * sequence)
    }

    /// Reverse of `takeStep` for one taped step. `.direct`: `ȳ ← F_uᵀ ȳ`, and the same
    /// `F_uᵀ ȳ` goes to the addend. Explicit integrators: the solver core's
    /// `RungeKuttaKernel.transpose` on `LevelStepField` (which reads each stage's kept
    /// activations and sends the addend's cotangent on), plus, for multiplicative noise,
    /// `ȳ += ξ∘ȳ'` (`Docs/Models.md` has the formulas).
    func backwardStep(_ step: TapeStep, batch: Int) {
        let n = batch * width
        let g = store.gradients.pointer
        let dy = step.level == .low ? lowCotangent.pointer : highCotangent.pointer
        if configuration.integrator == .direct {
            VectorKernels.copy(dy, scratchA.pointer, count: n)
            let v = tapedVectorJacobianProduct(evaluation: step.firstEvaluation, cotangent: scratchA.pointer, batch: batch,
                                               gradients: g)
            VectorKernels.copy(v, dy, count: n)
            addToAddendCotangents(of: step.level, v, count: n)
            return
        }
        let config = configuration
        let h = step.level == .low ? config.lowStepSize : config.stepSize
        let noiseTerm = scratchC.pointer
        if let slot = step.noiseSlot {
            let w = tapeNoise[slot].pointer
            for e in 0..<n { noiseTerm[e] = w[e] * dy[e] }
        }
        let field = levelField, kernel = levelKernel
        field.level = step.level
        field.transposedStep = step.firstEvaluation
        kernel.setRows(batch)
        kernel.transpose(field, t: 0, h: h, stored: tapeStageInputs!.pointer + step.stageInputs * tapeStageStride,
                         cotangent: dy, parameterGradient: g)
        if step.noiseSlot != nil { VectorKernels.accumulate(noiseTerm, into: dy, count: n) }
    }

    /// Implicit gradient at the final state, read as an equilibrium of the joint map
    /// `G(z_L, z_H) = (F_L(z_L + z_H + x), F_H(z_H + z_L))`: `w = g + J_Gᵀ w` by
    /// `implicitIterations` fixed-point steps from `w = g` (the Neumann series truncated
    /// after that many terms; 0 terms = the one-step "phantom" gradient), then
    /// `∂L/∂θ = wᵀ∂G/∂θ`. Each iteration costs two VJPs of `F`.
    func implicitBackward(_ state: LatentState<T>, x: UnsafePointer<T>, batch: Int) {
        let n = batch * width
        let uLow = tapeFreeBuffer(0), uHigh = tapeFreeBuffer(1)
        VectorKernels.add(state.low.pointer, state.high.pointer, into: uLow, count: n)
        VectorKernels.accumulate(x, into: uLow, count: n)
        VectorKernels.add(state.high.pointer, state.low.pointer, into: uHigh, count: n)
        // w starts at g (the cotangents); keep g in stages 0/1 cotangent buffers.
        let gLow = scratchB.pointer, gHigh = scratchC.pointer
        VectorKernels.copy(lowCotangent.pointer, gLow, count: n)
        VectorKernels.copy(highCotangent.pointer, gHigh, count: n)
        let sum = scratchA.pointer
        for _ in 0..<configuration.implicitIterations {
            let v1 = vectorJacobianProduct(network: lowNetwork, input: uLow, cotangent: lowCotangent.pointer,
                                           batch: batch, gradients: discardedGradients.pointer)
            VectorKernels.copy(v1, sum, count: n)
            let v2 = vectorJacobianProduct(network: highNetwork, input: uHigh, cotangent: highCotangent.pointer,
                                           batch: batch, gradients: discardedGradients.pointer)
            VectorKernels.accumulate(v2, into: sum, count: n)
            VectorKernels.add(gLow, sum, into: lowCotangent.pointer, count: n)
            VectorKernels.add(gHigh, sum, into: highCotangent.pointer, count: n)
        }
        let g = store.gradients.pointer
        let v1 = vectorJacobianProduct(network: lowNetwork, input: uLow, cotangent: lowCotangent.pointer,
                                       batch: batch, gradients: g)
        VectorKernels.accumulate(v1, into: inputCotangent.pointer, count: n)
        addInjectionCotangent(of: workspaces[lowNetwork], batch: batch, into: inputCotangent.pointer)
        _ = vectorJacobianProduct(network: highNetwork, input: uHigh, cotangent: highCotangent.pointer,
                                  batch: batch, gradients: g)
        addInjectionCotangent(of: workspaces[highNetwork], batch: batch, into: inputCotangent.pointer)
    }

    /// A state-sized buffer not used by the implicit path's other work.
    func tapeFreeBuffer(_ k: Int) -> UnsafeMutablePointer<T> {
        k == 0 ? lowAddend.pointer : stageState.pointer
    }
}

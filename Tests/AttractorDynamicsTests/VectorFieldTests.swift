import Testing
import AttractorDynamics

@Suite struct RowSelectionTests {
    @Test func compactedRowsMapBackToOriginalRows() {
        let idx = [0, 3, 5]
        idx.withUnsafeBufferPointer { p in
            let sel = RowSelection(count: 3, indices: p)
            #expect(sel.originalRow(1) == 3)
            #expect(sel.originalRow(2) == 5)
        }
        #expect(RowSelection(count: 4).originalRow(2) == 2)
    }
}

@Suite struct ButcherTableauTests {
    @Test(arguments: [ButcherTableau.euler, .midpoint, .heun, .rk4, .dormandPrince54])
    func consistency(t: ButcherTableau) {
        // Σ b_i = 1 and c_i = Σ_j a_ij (row-sum condition).
        #expect(abs(t.b.reduce(0, +) - 1) < 1e-14)
        for i in 0..<t.stages { #expect(abs(t.a[i].reduce(0, +) - t.c[i]) < 1e-14) }
        if let e = t.errorWeights { #expect(abs(e.reduce(0, +)) < 1e-14) }
    }
}

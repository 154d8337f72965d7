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

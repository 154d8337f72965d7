import AttractorNumerics
import Testing

/// `MemoryBudget`: overflow-checked sizes, the limit's syntax, refusals that name the figure.
@Suite struct MemoryBudgetTests {
    @Test func productsAndSumsReportOverflow() {
        #expect(MemoryBudget.product(1000, 1000, 8) == 8_000_000)
        #expect(MemoryBudget.product(Int.max, 2) == nil)
        #expect(MemoryBudget.product(9_223_372_036_854_775_807, 9_223_372_036_854_775_807) == nil)
        #expect(MemoryBudget.product(-1, 8) == nil)
        #expect(MemoryBudget.product(0, Int.max) == 0)
        #expect(MemoryBudget.sum(1, 2, 3) == 6)
        #expect(MemoryBudget.sum(Int.max, 1) == nil)
        #expect(MemoryBudget.sum(1, nil) == nil)
    }

    @Test func limitSyntax() {
        #expect(MemoryBudget.parse("1024") == 1024)
        #expect(MemoryBudget.parse("4G") == 4 << 30)
        #expect(MemoryBudget.parse("512m") == 512 << 20)
        #expect(MemoryBudget.parse("1.5T") == 3 << 39)
        #expect(MemoryBudget.parse("64GB") == 64 << 30)
        for bad in ["", "G", "-1", "0", "abc", "1e30", "nan"] { #expect(MemoryBudget.parse(bad) == nil, "\(bad)") }
        #expect(MemoryBudget.defaultLimit > 0)
    }

    @Test func refusalNamesTheRequestTheFigureAndTheLimit() {
        #expect(throws: Never.self) { try MemoryBudget.require(bytes: 1024, what: "a small request") }
        do {
            try MemoryBudget.require(elements: Int.max / 2, bytesPerElement: 8, what: "a huge matrix")
            Issue.record("not refused")
        } catch {
            #expect(error.bytes == nil)
            #expect(error.description.contains("a huge matrix") && error.description.contains("overflows")
                    && error.description.contains(MemoryBudget.environmentVariable))
        }
        do {
            try MemoryBudget.require(bytes: Int.max / 2, what: "a big buffer")
            Issue.record("not refused")
        } catch {
            #expect(error.bytes == Int.max / 2 && error.description.contains("EiB"))
        }
    }
}

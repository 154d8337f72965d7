import Testing
import AttractorTasks

@Suite struct TokenTests {
    @Test func digitsMapToHRMTokens() {
        #expect(SudokuToken.digit(1) == 2)
        #expect(SudokuToken.digit(9) == 10)
        #expect(SudokuToken.vocabularySize == 11)
    }
}

import Testing
import AttractorNeural

@Suite struct NeuralDefaultsTests {
    @Test func rmsNormEpsilonMatchesHRM() { #expect(Neural.rmsNormEpsilon == 1e-5) }
}

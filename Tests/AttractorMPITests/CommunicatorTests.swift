import AttractorMPI
import AttractorReasoning
import Foundation
import Testing

/// The communicator without MPI (one rank) and the pieces the distributed paths are built from.
@Suite struct CommunicatorTests {
    @Test func singleRankWithoutLauncher() throws {
        #expect(!Communicator.launchedByMPI([:]))
        #expect(Communicator.launchedByMPI(["OMPI_COMM_WORLD_SIZE": "2"]))
        #expect(Communicator.launchedByMPI(["PMIX_RANK": "0"]))
        #expect(Communicator.launchedByMPI(["PMI_SIZE": "4"]))
        #expect(!Communicator.launchedByMPI(["OMPI_COMM_WORLD_SIZE": "2", "ATTRACTOR_MPI": "0"]))
        let one = Communicator.single
        #expect(one.rank == 0 && one.size == 1 && !one.usesMPI)
        #expect(try one.allgather([1, 2, 3]) == [[1, 2, 3]])
        #expect(try one.gather([4]) == [[4]])
        #expect(try one.broadcast([5, 6]) == [5, 6])
    }

    @Test func orderedSumIsTheLeftFoldInGlobalOrder() throws {
        let buffers: [[Float]] = (0..<5).map { g in (0..<7).map { e in Float(g * 7 + e).squareRoot() * (g.isMultiple(of: 2) ? 1e7 : 1e-3) } }
        var expected = buffers[0]
        for b in buffers.dropFirst() { for e in expected.indices { expected[e] += b[e] } }
        let sum = try Communicator.single.orderedSum(buffers, count: 7)
        #expect(sum.map(\.bitPattern) == expected.map(\.bitPattern))
        var one = buffers[3]
        try Communicator.single.sumInRankOrder(&one)
        #expect(one == buffers[3])
        #expect(try Communicator.single.orderedSum([], count: 3) == [0, 0, 0])
        #expect(throws: MPIError.self) { try Communicator.single.orderedSum([[1, 2]], count: 3) }
    }

    @Test func chunksCoverTheRangeInOrder() {
        for count in [0, 1, 7, 100] {
            for parts in 1...9 {
                let chunks = (0..<parts).map { Communicator.chunk($0, of: count, parts: parts) }
                #expect(chunks.first?.lowerBound == 0 && chunks.last?.upperBound == count)
                for i in 1..<parts { #expect(chunks[i - 1].upperBound == chunks[i].lowerBound) }
                #expect((chunks.map(\.count).max() ?? 0) - (chunks.map(\.count).min() ?? 0) <= 1)
            }
        }
    }

    @Test func fingerprintNamesTheRankThatDiffers() {
        let a = JobFingerprint.Description(binary: 1, configuration: "attractor 0.1.0 eval --limit 8", host: "n1")
        var b = a; b.host = "n2"
        #expect(JobFingerprint.mismatch([a, b]) == nil)
        var c = a; c.configuration = "attractor 0.1.0 eval --limit 7"
        #expect(JobFingerprint.mismatch([a, b, c])?.contains("rank 2") == true)
        var d = a; d.binary = 2
        #expect(JobFingerprint.mismatch([a, d])?.contains("different attractor build") == true)
        #expect(JobFingerprint.hash("abc") != JobFingerprint.hash("abd"))
    }

    @Test func outcomesRoundTripAsBytes() throws {
        var first = ReasoningInference.Outcome([1, -2, 9], segments: 3, functionEvaluations: 12, residual: .pi, haltedEarly: true)
        first.verified = true
        first.confidence = -2.5
        first.settledSegment = 2
        let outcomes = [first, ReasoningInference.Outcome([], segments: 0, functionEvaluations: 0, residual: -.nan, haltedEarly: false)]
        let back = try ReasoningInference.Outcome.decode(ReasoningInference.Outcome.encode(outcomes))
        #expect(back.count == 2)
        #expect(back[0].answer == [1, -2, 9] && back[0].segments == 3 && back[0].functionEvaluations == 12 && back[0].haltedEarly)
        #expect(back[0].residual.bitPattern == Double.pi.bitPattern && back[1].residual.bitPattern == (-Double.nan).bitPattern)
        #expect(back[0].verified && back[0].confidence == -2.5 && back[0].settledSegment == 2)
        #expect(!back[1].verified && back[1].confidence == nil && back[1].settledSegment == 0)
        #expect(throws: ReasoningError.self) { try ReasoningInference.Outcome.decode([1, 2, 3]) }
    }
}

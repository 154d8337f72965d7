import Testing

@Suite struct InfoCommandTests {
    @Test func infoNamesOpenBLASAndGSL() throws {
        let r = try AttractorBinary.run(["info"])
        #expect(r.status == 0)
        #expect(r.stdout.contains("OpenBLAS"))
        #expect(r.stdout.contains("GSL 2."))
    }

    @Test func unknownSubcommandFails() throws {
        let r = try AttractorBinary.run(["no-such-command"])
        #expect(r.status != 0)
    }
}

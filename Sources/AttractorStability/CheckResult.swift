/// The outcome of one check of a validation suite.
public struct CheckResult: Codable, Sendable {
    /// One measured number, with the bound it was held to (if any).
    public struct Measurement: Codable, Sendable {
        public var label: String
        public var value: Double
        /// What the value should be (e.g. the theoretical order), if meaningful.
        public var expected: Double?
        /// The accepted deviation or bound, as a phrase (`|order − 4| ≤ 0.2`).
        public var criterion: String?
        /// nil: informational.
        public var passed: Bool?

        public init(label: String, value: Double, expected: Double? = nil, criterion: String? = nil, passed: Bool? = nil) {
            self.label = label
            self.value = value
            self.expected = expected
            self.criterion = criterion
            self.passed = passed
        }
    }

    public var name: String
    public var check: String
    /// nil when the check only reports (no pass/fail criterion given).
    public var passed: Bool?
    public var measurements: [Measurement]
    public var notes: [String]
    public var figures: [Figure]
    public var seconds: Double

    public init(name: String, check: String, measurements: [Measurement], notes: [String] = [], figures: [Figure] = [],
                seconds: Double = 0) {
        self.name = name
        self.check = check
        self.measurements = measurements
        let verdicts = measurements.compactMap(\.passed)
        self.passed = verdicts.isEmpty ? nil : verdicts.allSatisfy { $0 }
        self.notes = notes
        self.figures = figures
        self.seconds = seconds
    }
}

/// The outcome of one suite.
public struct SuiteResult: Codable, Sendable {
    public var suite: String
    public var description: String
    public var file: String
    public var checks: [CheckResult]
    public var seconds: Double
    /// nil when no check has a criterion.
    public var passed: Bool? {
        let v = checks.compactMap(\.passed)
        return v.isEmpty ? nil : v.allSatisfy { $0 }
    }

    private enum CodingKeys: String, CodingKey { case suite, description, file, checks, seconds, passed }

    public init(suite: String, description: String, file: String, checks: [CheckResult], seconds: Double) {
        self.suite = suite
        self.description = description
        self.file = file
        self.checks = checks
        self.seconds = seconds
    }

    public init(from decoder: Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        suite = try c.decode(String.self, forKey: .suite)
        description = try c.decode(String.self, forKey: .description)
        file = try c.decode(String.self, forKey: .file)
        checks = try c.decode([CheckResult].self, forKey: .checks)
        seconds = try c.decode(Double.self, forKey: .seconds)
    }

    public func encode(to encoder: Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(suite, forKey: .suite)
        try c.encode(description, forKey: .description)
        try c.encode(file, forKey: .file)
        try c.encode(checks, forKey: .checks)
        try c.encode(seconds, forKey: .seconds)
        try c.encodeIfPresent(passed, forKey: .passed)
    }
}

/// Everything `attractor validate` ran: `report.json`.
public struct ValidationReport: Codable, Sendable {
    public var tool: String
    public var gslVersion: String
    public var suites: [SuiteResult]
    public var passed: Bool? {
        let v = suites.compactMap(\.passed)
        return v.isEmpty ? nil : v.allSatisfy { $0 }
    }

    public init(tool: String = "attractor validate", gslVersion: String, suites: [SuiteResult]) {
        self.tool = tool
        self.gslVersion = gslVersion
        self.suites = suites
    }
}

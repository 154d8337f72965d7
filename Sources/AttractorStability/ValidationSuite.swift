import Foundation

/// A validation suite read from a JSON file in `Validation/`: which checks to run, on
/// what, with which tolerances. New suites need no code; the format is in
/// `Docs/Stability.md`:
///
/// ```json
/// { "suite": "solvers", "description": "…",
///   "target": { "field": "contraction", "dimension": 16 },      // equilibrium checks only
///   "checks": [ { "check": "ode-order", "tolerance": 0.2 }, … ] }
/// ```
/// Every key is checked against the check's schema: unknown keys, wrong types and
/// unknown check names are rejected with the file, the check's position and the key.
public struct ValidationSuite: Sendable {
    public var name: String
    public var description: String
    /// Where the suite was read from (or `<memory>`).
    public var file: String
    public var target: SuiteParameters
    public var checks: [Check]

    public struct Check: Sendable {
        public var kind: CheckKind
        public var name: String
        public var parameters: SuiteParameters
        /// Values from the check's `"checkpoint": {…}` object, used instead when the
        /// target is a trained model (`--checkpoint`).
        public var checkpointOverrides: [String: SuiteParameters.Value] = [:]
        /// Keys set to `null` in the `"checkpoint"` object: dropped for a trained model
        /// (e.g. a criterion that only makes sense for the field).
        public var checkpointRemovals: Set<String> = []

        /// The parameters for a field target or (`checkpoint`) a trained model.
        public func parameters(checkpoint: Bool) -> SuiteParameters {
            guard checkpoint else { return parameters }
            var values = parameters.values.merging(checkpointOverrides) { _, new in new }
            for k in checkpointRemovals { values[k] = nil }
            return SuiteParameters(values: values)
        }
    }

    /// Parses a suite from JSON text; `file` names it in error messages.
    public static func parse(_ data: Data, file: String = "<memory>") throws(StabilityError) -> ValidationSuite {
        func fail(_ reason: String) -> StabilityError { .invalidSuite(file: file, reason: reason) }
        let object: Any
        do { object = try JSONSerialization.jsonObject(with: data) } catch {
            throw fail("not valid JSON (\((error as NSError).localizedDescription))")
        }
        guard let root = object as? [String: Any] else { throw fail("the top level must be an object") }
        let allowed: Set<String> = ["suite", "description", "target", "checks"]
        if let bad = root.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw fail("unknown top-level key '\(bad)' (allowed: \(allowed.sorted().joined(separator: ", ")))")
        }
        guard let name = root["suite"] as? String, !name.isEmpty else { throw fail("missing string 'suite' (the suite's name)") }
        let description = root["description"] as? String ?? ""
        if root["description"] != nil, !(root["description"] is String) { throw fail("'description' must be a string") }
        var target = SuiteParameters(values: [:])
        if let t = root["target"] {
            guard let dict = t as? [String: Any] else { throw fail("'target' must be an object") }
            target = try SuiteParameters.parse(dict, schema: SuiteSchema.target, context: "target", fail: fail)
        }
        guard let list = root["checks"] as? [Any] else { throw fail("missing array 'checks'") }
        guard !list.isEmpty else { throw fail("'checks' is empty") }
        var checks: [Check] = []
        for (i, item) in list.enumerated() {
            let where_ = "check \(i + 1)"
            guard var dict = item as? [String: Any] else { throw fail("\(where_) must be an object") }
            guard let kindName = dict.removeValue(forKey: "check") as? String else {
                throw fail("\(where_) has no string 'check' (one of: \(CheckKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let kind = CheckKind(rawValue: kindName) else {
                throw fail("\(where_): unknown check '\(kindName)' (known: \(CheckKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            var checkName = kindName
            if let n = dict.removeValue(forKey: "name") {
                guard let s = n as? String else { throw fail("\(where_): 'name' must be a string") }
                checkName = s
            }
            var overrides: [String: SuiteParameters.Value] = [:]
            var removals: Set<String> = []
            if let o = dict.removeValue(forKey: "checkpoint") {
                guard kind.needsTarget, var od = o as? [String: Any] else {
                    throw fail("\(where_) (\(kindName)): 'checkpoint' must be an object of overrides, on equilibrium checks only")
                }
                for (k, v) in od where v is NSNull {
                    guard kind.schema[k] != nil else {
                        throw fail("\(where_) (\(kindName)) checkpoint: unknown key '\(k)'")
                    }
                    removals.insert(k)
                    od[k] = nil
                }
                let parsed = try SuiteParameters.parse(od, schema: kind.schema, context: "\(where_) (\(kindName)) checkpoint",
                                                       fail: fail, fillDefaults: false)
                overrides = parsed.values
            }
            let parameters = try SuiteParameters.parse(dict, schema: kind.schema, context: "\(where_) (\(kindName))", fail: fail)
            if kind.needsTarget, target.values["field"] == nil {
                throw fail("\(where_) (\(kindName)) needs a suite 'target' with a 'field'")
            }
            checks.append(Check(kind: kind, name: checkName, parameters: parameters, checkpointOverrides: overrides,
                                checkpointRemovals: removals))
        }
        try SuiteBudget.check(checks, target: target, fail: fail)
        return ValidationSuite(name: name, description: description, file: file, target: target, checks: checks)
    }

    /// Reads and parses a suite file.
    public static func load(path: String) throws(StabilityError) -> ValidationSuite {
        guard let data = FileManager.default.contents(atPath: path) else {
            throw .invalidSuite(file: path, reason: "cannot read the file")
        }
        return try parse(data, file: path)
    }
}

/// A check's parameters, validated against its schema (defaults filled in).
public struct SuiteParameters: Sendable {
    public enum Value: Sendable, Equatable {
        case number(Double)
        case string(String)
        case numbers([Double])
        case strings([String])
        case flag(Bool)
    }

    public var values: [String: Value]

    public func number(_ key: String) -> Double? { if case let .number(x)? = values[key] { return x }; return nil }
    public func integer(_ key: String) -> Int? { number(key).map { Int($0) } }
    public func string(_ key: String) -> String? { if case let .string(x)? = values[key] { return x }; return nil }
    public func numbers(_ key: String) -> [Double]? { if case let .numbers(x)? = values[key] { return x }; return nil }
    public func strings(_ key: String) -> [String]? { if case let .strings(x)? = values[key] { return x }; return nil }
    public func flag(_ key: String) -> Bool? { if case let .flag(x)? = values[key] { return x }; return nil }

    /// JSON `true`/`false` (Foundation bridges 0 and 1 to `Bool` too, so test the class).
    static func isBoolean(_ raw: Any) -> Bool {
        raw is Bool && !(String(describing: type(of: raw)).hasSuffix("Number"))
    }

    static func parse(
        _ dict: [String: Any], schema: [String: SuiteSchema.Entry], context: String,
        fail: (String) -> StabilityError, fillDefaults: Bool = true
    ) throws(StabilityError) -> SuiteParameters {
        var values: [String: Value] = [:]
        for key in dict.keys.sorted() {
            guard let entry = schema[key] else {
                let known = schema.keys.sorted().joined(separator: ", ")
                throw fail("\(context): unknown key '\(key)' (allowed: \(known.isEmpty ? "none" : known))")
            }
            let raw = dict[key]!
            func wrong() -> StabilityError { fail("\(context): '\(key)' must be \(entry.type.phrase)") }
            switch entry.type {
            case .number, .positiveNumber, .integer:
                guard let n = raw as? NSNumber, !isBoolean(raw), n.doubleValue.isFinite else { throw wrong() }
                let x = n.doubleValue
                if entry.type == .positiveNumber, !(x > 0) { throw wrong() }
                if entry.type == .integer, x != x.rounded() || x < 0 { throw wrong() }
                if entry.type == .integer, x > SuiteBudget.largestInteger {
                    throw fail("\(context): '\(key)' is \(x), larger than \(Int(SuiteBudget.largestInteger)); give a smaller count")
                }
                values[key] = .number(x)
            case .string:
                guard let s = raw as? String else { throw wrong() }
                if let choices = entry.choices, !choices.contains(s) {
                    throw fail("\(context): '\(key)' is '\(s)', expected one of \(choices.joined(separator: ", "))")
                }
                values[key] = .string(s)
            case .numbers:
                guard let a = raw as? [Any], !a.isEmpty,
                      let ns = a.map({ ($0 as? NSNumber)?.doubleValue }) as? [Double], ns.allSatisfy(\.isFinite) else { throw wrong() }
                values[key] = .numbers(ns)
            case .strings:
                guard let a = raw as? [String], !a.isEmpty else { throw wrong() }
                if let choices = entry.choices, let bad = a.first(where: { !choices.contains($0) }) {
                    throw fail("\(context): '\(key)' contains '\(bad)', expected some of \(choices.joined(separator: ", "))")
                }
                values[key] = .strings(a)
            case .flag:
                guard isBoolean(raw), let b = raw as? Bool else { throw wrong() }
                values[key] = .flag(b)
            }
        }
        for (key, entry) in schema where fillDefaults && values[key] == nil {
            if let d = entry.defaultValue { values[key] = d }
        }
        return SuiteParameters(values: values)
    }
}

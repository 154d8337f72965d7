import AttractorNumerics
import Foundation

extension ReasoningConfiguration {
    /// The configuration with `assignments` applied, each `path=value` where `path` names a
    /// field of the saved JSON (`sigma`, `integrator`, `training.learningRate`,
    /// `loss.residual`, `block.initialization`, …) and `value` is a number, `true`/`false`
    /// or a name. This is how a recipe study varies one choice at a time
    /// (`attractor train --set stepSize=0.95 --set sigma=0.01`); the result is validated.
    ///
    /// Throws `invalidConfiguration` naming the assignment: a path that is not a field (with
    /// the fields that exist at that level), a value of the wrong kind, or a configuration
    /// that does not validate.
    public func applying(_ assignments: [String]) throws(ReasoningError) -> ReasoningConfiguration {
        guard !assignments.isEmpty else { return self }
        var root: [String: Any]
        do {
            let data = try JSONEncoder().encode(self)
            guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
                throw ReasoningError.invalidConfiguration("the configuration does not encode as a JSON object")
            }
            root = object
        } catch let e as ReasoningError { throw e } catch {
            throw .invalidConfiguration("cannot encode the configuration: \(error)")
        }
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "="), equals != assignment.startIndex else {
                throw .invalidConfiguration("'\(assignment)': expected path=value, e.g. training.learningRate=3e-4")
            }
            var path = assignment[..<equals].split(separator: ".", omittingEmptySubsequences: false).map(String.init)
            // Old field names (study logs and scripts say `fastSteps`) still name their field.
            if path.count == 1, let current = Self.legacyFieldNames[path[0]] { path[0] = current }
            let text = String(assignment[assignment.index(after: equals)...])
            try Self.assign(text, at: path[...], in: &root, assignment: assignment)
        }
        let result: ReasoningConfiguration
        do {
            let data = try JSONSerialization.data(withJSONObject: root)
            result = try JSONDecoder().decode(ReasoningConfiguration.self, from: data)
        } catch let error as DecodingError {
            throw .invalidConfiguration("\(assignments.joined(separator: " ")): \(describeDecodingError(error))")
        } catch {
            throw .invalidConfiguration("\(assignments.joined(separator: " ")): \(error)")
        }
        var adapted = result
        if !Self.assignsDepthCurriculum(assignments) { adapted.dropUnusableDepthCurriculum() }
        try adapted.validate()
        return adapted
    }

    /// The leaf fields where this configuration differs from `base`, each as `path=value` in
    /// the form `applying` takes, sorted by path: `base.applying(c.assignments(differingFrom:
    /// base))` is `c` again. `attractor train` prints them against the preset, so a training
    /// log names the run's settings and a run can be repeated from its log alone.
    public func assignments(differingFrom base: ReasoningConfiguration) -> [String] {
        guard let mine = Self.jsonObject(self), let theirs = Self.jsonObject(base) else { return [] }
        var found: [String] = []
        Self.collectDifferences(mine, theirs, prefix: "", into: &found)
        return found.sorted()
    }

    private static func jsonObject(_ configuration: ReasoningConfiguration) -> [String: Any]? {
        guard let data = try? JSONEncoder().encode(configuration) else { return nil }
        return (try? JSONSerialization.jsonObject(with: data)) as? [String: Any]
    }

    private static func collectDifferences(_ object: [String: Any], _ base: [String: Any], prefix: String,
                                           into found: inout [String]) {
        for (key, value) in object {
            if let nested = value as? [String: Any] {
                collectDifferences(nested, base[key] as? [String: Any] ?? [:], prefix: prefix + key + ".", into: &found)
            } else {
                let text = leafText(value)
                if base[key].map(leafText) != text { found.append(prefix + key + "=" + text) }
            }
        }
    }

    /// A leaf as `--set` writes it: names bare, numbers and booleans as JSON writes them.
    private static func leafText(_ value: Any) -> String {
        if let text = value as? String { return text }
        if let data = try? JSONSerialization.data(withJSONObject: value, options: [.fragmentsAllowed]),
           let text = String(data: data, encoding: .utf8) { return text }
        return "\(value)"
    }

    /// Whether `assignments` (`--set` values) set `training.depthCurriculum` themselves.
    public static func assignsDepthCurriculum(_ assignments: [String]) -> Bool {
        assignments.contains { $0.hasPrefix("training.depthCurriculum=") }
    }

    /// Whether the gradient and discretisation can run a depth curriculum's shallower segments
    /// (`multiRate` with the `lastCycle` or `oneStep` gradient).
    public var canRunDepthCurriculum: Bool {
        discretisation == .multiRate && (gradient == .lastCycle || gradient == .oneStep)
    }

    /// Clears a depth curriculum this configuration cannot run (a preset's, after the gradient
    /// or discretisation was changed); returns whether it did. `applying` calls it unless the
    /// assignments set `training.depthCurriculum` themselves (then an unusable one is an error).
    @discardableResult
    public mutating func dropUnusableDepthCurriculum() -> Bool {
        guard !training.depthCurriculum.isEmpty, !canRunDepthCurriculum else { return false }
        training.depthCurriculum = ""
        return true
    }

    private static func assign(_ text: String, at path: ArraySlice<String>, in object: inout [String: Any],
                               assignment: String) throws(ReasoningError) {
        let key = path.first!
        guard let current = object[key] else {
            let known = object.keys.sorted().joined(separator: ", ")
            throw .invalidConfiguration("'\(assignment)': no field '\(key)' here (fields: \(known))")
        }
        if path.count > 1 {
            guard var nested = current as? [String: Any] else {
                throw .invalidConfiguration("'\(assignment)': '\(key)' is a value, not a group of fields")
            }
            try assign(text, at: path.dropFirst(), in: &nested, assignment: assignment)
            object[key] = nested
            return
        }
        if current is [String: Any] {
            throw .invalidConfiguration("'\(assignment)': '\(key)' is a group of fields; name one (\(key).…)")
        }
        // The value's kind is checked by decoding: a name where a number belongs fails there.
        if let flag = Bool(text) {
            object[key] = flag
        } else if let value = Double(text) {
            guard value.isFinite else { throw .invalidConfiguration("'\(assignment)': '\(key)' takes a finite number") }
            object[key] = value == value.rounded() && abs(value) < 1e15 ? NSNumber(value: Int64(value)) : NSNumber(value: value)
        } else {
            object[key] = text
        }
    }
}

/// Data for one plot in a report: the validation checks fill these, `HTMLReport` draws
/// them as inline SVG. Kept as plain numbers so `report.json` carries the same data.
public struct Figure: Codable, Sendable {
    public enum Kind: String, Codable, Sendable {
        /// Lines through `(x, y)`, with an optional band `[low, high]`.
        case line
        /// Markers only.
        case scatter
        /// Bars at categorical `labels` (heights `y`), or histogram bins (`x` = bin edges).
        case bar
    }

    public struct Series: Codable, Sendable {
        public var label: String
        public var x: [Double]
        public var y: [Double]
        /// Lower and upper edge of a shaded band around `y` (e.g. quartiles).
        public var low: [Double]?
        public var high: [Double]?

        public init(label: String, x: [Double], y: [Double], low: [Double]? = nil, high: [Double]? = nil) {
            self.label = label
            self.x = x
            self.y = y
            self.low = low
            self.high = high
        }
    }

    public var title: String
    public var kind: Kind
    public var xLabel: String
    public var yLabel: String
    public var logX: Bool
    public var logY: Bool
    public var series: [Series]
    /// Category names for bar charts (one per `x` position).
    public var labels: [String]?

    public init(title: String, kind: Kind, xLabel: String, yLabel: String, logX: Bool = false, logY: Bool = false,
                series: [Series], labels: [String]? = nil) {
        self.title = title
        self.kind = kind
        self.xLabel = xLabel
        self.yLabel = yLabel
        self.logX = logX
        self.logY = logY
        self.series = series
        self.labels = labels
    }

    /// A histogram of `values` over `bins` equal bins between their extremes.
    public static func histogram(title: String, xLabel: String, values: [Double], bins: Int = 12, label: String = "count") -> Figure {
        let v = values.filter(\.isFinite)
        guard let lo = v.min(), let hi = v.max() else {
            return Figure(title: title, kind: .bar, xLabel: xLabel, yLabel: "count", series: [])
        }
        guard hi - lo > 1e-9 * max(1, abs(hi)) else {
            return Figure(title: title, kind: .bar, xLabel: xLabel, yLabel: "count",
                          series: [Series(label: label, x: [lo], y: [Double(v.count)])])
        }
        let width = (hi - lo) / Double(bins)
        var counts = [Double](repeating: 0, count: bins)
        for x in v { counts[min(bins - 1, Int((x - lo) / width))] += 1 }
        let centers = (0..<bins).map { lo + (Double($0) + 0.5) * width }
        return Figure(title: title, kind: .bar, xLabel: xLabel, yLabel: "count",
                      series: [Series(label: label, x: centers, y: counts)])
    }
}

/// Order statistics for summaries and plot bands.
public enum Quantiles {
    /// The `q`-quantile (linear interpolation) of the finite values, nan when there are none.
    public static func of(_ values: [Double], _ q: Double) -> Double {
        let v = values.filter(\.isFinite).sorted()
        guard !v.isEmpty else { return .nan }
        let p = q * Double(v.count - 1)
        let i = Int(p.rounded(.down)), f = p - Double(i)
        return i + 1 < v.count ? v[i] * (1 - f) + v[i + 1] * f : v[i]
    }

    public static func median(_ values: [Double]) -> Double { of(values, 0.5) }

    /// Median and quartiles per step of ragged per-row sequences; a row that stopped early
    /// (converged) contributes its last value to later steps.
    public static func bands(_ rows: [[Double]]) -> (step: [Double], median: [Double], low: [Double], high: [Double]) {
        let n = rows.map(\.count).max() ?? 0
        var step: [Double] = [], med: [Double] = [], lo: [Double] = [], hi: [Double] = []
        for k in 0..<n {
            let column = rows.compactMap { $0.isEmpty ? nil : $0[min(k, $0.count - 1)] }
            step.append(Double(k))
            med.append(median(column))
            lo.append(of(column, 0.25))
            hi.append(of(column, 0.75))
        }
        return (step, med, lo, hi)
    }
}

extension Figure {
    /// The figure as a standalone SVG document (the drawing the HTML reports inline), for
    /// figures kept in `Docs/`.
    public var svg: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + SVGPlot.render(self) + "\n"
    }
}

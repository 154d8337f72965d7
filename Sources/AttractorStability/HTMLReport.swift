import Foundation

/// A self-contained `index.html` for a `ValidationReport`: tables of every measurement and
/// each check's figures as inline SVG (no scripts, no network). The page is well-formed
/// XML (XHTML syntax), so a test can parse it.
public enum HTMLReport {
    public static func render(_ report: ValidationReport) -> String {
        var h = """
        <!DOCTYPE html>
        <html xmlns="http://www.w3.org/1999/xhtml" lang="en">
        <head>
        <meta charset="utf-8" />
        <title>Attractor validation report</title>
        <style>
        body { font-family: -apple-system, "Segoe UI", Helvetica, Arial, sans-serif; margin: 2em; color: #222; max-width: 1100px; }
        h1 { font-size: 1.6em; } h2 { border-bottom: 1px solid #ccc; padding-bottom: .2em; margin-top: 2em; }
        table { border-collapse: collapse; margin: .5em 0 1em; font-size: .9em; }
        td, th { border: 1px solid #ddd; padding: 3px 8px; text-align: left; }
        th { background: #f4f4f4; }
        .pass { color: #17803d; font-weight: 600; } .fail { color: #c0262d; font-weight: 600; } .info { color: #666; }
        .figures { display: flex; flex-wrap: wrap; gap: 12px; }
        .note { color: #555; font-size: .85em; margin: .2em 0; }
        </style>
        </head>
        <body>
        <h1>Attractor validation report</h1>

        """
        h += "<p>GSL \(escape(report.gslVersion)) · \(report.suites.count) suite(s) · overall: \(verdict(report.passed))</p>\n"
        h += "<table><tr><th>suite</th><th>checks</th><th>time [s]</th><th>verdict</th></tr>\n"
        for s in report.suites {
            h += "<tr><td><a href=\"#\(anchor(s.suite))\">\(escape(s.suite))</a></td><td>\(s.checks.count)</td><td>\(format(s.seconds))</td><td>\(verdict(s.passed))</td></tr>\n"
        }
        h += "</table>\n"
        for s in report.suites {
            h += "<h2 id=\"\(anchor(s.suite))\">\(escape(s.suite)) \(verdict(s.passed))</h2>\n"
            if !s.description.isEmpty { h += "<p>\(escape(s.description))</p>\n" }
            h += "<p class=\"note\">suite file: \(escape(s.file))</p>\n"
            for c in s.checks {
                h += "<h3>\(escape(c.name)) <span class=\"info\">(\(escape(c.check)), \(format(c.seconds)) s)</span> \(verdict(c.passed))</h3>\n"
                h += "<table><tr><th>measurement</th><th>value</th><th>expected</th><th>criterion</th><th>verdict</th></tr>\n"
                for m in c.measurements {
                    h += "<tr><td>\(escape(m.label))</td><td>\(format(m.value))</td><td>\(m.expected.map(format) ?? "")</td>"
                    h += "<td>\(escape(m.criterion ?? ""))</td><td>\(verdict(m.passed))</td></tr>\n"
                }
                h += "</table>\n"
                for n in c.notes { h += "<p class=\"note\">\(escape(n))</p>\n" }
                if !c.figures.isEmpty {
                    h += "<div class=\"figures\">\n"
                    for f in c.figures { h += SVGPlot.render(f) + "\n" }
                    h += "</div>\n"
                }
            }
        }
        h += "</body>\n</html>\n"
        return h
    }

    static func verdict(_ passed: Bool?) -> String {
        switch passed {
        case true?: return "<span class=\"pass\">PASS</span>"
        case false?: return "<span class=\"fail\">FAIL</span>"
        case nil: return "<span class=\"info\">info</span>"
        }
    }

    static func anchor(_ s: String) -> String { "suite-" + String(s.map { $0.isLetter || $0.isNumber ? $0 : "-" }) }

    /// XML text escaping.
    public static func escape(_ s: String) -> String {
        var out = ""
        for ch in s {
            switch ch {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(ch)
            }
        }
        return out
    }

    static func format(_ x: Double) -> String {
        if x.isNaN { return "nan" }
        if x.isInfinite { return x > 0 ? "inf" : "-inf" }
        if x == x.rounded(), abs(x) < 1e7 { return String(Int(x)) }
        let a = abs(x)
        return a >= 1e-3 && a < 1e4 ? String(format: "%.4g", x) : String(format: "%.3e", x)
    }
}

/// Draws a `Figure` as an inline SVG: linear or log axes with ticks, lines or markers,
/// shaded bands, bars, and a legend.
enum SVGPlot {
    static let width = 520.0, height = 320.0
    static let left = 64.0, right = 14.0, top = 30.0, bottom = 52.0
    static let palette = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf"]

    static func render(_ f: Figure) -> String {
        let e = HTMLReport.escape
        var s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" viewBox=\"0 0 \(Int(width)) \(Int(height))\" font-family=\"sans-serif\" font-size=\"11\">"
        s += "<title>\(e(f.title))</title><rect x=\"0\" y=\"0\" width=\"\(Int(width))\" height=\"\(Int(height))\" fill=\"#fff\" stroke=\"#ddd\"/>"
        s += "<text x=\"\(width / 2)\" y=\"18\" text-anchor=\"middle\" font-size=\"13\" font-weight=\"600\">\(e(f.title))</text>"
        // Data ranges over finite (and, on log axes, positive) values.
        func usable(_ v: Double, log: Bool) -> Bool { v.isFinite && (!log || v > 0) }
        var xs: [Double] = [], ys: [Double] = []
        for se in f.series {
            xs += se.x.filter { usable($0, log: f.logX) }
            ys += (se.y + (se.low ?? []) + (se.high ?? [])).filter { usable($0, log: f.logY) }
        }
        if f.kind == .bar { ys.append(f.logY ? (ys.min() ?? 1) : 0) }
        guard let x0 = xs.min(), let x1 = xs.max(), let y0 = ys.min(), let y1 = ys.max() else {
            return s + "<text x=\"\(width / 2)\" y=\"\(height / 2)\" text-anchor=\"middle\" fill=\"#888\">no data</text></svg>"
        }
        let sortedX = Array(Set(xs)).sorted()
        let gap = zip(sortedX, sortedX.dropFirst()).map { $1 - $0 }.min() ?? 1
        let xr = Axis(lo: x0, hi: x1, log: f.logX, pad: f.kind == .bar ? gap / 2 : 0)
        let yr = Axis(lo: y0, hi: y1, log: f.logY, pad: 0)
        let pw = width - left - right, ph = height - top - bottom
        func px(_ x: Double) -> Double { left + xr.fraction(x) * pw }
        func py(_ y: Double) -> Double { top + (1 - yr.fraction(y)) * ph }
        func n(_ v: Double) -> String { String(format: "%.1f", v) }
        // Axes and ticks.
        s += "<rect x=\"\(n(left))\" y=\"\(n(top))\" width=\"\(n(pw))\" height=\"\(n(ph))\" fill=\"none\" stroke=\"#999\"/>"
        let yt = yr.ticks()
        for t in yt {
            s += "<line x1=\"\(n(left))\" x2=\"\(n(left + pw))\" y1=\"\(n(py(t)))\" y2=\"\(n(py(t)))\" stroke=\"#eee\"/>"
            s += "<text x=\"\(n(left - 4))\" y=\"\(n(py(t) + 4))\" text-anchor=\"end\">\(e(Axis.label(t, ticks: yt, log: yr.log)))</text>"
        }
        if f.kind == .bar, let labels = f.labels {
            let every = max(1, labels.count / 12)
            for (i, l) in labels.enumerated() where i % every == 0 {
                let short = l.count > 18 ? String(l.prefix(17)) + "…" : l
                s += "<text transform=\"translate(\(n(px(Double(i)))),\(n(top + ph + 10))) rotate(30)\" font-size=\"9\">\(e(short))</text>"
            }
        } else {
            let xt = xr.ticks()
            for t in xt {
                s += "<line x1=\"\(n(px(t)))\" x2=\"\(n(px(t)))\" y1=\"\(n(top))\" y2=\"\(n(top + ph))\" stroke=\"#eee\"/>"
                s += "<text x=\"\(n(px(t)))\" y=\"\(n(top + ph + 14))\" text-anchor=\"middle\">\(e(Axis.label(t, ticks: xt, log: xr.log)))</text>"
            }
        }
        s += "<text x=\"\(n(left + pw / 2))\" y=\"\(n(height - 8))\" text-anchor=\"middle\">\(e(f.xLabel))</text>"
        s += "<text transform=\"translate(14,\(n(top + ph / 2))) rotate(-90)\" text-anchor=\"middle\">\(e(f.yLabel))</text>"
        // Series.
        for (k, se) in f.series.enumerated() {
            let color = palette[k % palette.count]
            let points = zip(se.x, se.y).filter { usable($0.0, log: f.logX) && usable($0.1, log: f.logY) }
            switch f.kind {
            case .line:
                if let lo = se.low, let hi = se.high {
                    let band = se.x.indices.filter { usable(se.x[$0], log: f.logX) && usable(lo[$0], log: f.logY) && usable(hi[$0], log: f.logY) }
                    if band.count > 1 {
                        let upper = band.map { "\(n(px(se.x[$0]))),\(n(py(hi[$0])))" }
                        let lower = band.reversed().map { "\(n(px(se.x[$0]))),\(n(py(lo[$0])))" }
                        s += "<polygon points=\"\((upper + lower).joined(separator: " "))\" fill=\"\(color)\" fill-opacity=\"0.18\" stroke=\"none\"/>"
                    }
                }
                s += "<polyline points=\"\(points.map { "\(n(px($0.0))),\(n(py($0.1)))" }.joined(separator: " "))\" fill=\"none\" stroke=\"\(color)\" stroke-width=\"1.8\"/>"
                if points.count <= 40 {
                    for p in points { s += "<circle cx=\"\(n(px(p.0)))\" cy=\"\(n(py(p.1)))\" r=\"2.5\" fill=\"\(color)\"/>" }
                }
            case .scatter:
                for p in points { s += "<circle cx=\"\(n(px(p.0)))\" cy=\"\(n(py(p.1)))\" r=\"3\" fill=\"\(color)\" fill-opacity=\"0.8\"/>" }
            case .bar:
                let slot = (px(x0 + gap) - px(x0)) * 0.8
                let baseline = py(f.logY ? y0 : 0)
                for p in points {
                    let y = py(p.1)
                    s += "<rect x=\"\(n(px(p.0) - slot / 2))\" y=\"\(n(min(y, baseline)))\" width=\"\(n(max(slot, 1)))\" height=\"\(n(max(abs(baseline - y), 0.5)))\" fill=\"\(color)\"/>"
                }
            }
        }
        // Legend.
        if f.series.count > 1 || f.kind == .line {
            for (k, se) in f.series.enumerated() {
                let y = top + 12 + Double(k) * 14
                let x = left + pw - 190
                s += "<rect x=\"\(n(x))\" y=\"\(n(y - 8))\" width=\"10\" height=\"10\" fill=\"\(palette[k % palette.count])\"/>"
                s += "<text x=\"\(n(x + 14))\" y=\"\(n(y + 1))\" paint-order=\"stroke\" stroke=\"#fff\" stroke-width=\"3\">\(e(se.label))</text>"
            }
        }
        return s + "</svg>"
    }

    /// One axis: maps data to [0, 1] (linear or log10) and picks round ticks.
    struct Axis {
        var a: Double, b: Double
        let log: Bool

        init(lo: Double, hi: Double, log: Bool, pad: Double) {
            self.log = log
            var a = log ? Foundation.log10(lo) : lo - pad
            var b = log ? Foundation.log10(hi) : hi + pad
            if b - a < 1e-12 { a -= log ? 0.5 : max(abs(a) * 0.1, 0.5); b += log ? 0.5 : max(abs(b) * 0.1, 0.5) }
            let margin = (b - a) * 0.04
            self.a = a - (log ? margin : (pad > 0 ? 0 : margin))
            self.b = b + margin
        }

        func fraction(_ v: Double) -> Double { ((log ? Foundation.log10(v) : v) - a) / (b - a) }

        func ticks() -> [Double] {
            if log {
                let lo = Int(Foundation.ceil(a)), hi = Int(Foundation.floor(b))
                guard hi >= lo else { return [Foundation.pow(10, (a + b) / 2)] }
                let every = max(1, (hi - lo + 1) / 6)
                return stride(from: lo, through: hi, by: every).map { Foundation.pow(10, Double($0)) }
            }
            let raw = (b - a) / 5
            let mag = Foundation.pow(10, Foundation.floor(Foundation.log10(raw)))
            let step = [1.0, 2, 5, 10].map { $0 * mag }.first { $0 >= raw } ?? raw
            var t = Foundation.ceil(a / step) * step
            var out: [Double] = []
            while t <= b + 1e-12 * abs(b) && out.count < 20 { out.append(abs(t) < step * 1e-9 ? 0 : t); t += step }
            return out
        }

        /// A tick label with as many decimals as the tick spacing needs.
        static func label(_ v: Double, ticks: [Double], log: Bool) -> String {
            let a = abs(v)
            if v == 0 { return "0" }
            if !log, ticks.count > 1, a < 1e4, a >= 1e-2 || abs(ticks[1] - ticks[0]) >= 1e-2 {
                let step = abs(ticks[1] - ticks[0])
                let decimals = max(0, Int(-Foundation.floor(Foundation.log10(step) + 1e-9)))
                return String(format: "%.\(decimals)f", v)
            }
            if a >= 1e4 || a < 1e-2 {
                let e = Int(Foundation.floor(Foundation.log10(a)))
                let m = v / Foundation.pow(10, Double(e))
                return abs(m - 1) < 1e-9 ? "1e\(e)" : String(format: "%.3ge%d", m, e)
            }
            return String(format: "%.3g", v)
        }
    }
}

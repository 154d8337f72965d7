import AttractorNumerics

/// Neural building blocks: layers with forward passes and hand-written vector–Jacobian
/// products, losses, optimisers. See `Docs/Neural.md`.
public enum Neural {
    /// Default RMSNorm epsilon used by HRM/TRM/CMM blocks.
    public static let rmsNormEpsilon: Double = 1e-5
}

// swift-tools-version:6.1
import PackageDescription

// Layering (DESIGN.md): CGSL, CKernels → AttractorNumerics → AttractorDynamics → AttractorNeural →
// (AttractorReasoning) ; AttractorTasks sits beside them and knows nothing of networks.
// The solver core (AttractorDynamics) never imports neural or puzzle code.
let package = Package(
    name: "Attractor",
    products: [
        .library(name: "Attractor", targets: ["Attractor"]),
        .library(name: "AttractorNumerics", targets: ["AttractorNumerics"]),
        .library(name: "AttractorDynamics", targets: ["AttractorDynamics"]),
        .library(name: "AttractorNeural", targets: ["AttractorNeural"]),
        .library(name: "AttractorTasks", targets: ["AttractorTasks"]),
        .library(name: "AttractorReasoning", targets: ["AttractorReasoning"]),
        .library(name: "AttractorStability", targets: ["AttractorStability"]),
        .library(name: "AttractorMPI", targets: ["AttractorMPI"]),
        .executable(name: "attractor", targets: ["attractor"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-numerics", from: "1.0.0"),
    ],
    targets: [
        // C bridge: GSL + CBLAS. OpenBLAS is linked ahead of GSL so that every
        // cblas_* symbol (ours and GSL's) binds to OpenBLAS, not libgslcblas.
        .systemLibrary(
            name: "CGSL",
            providers: [.apt(["libgsl-dev", "libopenblas-dev"])]
        ),
        // Open MPI (issue 15). Only AttractorMPI imports it; the libraries never do.
        .systemLibrary(name: "CMPI", pkgConfig: "ompi-c", providers: [.apt(["libopenmpi-dev", "openmpi-bin"])]),
        // Hand-written Float32 kernels (vectorised tanh, packed-panel products with fused
        // epilogues), compiled for AVX2/AVX-512 with target attributes and chosen at run time.
        .target(name: "CKernels"),
        .target(
            name: "AttractorNumerics",
            dependencies: ["CGSL", "CKernels", .product(name: "RealModule", package: "swift-numerics")]
        ),
        .target(name: "AttractorDynamics", dependencies: ["AttractorNumerics", "CGSL"]),
        .target(name: "AttractorNeural", dependencies: ["AttractorNumerics", "AttractorDynamics", "CGSL"]),
        .target(name: "AttractorTasks", dependencies: ["AttractorNumerics"]),
        .target(
            name: "AttractorReasoning",
            dependencies: ["AttractorNumerics", "AttractorDynamics", "AttractorNeural", "AttractorTasks"]
        ),
        // Stability diagnostics and validation suites over a generic latent map (the
        // reasoning models conform through ReasoningLatentMap).
        .target(
            name: "AttractorStability",
            dependencies: ["AttractorNumerics", "AttractorDynamics", "AttractorTasks", "AttractorReasoning", "CGSL"]
        ),
        .target(
            name: "Attractor",
            dependencies: ["AttractorNumerics", "AttractorDynamics", "AttractorNeural", "AttractorTasks", "AttractorReasoning",
                           "AttractorStability"]
        ),
        // The communicator over MPI (rank, size, gathers, a deterministic sum); one rank
        // without MPI when the process was not started by mpirun/srun.
        .target(name: "AttractorMPI", dependencies: ["CMPI"]),
        .executableTarget(
            name: "attractor",
            dependencies: ["Attractor", "AttractorMPI", .product(name: "ArgumentParser", package: "swift-argument-parser")]
        ),
        // Benchmarks and examples (executables; the allocation counter is linked into the benchmark only).
        .executableTarget(
            name: "SolverBenchmarks", dependencies: ["AttractorDynamics", "CMallocCounter"],
            path: "Benchmarks/SolverBenchmarks"),
        .executableTarget(
            name: "IntegrateToEquilibrium", dependencies: ["AttractorDynamics"], path: "Examples/IntegrateToEquilibrium"),
        .executableTarget(name: "SDEEnsemble", dependencies: ["AttractorDynamics"], path: "Examples/SDEEnsemble"),
        .executableTarget(
            name: "MonotoneSudoku", dependencies: ["AttractorReasoning", "AttractorTasks", "AttractorDynamics", "AttractorNumerics"],
            path: "Examples/MonotoneSudoku"),
        .executableTarget(name: "SudokuBenchmark", dependencies: ["AttractorTasks"], path: "Benchmarks/SudokuBenchmark"),
        .testTarget(name: "AttractorNumericsTests", dependencies: ["AttractorNumerics"], resources: [.copy("Golden")]),
        .testTarget(name: "AttractorDynamicsTests", dependencies: ["AttractorDynamics"]),
        .testTarget(name: "AttractorNeuralTests", dependencies: ["AttractorNeural"], resources: [.copy("Golden")]),
        .testTarget(name: "AttractorTasksTests", dependencies: ["AttractorTasks"]),
        .testTarget(name: "AttractorReasoningTests", dependencies: ["AttractorReasoning"], exclude: ["Fixtures"]),
        .testTarget(name: "AttractorCLITests", dependencies: ["attractor"]),
        .testTarget(name: "AttractorStabilityTests", dependencies: ["AttractorStability"]),
        .testTarget(name: "AttractorMPITests", dependencies: ["AttractorMPI", "AttractorReasoning", "attractor"]),
        // Benchmark-only: a malloc-counting interposer and the training-step allocation count.
        .target(name: "CMallocCounter", path: "Benchmarks/CMallocCounter"),
        .executableTarget(
            name: "NeuralAllocations",
            dependencies: ["AttractorNeural", "AttractorNumerics", "AttractorReasoning", "CMallocCounter"],
            path: "Benchmarks/NeuralAllocations"
        ),
    ],
    swiftLanguageModes: [.v6]
)

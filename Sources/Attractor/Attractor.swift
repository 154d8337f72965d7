// Umbrella module: `import Attractor` brings in every layer.
@_exported import AttractorNumerics
@_exported import AttractorDynamics
@_exported import AttractorNeural
@_exported import AttractorTasks
@_exported import AttractorReasoning
@_exported import AttractorStability

"""The pipeline: manifest, reading and merging snapshots, the build that feeds the sinks."""

"""Sinks: where merged, extracted records are written (SQL, RDF, site) and checked."""

"""Questions to the knowledge base: SPARQL by name, and the read-only endpoint."""

"""The RDF sink: triples per record, exports, and the Oxigraph store."""

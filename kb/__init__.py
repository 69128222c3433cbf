"""evidence-kb: PubMed abstracts to typed, quoted evidence records in RDF, SQLite and a site."""

__version__ = "0.1.0"

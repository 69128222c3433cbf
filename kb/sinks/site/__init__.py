"""The site sink: MkDocs pages generated from the knowledge base."""

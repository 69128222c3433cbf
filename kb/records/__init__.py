"""Records and identifiers: the pydantic models, IRIs, vocabulary and the published schema."""

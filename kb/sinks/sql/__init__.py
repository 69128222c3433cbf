"""The SQL sink: SQLModel tables and the writers that fill them."""

"""The `kb` command line: thin Typer commands over the library."""

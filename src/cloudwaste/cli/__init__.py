"""The Typer command-line interface: parses, calls the library, renders. No SDK imports here."""

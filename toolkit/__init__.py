"""toolkit: offline translation, summaries and structured fields for ar/fr/en documents.

Every stage is a plain function over an iterable of dicts (see toolkit.records for the
record layer); toolkit.cli is a thin Typer layer over those functions.
"""

__version__ = "0.1.0"

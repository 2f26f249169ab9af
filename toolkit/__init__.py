"""toolkit: offline translation, summaries and structured fields for ar/fr/en documents.

Every stage is a plain function over an iterable of dicts (see toolkit.records for the
record layer); toolkit.cli is a thin Typer layer over those functions. The Python API:

    from toolkit import ingest, detect, translate, summarize, extract, export, run, digest

    records = extract(summarize(translate(detect(ingest("docs/")), to="en"), sentences=3))
    for record in run("docs/", to="en"):   # the same chain as `toolkit run`, no printing
        ...

`run` is a function; the others are also the stage modules (toolkit.ingest holds
ingest_paths and the rest), made callable: `ingest(...)` calls toolkit.api.ingest, and
help(ingest) starts with its documentation and example. Nothing heavy is imported until
a stage is used, so `import toolkit` stays cheap.
"""

import sys
from types import ModuleType

__version__ = "0.1.0"

_CALLABLE = ("ingest", "detect", "translate", "summarize", "extract", "export", "digest",
             "stories")


class _CallableStage(ModuleType):
    """A stage module that can be called as its API function (toolkit.api)."""

    def __call__(self, *args, **kwargs):
        from toolkit import api

        return api.FUNCTIONS[self.__name__.rpartition(".")[2]](*args, **kwargs)


class _Package(ModuleType):
    # The import system sets `toolkit.<stage>` to the stage module once it is imported;
    # that is the moment the module becomes callable, whoever imported it first.
    def __setattr__(self, name, value):
        if name in _CALLABLE and type(value) is ModuleType:
            from toolkit import api

            function = api.FUNCTIONS[name]
            value.__doc__ = f"{_usage(name, function)}\n\nThe module:\n\n{value.__doc__ or ''}"
            value.__class__ = _CallableStage
        super().__setattr__(name, value)


def _usage(name, function) -> str:
    import inspect

    return f"toolkit.{name}{inspect.signature(function)}\n\n{inspect.getdoc(function)}"


def __getattr__(name):
    if name == "run":
        from toolkit.api import run

        return run
    if name in _CALLABLE:
        import importlib

        return importlib.import_module(f"toolkit.{name}")
    raise AttributeError(f"module 'toolkit' has no attribute {name!r}")


sys.modules[__name__].__class__ = _Package

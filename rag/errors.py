"""The few exception types the library raises; the CLI and UI turn them into one-line messages."""


class RagError(Exception):
    """Base class: a problem the user can fix, reported without a traceback."""


class BadInput(RagError):
    """A question or a file that cannot be used (empty, too long, binary, missing...)."""


class IndexNotBuilt(RagError):
    """The index is empty or unreadable and must be (re)built with `rag ingest`."""


class BackendUnavailable(RagError):
    """A model, store or LLM server cannot be reached or loaded."""

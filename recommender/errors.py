"""Named errors raised by the library and translated into friendly messages at the edges."""


class PapersError(Exception):
    """Base class of every error the library raises on purpose."""


class UnknownFormat(PapersError):
    """A file's format could not be recognised, or the format named is not one we read."""


class FeedError(PapersError):
    """A whole feed response is unusable: an HTTP error, an OAI-PMH error, unreadable data."""

    def __init__(self, origin: str, reason: str) -> None:
        super().__init__(f"{origin}: {reason}")
        self.origin = origin
        self.reason = reason


class InvalidArxivId(PapersError):
    """A string is not an arXiv identifier in either the new or the old style."""


class IndexMissing(PapersError):
    """An index file is missing or unreadable; the message names the file and how to rebuild."""


class ModelMismatch(PapersError):
    """An index was built with another embedding model than the one configured."""


class InvalidQuery(PapersError):
    """A search query with nothing to search for (empty, or only common words)."""

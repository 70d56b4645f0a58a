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


class BadResumptionToken(FeedError):
    """An OAI-PMH server no longer knows the resumption token (it expired, or the server
    restarted): the listing must be asked for again."""


class InvalidArxivId(PapersError):
    """A string is not an arXiv identifier in either the new or the old style."""


class IndexMissing(PapersError):
    """An index file is missing or unreadable; the message names the file and how to rebuild."""


class ModelMismatch(PapersError):
    """An index was built with another embedding model than the one configured."""


class InvalidQuery(PapersError):
    """A search query with nothing to search for (empty, or only common words)."""


class ProfileError(PapersError):
    """A profile that cannot be used as written; the message names where and which field."""

    def __init__(self, source: str, field: str, reason: str) -> None:
        super().__init__(f"{source}: {field}: {reason}" if field else f"{source}: {reason}")
        self.source = source
        self.field = field
        self.reason = reason

    def at(self, source: str) -> "ProfileError":
        """The same error, said of another source (the file the profile came from)."""
        return type(self)(source, self.field, self.reason)


class EmptyProfile(ProfileError):
    """A profile with nothing to match papers against: no description, keywords, seeds, authors."""


class ProfileNotFound(PapersError):
    """No profile is stored for a target (a person or channel that never subscribed)."""


class InvalidTarget(PapersError):
    """A target name that is not `user:TEAM:USER`, `channel:TEAM:CHANNEL` or `file:NAME`."""


class InvalidFeedback(PapersError):
    """A feedback action the profiles do not know (see `recommender.profiles.ACTIONS`)."""


class NothingToUndo(PapersError):
    """An undo of a press that is not there (undone already, or never made)."""


class NotYourPress(PapersError):
    """An undo by someone other than whoever pressed the button."""

    def __init__(self, presser: str) -> None:
        super().__init__("only the person who pressed it (or who set this digest up) can undo it")
        self.presser = presser


class ImportFailed(PapersError):
    """An exported library that cannot be imported; the message says where and why."""


class InvalidCategory(PapersError):
    """A wanted category that is not an arXiv category; the message says what is wrong."""

    def __init__(self, text: object, reason: str) -> None:
        super().__init__(f"{text!r} is not an arXiv category: {reason}")
        self.text = text
        self.reason = reason


class GraphExportFailed(PapersError):
    """The embedding model could not be exported to ONNX (its process's error is in the log)."""

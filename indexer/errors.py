"""Domain errors. The core raises them with a message that says what to do;
the CLI and the UI translate them for the user. No traceback reaches a user."""


class PolicyQAError(Exception):
    """Base of every error a user may see; its message is already in Chinese."""


class UnsupportedDocumentError(PolicyQAError):
    """A corpus file has a type we cannot read, or its content is unreadable."""


class EmptyCorpusError(PolicyQAError):
    """The corpus folder is missing or holds no readable document."""


class IndexMissingError(PolicyQAError):
    """No index exists where one was expected."""


class IndexMismatchError(PolicyQAError):
    """The index on disk was built with other settings or is damaged."""


class InvalidQuestionError(PolicyQAError):
    """The question is empty, too long, or otherwise unusable."""


class InvalidArgumentError(PolicyQAError):
    """A parameter such as top_k is out of range."""

"""The one exception of issuers' operations, apart so that the documents can raise it too."""


class IssueError(Exception):
    """A refused operation; the message is Japanese and shown to the clerk as it is."""

"""Errors the command line turns into exit codes and one-line messages."""

from __future__ import annotations


class UpgradeError(Exception):
    """Base of every error the tool reports without a traceback."""

    exit_code = 1


class FileError(UpgradeError):
    """A file or folder that cannot be read or written as the run needs (permissions, a
    full disk, a file changed under the run): exit 3, naming the path and what failed."""

    exit_code = 3


class UsageError(UpgradeError):
    """The command line asks for something that cannot be done (exit 2)."""

    exit_code = 2


class InputError(UpgradeError):
    """A file that cannot be read or understood (exit 3), located by file:line:col."""

    exit_code = 3

    def __init__(self, file: str, message: str, line: int = 0, col: int = 0) -> None:
        self.file = file
        self.line = line
        self.col = col
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = self.file
        if self.line:
            where += f":{self.line}:{self.col or 1}"
        return f"{where}: {self.message}"


class EditError(InputError):
    """An edit that was refused because it cannot be made safely (exit 3)."""

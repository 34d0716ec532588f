"""User-facing errors of the colorize package.

API
    ColorizeError(message)   raised for every bad input a user can cause (a missing file, a corrupt image,
                             an empty folder, a bad split fraction...). The message is one line saying what
                             is wrong and what to do; the CLI prints ``error: <message>`` and exits with status 2.
    check_file(path, what, missing, folder, empty)
                             ColorizeError unless path is an existing, non-empty file; the three texts say
                             what to do in each case.
"""
import os


class ColorizeError(Exception):
    """A problem with the user's input, explained in one line (what is wrong, what to do)."""


def check_file(path, what, missing, folder, empty):
    """Raise ColorizeError, '<what> <path> <problem>; <what to do>', unless path is a non-empty file."""
    if not os.path.exists(path):
        raise ColorizeError(f"{what} {path} does not exist; {missing}")
    if os.path.isdir(path):
        raise ColorizeError(f"{what} {path} is a folder; {folder}")
    if os.path.getsize(path) == 0:
        raise ColorizeError(f"{what} {path} is empty (a zero-byte file); {empty}")

"""User-facing errors of the colorize package.

API
    ColorizeError(message)   raised for every bad input a user can cause (a missing file, a corrupt image,
                             an empty folder, a bad split fraction...). The message is one line saying what
                             is wrong and what to do; the CLI prints ``error: <message>`` and exits with status 2.
"""


class ColorizeError(Exception):
    """A problem with the user's input, explained in one line (what is wrong, what to do)."""

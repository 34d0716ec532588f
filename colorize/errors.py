"""User-facing errors of the colorize package.

API
    ColorizeError(message)   raised for every bad input a user can cause (a missing file, a corrupt image,
                             an empty folder, a bad split fraction...). The message is one line saying what
                             is wrong and what to do; the CLI prints ``error: <message>`` and exits with status 2.
    check_file(path, what, missing, folder, empty)
                             ColorizeError unless path is an existing, non-empty file; the three texts say
                             what to do in each case.
    WriteError(message)      a ColorizeError raised when an output cannot be written (it stops a run of many files)
    write_error(path, err)   -> WriteError for an OSError raised while writing path: what happened (disk full,
                             permission denied, folder gone...), where, and what to do.
    hold_interrupt()         context manager: a Ctrl-C inside the block is delivered when the block ends (so
                             the files written together, such as a checkpoint and its weights, stay consistent)
    interrupt_on_sigterm()   make SIGTERM (a job runner's stop, `kill`) a Ctrl-C in this process: the same
                             clean-up and one line (the `colorize` command does this)
    Interrupted(message)     a KeyboardInterrupt that carries the one line the CLI prints (e.g. "interrupted after
                             epoch 3; continue with --resume").
"""
import contextlib
import errno
import os
import signal
import threading


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


class WriteError(ColorizeError):
    """An output could not be written (disk full, permission denied...): the next one would fail too."""


class Interrupted(KeyboardInterrupt):
    """Ctrl-C, with the one-line message the CLI prints (what was finished, how to continue)."""


_WRITE_ADVICE = {
    errno.ENOSPC: "the disk is full; free some space or choose another output folder",
    errno.EDQUOT: "the disk quota is exceeded; free some space or choose another output folder",
    errno.EACCES: "permission denied; choose a folder you can write to",
    errno.EPERM: "permission denied; choose a folder you can write to",
    errno.EROFS: "the file system is read-only; choose another output folder",
    errno.ENOENT: "its folder does not exist (any more); create it or choose another output folder",
}


def write_error(path, err):
    """WriteError('cannot write <path>: <what happened>; <what to do>') for an OSError while writing path."""
    advice = _WRITE_ADVICE.get(getattr(err, "errno", None))
    if advice is None:
        advice = f"{err.strerror or err}; check the folder exists and is writable"
    return WriteError(f"cannot write {path}: {advice}")


def _raise_interrupt(signum, frame):
    signal.signal(signal.SIGTERM, signal.SIG_IGN)       # once: a second one must not cut the clean-up short
    raise KeyboardInterrupt


def interrupt_on_sigterm():
    """SIGTERM raises KeyboardInterrupt from now on, so that it cleans up as Ctrl-C does (temporary files
    removed, checkpoints consistent) instead of killing the process mid-write; later SIGTERMs are then
    ignored, so that they do not interrupt that clean-up."""
    signal.signal(signal.SIGTERM, _raise_interrupt)


@contextlib.contextmanager
def hold_interrupt():
    """Delay Ctrl-C (SIGINT), and SIGTERM after interrupt_on_sigterm(), until the block has finished; a no-op
    outside the main thread."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught, previous = [], {}
    held = [signal.SIGINT] + ([signal.SIGTERM] if signal.getsignal(signal.SIGTERM) is _raise_interrupt else [])
    try:                                # a signal between two swaps is caught, or restores what was swapped
        for sig in held:
            previous[sig] = signal.signal(sig, lambda signum, frame: caught.append(signum))
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    if caught:
        if signal.SIGTERM in caught:
            _raise_interrupt(signal.SIGTERM, None)          # SIGTERM as it would have been: ignore the next
        raise KeyboardInterrupt

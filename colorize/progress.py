"""A one-line progress bar for long loops, drawn on stderr only when it is a terminal."""
import sys
import time


def format_count(x):
    """1234567 -> '1.2M' (k, M, G)."""
    for unit, div in (("G", 1e9), ("M", 1e6), ("k", 1e3)):
        if x >= div:
            return f"{x / div:.1f}{unit}"
    return f"{x:.0f}"


class Progress:
    """A one-line progress bar on stderr: `epoch 2/5 [#####.....] 1.2M/2.6M px  loss 0.0123  850k px/s`
    (`clip.mp4 [###.......] 120/400 frame  9.5 frame/s` without a loss).

    Drawn only when enabled and the stream is a terminal; redrawn at most 10 times a second.
    """

    def __init__(self, total, desc, unit="img", enabled=True, stream=None):
        self.stream = stream or sys.stderr
        self.enabled = enabled and hasattr(self.stream, "isatty") and self.stream.isatty()
        self.total, self.desc, self.unit = total, desc, unit
        self.start = time.perf_counter()
        self.last = 0.0
        self.drawn = False

    def update(self, done, loss=None, force=False):
        """Redraw with done items finished (and the running loss, when there is one)."""
        if not self.enabled:
            return
        now = time.perf_counter()
        if not force and now - self.last < 0.1:
            return
        self.last = now
        width = 24
        filled = int(width * done / max(self.total, 1))
        rate = done / max(now - self.start, 1e-9)
        self.stream.write(f"\r{self.desc} [{'#' * filled}{'.' * (width - filled)}] "
                          f"{format_count(done)}/{format_count(self.total)} {self.unit}  "
                          f"{'' if loss is None else f'loss {loss:.5f}  '}"
                          f"{format_count(rate)} {self.unit}/s ")
        self.stream.flush()
        self.drawn = True

    def close(self):
        if self.drawn:
            self.stream.write("\r" + " " * 100 + "\r")
            self.stream.flush()

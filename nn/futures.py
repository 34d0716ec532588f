"""torch.futures: a Future (a value, or an error, that arrives later) with callbacks, collect_all and wait_all.

nn runs everything eagerly, so the futures a program makes are usually completed by the program itself
(set_result) or already done when returned; captum's FeatureAblation / ShapleyValueSampling test
`isinstance(out, torch.Future)` and chain results with then() and collect_all(). wait() blocks on a condition
variable, so a Future completed from another thread works too.
"""
import threading
from typing import Generic, TypeVar

__all__ = ["Future", "collect_all", "wait_all"]

_PENDING = object()
_T = TypeVar("_T")


class Future(Generic[_T]):
    """PyTorch's torch.futures.Future: set_result / set_exception complete it once; wait() returns the value (or
    raises the error); then(callback) -> a Future of callback(self); add_done_callback(callback) runs
    callback(self); Future[T] in annotations."""

    def __init__(self, *, devices=None):
        self._condition = threading.Condition()
        self._value = _PENDING
        self._error = None
        self._callbacks = []

    def done(self):
        return self._value is not _PENDING or self._error is not None

    def _complete(self, value, error):
        with self._condition:
            if self.done():
                raise RuntimeError("Attempting to mark a completed Future as complete again. Note that a Future can "
                                   "only be marked completed once.")
            self._value, self._error = value, error
            callbacks, self._callbacks = self._callbacks, []
            self._condition.notify_all()
        for callback in callbacks:
            callback(self)

    def set_result(self, result):
        self._complete(result, None)

    def set_exception(self, result):
        if not isinstance(result, BaseException):
            raise TypeError(f"set_exception expects an exception, got {type(result).__name__}")
        self._complete(_PENDING, result)

    def wait(self):
        with self._condition:
            self._condition.wait_for(self.done)
        return self.value()

    def value(self):
        if not self.done():
            raise RuntimeError("completed() INTERNAL ASSERT FAILED: the Future is not completed yet")
        if self._error is not None:
            raise self._error
        return self._value

    def add_done_callback(self, callback):
        with self._condition:
            if not self.done():
                self._callbacks.append(callback)
                return
        callback(self)

    def then(self, callback):
        """A Future completed with callback(self) once this one completes (with its error if callback raises)."""
        result = Future()

        def run(future):
            try:
                value = callback(future)
            except Exception as error:  # PyTorch wraps the callback's error in a RuntimeError
                result.set_exception(RuntimeError(f"Got the following error when running the callback: "
                                                  f"{type(error).__name__}: {error}"))
            else:
                result.set_result(value)

        self.add_done_callback(run)
        return result

    def __repr__(self):
        return f"<nn.futures.Future object at {id(self):#x}>"


def collect_all(futures):
    """A Future completed, with the list of `futures` itself, once all of them are completed."""
    futures = list(futures)
    combined, remaining = Future(), [len(futures)]
    lock = threading.Lock()
    if not futures:
        combined.set_result([])
        return combined

    def one_done(_):
        with lock:
            remaining[0] -= 1
            last = remaining[0] == 0
        if last:
            # PyTorch: the combined Future carries the first error among the futures, if any
            error = next((f._error for f in futures if f._error is not None), None)
            combined.set_exception(error) if error is not None else combined.set_result(futures)

    for future in futures:
        future.add_done_callback(one_done)
    return combined


def wait_all(futures):
    """The values of `futures` once all are completed (raising the first error)."""
    return [future.wait() for future in collect_all(futures).wait()]

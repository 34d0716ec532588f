"""torch.profiler on nn: profile() and record_function() time the regions a script labels, and key_averages()
prints PyTorch's table of them (calls, self and total CPU time); schedule() and on_trace_ready work as PyTorch's,
export_chrome_trace() writes a trace that chrome://tracing and Perfetto open.

    with profile(activities=[ProfilerActivity.CPU]) as prof:
        with record_function("model_inference"):
            model(inputs)
    print(prof.key_averages().table(sort_by="cpu_time_total", row_limit=10))

What differs: PyTorch also records every ATen op inside the regions (aten::addmm, ...); nn records the regions
only (its ops are NumPy and Numba calls), so a table holds what the script labelled. Times are wall-clock
microseconds of the calling thread; CUDA, memory, shapes, stacks and FLOPs options are accepted and record nothing.
torch.autograd.profiler.profile / record_function are the same classes (nn.autograd.profiler).
"""
import enum
import functools
import json
import os
import socket
import threading
import time

__all__ = ["profile", "record_function", "ProfilerActivity", "ProfilerAction", "schedule",
           "tensorboard_trace_handler"]


class ProfilerActivity(enum.Enum):
    CPU = 0
    CUDA = 1
    XPU = 2
    MTIA = 3


class ProfilerAction(enum.Enum):
    NONE = 0
    WARMUP = 1
    RECORD = 2
    RECORD_AND_SAVE = 3


def schedule(*, wait, warmup, active, repeat=0, skip_first=0, skip_first_wait=0):
    """step -> ProfilerAction, as PyTorch's: skip_first steps, then cycles of wait, warmup and active steps (the
    last active step of a cycle RECORD_AND_SAVE), repeat cycles (0: for ever)."""
    if wait < 0 or warmup < 0 or active <= 0 or repeat < 0 or skip_first < 0:
        raise ValueError("Invalid profiler schedule arguments")

    def action(step):
        if step < skip_first:
            return ProfilerAction.NONE
        step -= skip_first
        cycle = wait + warmup + active
        if repeat > 0 and step / cycle >= repeat:
            return ProfilerAction.NONE
        within = step % cycle
        if within < wait:
            return ProfilerAction.NONE
        if within < wait + warmup:
            return ProfilerAction.WARMUP
        return ProfilerAction.RECORD if within < cycle - 1 else ProfilerAction.RECORD_AND_SAVE
    return action


_active = []                    # the profilers recording now (nested profiles record into each)
_stack = threading.local()      # the open regions of this thread, for self time


class FunctionEvent:
    """One recorded region: name (key), start and end in microseconds, its thread, its children's total time."""

    def __init__(self, name, start, thread):
        self.key = self.name = name
        self.start, self.end, self.thread, self.children_us = start, None, thread, 0.0

    cpu_time_total = property(lambda self: self.end - self.start)
    self_cpu_time_total = property(lambda self: self.cpu_time_total - self.children_us)


class FunctionEventAvg:
    """The regions of one name together: count, cpu_time_total, self_cpu_time_total, cpu_time (the average)."""

    def __init__(self, key):
        self.key, self.count, self.cpu_time_total, self.self_cpu_time_total = key, 0, 0.0, 0.0

    cpu_time = property(lambda self: self.cpu_time_total / max(self.count, 1))


class EventList(list):
    """Recorded events (or their averages) with PyTorch's table()."""

    def table(self, sort_by=None, row_limit=100, max_name_column_width=55, header=None, top_level_events_only=False):
        # (a key nn does not measure, cuda_time_total or a memory column, is 0 for every row: the order stays)
        rows = sorted(self, key=lambda e: -getattr(e, sort_by.replace("cpu_time_avg", "cpu_time"), 0)) if sort_by \
            else list(self)
        rows = rows[:row_limit] if row_limit and row_limit > 0 else rows
        total = sum(getattr(e, "self_cpu_time_total") for e in self) or 1.0
        width = min(max([len(e.key) for e in rows] + [4]), max_name_column_width)
        columns = ["Self CPU %", "Self CPU", "CPU total %", "CPU total", "CPU time avg", "# of Calls"]
        line = "-" * width + "  " + "  ".join("-" * 12 for _ in columns)
        out = ([header] if header else []) + [line, f"{'Name':>{width}}  " + "  ".join(f"{c:>12}" for c in columns),
                                              line]
        for e in rows:
            count = getattr(e, "count", 1)
            cells = [f"{100 * e.self_cpu_time_total / total:.2f}%", _us(e.self_cpu_time_total),
                     f"{100 * e.cpu_time_total / total:.2f}%", _us(e.cpu_time_total),
                     _us(e.cpu_time_total / max(count, 1)), str(count)]
            out.append(f"{e.key[:width]:>{width}}  " + "  ".join(f"{c:>12}" for c in cells))
        out += [line, f"Self CPU time total: {_us(total)}", ""]
        return "\n".join(out)

    def __str__(self):
        return self.table()


def _us(us):
    return f"{us / 1e6:.3f}s" if us >= 1e6 else f"{us / 1e3:.3f}ms" if us >= 1e3 else f"{us:.3f}us"


def _now_us():
    return time.perf_counter_ns() / 1e3


class record_function:
    """A labelled region: a context manager, or a decorator of a function (each call a region)."""

    def __init__(self, name, args=None):
        self.name, self.args, self._events = name, args, []

    def __enter__(self):
        stack = _stack.__dict__.setdefault("open", [])
        self._events = [p._open(self.name) for p in _active if p._recording]
        stack.append(self)
        return self

    def __exit__(self, *exc):
        end = _now_us()
        stack = _stack.open
        stack.pop()
        for event in self._events:
            event.end = end
            parent = next((e for r in reversed(stack) for e in r._events if e.owner is event.owner), None)
            if parent is not None:
                parent.children_us += event.cpu_time_total
        return False

    def __call__(self, fn):
        @functools.wraps(fn)
        def wrapped(*args, **kwargs):
            with record_function(self.name):
                return fn(*args, **kwargs)
        return wrapped


class profile:
    """Records the record_function regions run while it is active (a context manager; start() / stop() too). With
    a schedule, step() moves it along and on_trace_ready(prof) runs at each cycle's end, as PyTorch's."""

    def __init__(self, activities=None, schedule=None, on_trace_ready=None, record_shapes=False,
                 profile_memory=False, with_stack=False, with_flops=False, with_modules=False,
                 experimental_config=None, execution_trace_observer=None, acc_events=False, use_cuda=None,
                 enabled=True, **legacy_options):
        self.activities = set(activities or [ProfilerActivity.CPU])
        self.schedule, self.on_trace_ready, self.enabled = schedule, on_trace_ready, enabled
        self.step_num, self._events, self._recording = 0, [], False

    def _open(self, name):
        event = FunctionEvent(name, _now_us(), threading.get_ident())
        event.owner = self
        self._events.append(event)
        return event

    def _action(self):
        return self.schedule(self.step_num) if self.schedule else ProfilerAction.RECORD

    def start(self):
        if self.enabled:
            _active.append(self)
            self._recording = self._action() in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)
        return self

    def stop(self):
        if self in _active:
            _active.remove(self)
            if self.on_trace_ready and self._events and (self.schedule is None or self._recording):
                self.on_trace_ready(self)
        self._recording = False

    __enter__ = start

    def __exit__(self, *exc):
        self.stop()
        return False

    def step(self):
        """The end of one step: at the end of an active cycle on_trace_ready runs (and the events start anew)."""
        before = self._action()
        self.step_num += 1
        after = self._action()
        if before == ProfilerAction.RECORD_AND_SAVE and self.on_trace_ready:
            self.on_trace_ready(self)
        if before == ProfilerAction.RECORD_AND_SAVE or (before not in (ProfilerAction.RECORD,) and
                                                         after in (ProfilerAction.RECORD, ProfilerAction.WARMUP)):
            self._events = []
        self._recording = after in (ProfilerAction.RECORD, ProfilerAction.RECORD_AND_SAVE)

    def events(self):
        return EventList(e for e in self._events if e.end is not None)

    def key_averages(self, group_by_input_shape=False, group_by_stack_n=0, group_by_overload_name=False):
        averages = {}
        for event in self.events():
            avg = averages.setdefault(event.key, FunctionEventAvg(event.key))
            avg.count += 1
            avg.cpu_time_total += event.cpu_time_total
            avg.self_cpu_time_total += event.self_cpu_time_total
        return EventList(averages.values())

    def table(self, **kwargs):
        return self.key_averages().table(**kwargs)

    def export_chrome_trace(self, path):
        """The regions as Chrome trace events (complete events, "ph": "X", microseconds)."""
        trace = {"traceEvents": [{"name": e.name, "ph": "X", "ts": e.start, "dur": e.cpu_time_total, "pid": os.getpid(),
                                  "tid": e.thread, "cat": "user_annotation"} for e in self.events()]}
        with open(path, "w") as f:
            json.dump(trace, f)


def tensorboard_trace_handler(dir_name, worker_name=None, use_gzip=False):
    """on_trace_ready: each trace to dir_name/<worker>.<time in ms>.pt.trace.json, as PyTorch's names them."""
    def handler(prof):
        os.makedirs(dir_name, exist_ok=True)
        worker = worker_name or f"{socket.gethostname()}_{os.getpid()}"
        prof.export_chrome_trace(os.path.join(dir_name, f"{worker}.{time.time_ns() // 1_000_000}.pt.trace.json"))
    return handler


def kineto_available():
    """True, as PyTorch's CPU builds answer: ``profile`` here is the activity-based (Kineto-style) profiler
    (Lightning's PyTorchProfiler picks that API when this is True)."""
    return True

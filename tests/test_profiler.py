"""nn.profiler (torch.profiler's names): labelled regions timed, PyTorch's table of them, its schedule, a Chrome
trace; nn.autograd.profiler holds the same classes."""
import json
import time

import pytest

import nn
from nn.profiler import ProfilerAction, ProfilerActivity, profile, record_function, schedule


def test_regions_their_self_time_and_the_table():
    with profile(activities=[ProfilerActivity.CPU], record_shapes=True) as prof:
        with record_function("outer"):
            time.sleep(0.01)
            for _ in range(3):
                with record_function("inner"):
                    time.sleep(0.002)
    averages = {e.key: e for e in prof.key_averages()}
    outer, inner = averages["outer"], averages["inner"]
    assert (outer.count, inner.count) == (1, 3)
    assert outer.cpu_time_total >= 16000 and inner.cpu_time_total >= 6000              # microseconds
    assert outer.self_cpu_time_total == pytest.approx(outer.cpu_time_total - inner.cpu_time_total)
    table = prof.key_averages().table(sort_by="cpu_time_total", row_limit=10)
    lines = table.splitlines()
    assert "Self CPU %" in lines[1] and "# of Calls" in lines[1] and lines[3].split()[0] == "outer"
    assert lines[-1].startswith("Self CPU time total:")


def test_decorator_nesting_outside_a_profile_and_the_autograd_names():
    @record_function("f")
    def f():
        return 3
    assert f() == 3                                         # no profiler: nothing recorded, nothing fails
    with nn.autograd.profiler.profile() as prof:
        f()
        f()
    assert [(e.key, e.count) for e in prof.key_averages()] == [("f", 2)]


def test_schedule_and_on_trace_ready(tmp_path):
    plan = schedule(wait=1, warmup=1, active=2, repeat=1)
    assert [plan(s) for s in range(6)] == [ProfilerAction.NONE, ProfilerAction.WARMUP, ProfilerAction.RECORD,
                                           ProfilerAction.RECORD_AND_SAVE, ProfilerAction.NONE, ProfilerAction.NONE]
    traces = []
    with profile(schedule=plan, on_trace_ready=lambda p: traces.append([e.key for e in p.events()])) as prof:
        for step in range(6):
            with record_function(f"step{step}"):
                pass
            prof.step()
    assert traces == [["step2", "step3"]]                  # the active steps only, handed over once
    handler = nn.profiler.tensorboard_trace_handler(str(tmp_path / "log"), worker_name="w")
    with profile(on_trace_ready=handler):
        with record_function("region"):
            pass
    (path,) = (tmp_path / "log").iterdir()
    assert path.name.startswith("w.") and path.name.endswith(".pt.trace.json")
    event, = json.loads(path.read_text())["traceEvents"]
    assert event["name"] == "region" and event["ph"] == "X" and event["dur"] >= 0


def test_table_sorted_by_a_column_nn_does_not_measure():
    with profile() as prof:
        with record_function("a"):
            pass
    assert prof.key_averages().table(sort_by="cuda_time_total", row_limit=5).splitlines()[3].split()[0] == "a"

"""torch.multiprocessing for the scripts that import it at the top: the standard library's multiprocessing
names (Process, Queue, Pool, cpu_count, set_start_method, get_context, ...), PyTorch's sharing-strategy calls
and spawn. nn's tensors are NumPy arrays, so there is no shared-memory tensor passing: a tensor sent through a
Queue is pickled (copied), as any Python object.

    import nn.multiprocessing as mp
    mp.set_start_method("spawn", force=True)
    mp.spawn(train, args=(world_size,), nprocs=world_size)     # train(i, world_size) in each process
"""
import multiprocessing as _mp
from multiprocessing import *  # noqa: F401,F403  (the standard library's names, as torch.multiprocessing has)

__all__ = ["set_sharing_strategy", "get_sharing_strategy", "get_all_sharing_strategies", "spawn",
           "start_processes", "ProcessContext", "ProcessRaisedException", "ProcessExitedException"] + list(_mp.__all__)

_STRATEGIES = {"file_system"}
_strategy = "file_system"


def get_all_sharing_strategies():
    """{'file_system'}: nn shares no tensor storage between processes (tensors are pickled), so any is the same."""
    return set(_STRATEGIES)


def get_sharing_strategy():
    return _strategy


def set_sharing_strategy(new_strategy):
    """Recorded ('file_descriptor' and 'file_system' accepted, as on Linux); changes nothing here."""
    global _strategy
    if new_strategy not in ("file_system", "file_descriptor"):
        raise ValueError(f"set_sharing_strategy: unknown strategy {new_strategy!r}; use 'file_system' or "
                         f"'file_descriptor'")
    _strategy = new_strategy


class ProcessRaisedException(Exception):
    """A spawned process ended with an exception (its exit code is not 0)."""

    def __init__(self, msg, error_index, error_pid):
        super().__init__(msg)
        self.error_index, self.pid = error_index, error_pid


class ProcessExitedException(ProcessRaisedException):
    """A spawned process was ended by a signal."""

    def __init__(self, msg, error_index, error_pid, exit_code, signal_name=None):
        super().__init__(msg, error_index, error_pid)
        self.exit_code, self.signal_name = exit_code, signal_name


class ProcessContext:
    """The processes start_processes / spawn started; join() waits for them all and raises if one failed."""

    def __init__(self, processes):
        self.processes = processes

    def pids(self):
        return [p.pid for p in self.processes]

    def join(self, timeout=None):
        """Wait for every process (up to timeout seconds each); True once all ended, each with exit code 0."""
        for p in self.processes:
            p.join(timeout)
        for i, p in enumerate(self.processes):
            if p.exitcode is not None and p.exitcode < 0:
                raise ProcessExitedException(f"process {i} terminated with signal {-p.exitcode}", i, p.pid,
                                             p.exitcode)
            if p.exitcode:
                raise ProcessRaisedException(f"process {i} terminated with exit code {p.exitcode}", i, p.pid)
        return all(p.exitcode == 0 for p in self.processes)


def start_processes(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """Run fn(i, *args) in nprocs new processes, i = 0 .. nprocs - 1 (start_method 'spawn', 'fork' or
    'forkserver'). join=True waits for them all (raising if one failed); join=False returns a ProcessContext."""
    ctx = _mp.get_context(start_method)
    processes = [ctx.Process(target=fn, args=(i, *args), daemon=daemon) for i in range(int(nprocs))]
    for p in processes:
        p.start()
    context = ProcessContext(processes)
    if not join:
        return context
    context.join()
    return None


def spawn(fn, args=(), nprocs=1, join=True, daemon=False, start_method="spawn"):
    """torch.multiprocessing.spawn: start_processes with start_method 'spawn' by default."""
    return start_processes(fn, args, nprocs, join, daemon, start_method)

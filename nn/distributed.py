"""torch.distributed's queries for a single process: nn runs in one process, so no process group ever exists.

Training scripts import it at the top and ask ``dist.is_available() and dist.is_initialized()`` before any
collective call; both are False here, so they take their single-process path. The calls that need a group
raise PyTorch's error.
"""


def is_available():
    """False: no distributed backend (the scripts' single-process path)."""
    return False


def is_initialized():
    """False: init_process_group can never have been called."""
    return False


def _no_group(*args, **kwargs):
    raise RuntimeError("Default process group has not been initialized, please make sure to call "
                       "init_process_group. (nn runs in one process: there is no process group to join.)")


def init_process_group(*args, **kwargs):
    raise RuntimeError("init_process_group: nn runs in one process and has no distributed backend; run the "
                       "script without a launcher (world size 1)")


get_rank = get_world_size = barrier = all_reduce = all_gather = broadcast = reduce = destroy_process_group = _no_group

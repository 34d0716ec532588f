"""What nn does to the process: `import nn` changes nothing global (BLAS threads, environment),
and the kernels hold BLAS at one thread only while they run."""
import json
import os
import subprocess
import sys

import pytest

import nn

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _run(code):
    env = dict(os.environ, PYTHONPATH=ROOT)
    out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_import_nn_leaves_the_environment_unchanged():
    # fresh process, NumPy not loaded yet (nn used to set OPENBLAS_CORETYPE in that case)
    r = _run("import json, os\n"
             "before = dict(os.environ)\n"
             "import nn\n"
             "print(json.dumps({'same': before == dict(os.environ),\n"
             "                  'changed': sorted(set(os.environ.items()) ^ set(before.items()))}))")
    assert r["same"], r["changed"]


def test_import_nn_adds_no_import_hook():
    # the nn.nn.X import paths (torch.nn.X lines ported by `import nn as torch`) are sys.modules entries under
    # nn's own names, not a finder that every import of the process would consult
    r = _run("import json, sys\n"
             "before = [repr(f) for f in sys.meta_path + sys.path_hooks]\n"
             "import nn\n"
             "from nn.nn.parameter import Parameter\n"
             "print(json.dumps({'same': before == [repr(f) for f in sys.meta_path + sys.path_hooks],\n"
             "                  'param': Parameter is nn.Parameter}))")
    assert r["same"] and r["param"]


def test_import_nn_leaves_numpy_dtypes_as_they_are():
    # nn's dtypes carry torch.dtype's is_floating_point flags themselves; NumPy's own dtypes gain nothing
    r = _run("import json, numpy\n"
             "import nn, nn.functional\n"
             "print(json.dumps({'flag': hasattr(numpy.dtype('float32'), 'is_floating_point')}))")
    assert r["flag"] is False


def test_import_nn_and_training_leave_blas_threads_as_the_user_set_them():
    # the user sets BLAS to 3 threads (not 1, so that holding it at one would show), imports nn,
    # trains a step through a Linear layer and a conv (both call BLAS): the setting is intact
    # (the kernels' helper threads, started by the first split, are new, not a change)
    r = _run("import json\n"
             "import numpy, scipy.linalg.cython_blas\n"
             "from threadpoolctl import threadpool_info, threadpool_limits\n"
             "threadpool_limits(3, user_api='blas')\n"
             "def blas(): return sorted((i['filepath'], i['num_threads']) for i in threadpool_info()\n"
             "                          if i['user_api'] == 'blas')\n"
             "before = blas()\n"
             "import nn\n"
             "after_import = blas()\n"
             "model = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Flatten(), nn.Linear(18, 1))\n"
             "nn.functional.mse_loss(model(nn.Tensor(numpy.ones((2, 1, 5, 5), 'f4'))),\n"
             "                       nn.Tensor(numpy.zeros((2, 1), 'f4'))).backward()\n"
             "print(json.dumps({'before': before, 'after_import': after_import, 'after_step': blas()}))")
    assert any(n == 3 for _, n in r["before"])
    assert r["after_import"] == r["before"]
    assert r["after_step"] == r["before"]


def test_kernels_hold_blas_at_one_thread_while_they_run():
    from threadpoolctl import threadpool_limits
    from nn.kernels import threads
    seen = []
    with threadpool_limits(2, user_api="blas"):
        with threads.single_thread_blas():
            seen.append(threads.blas_num_threads())
        assert threads.blas_num_threads() == 2            # restored after the call
    assert seen == [1]


def test_small_products_skip_the_hold_and_large_ones_take_it():
    # the hold costs a few microseconds per call: a tiny product (a per-pixel MLP step) runs without it
    from threadpoolctl import threadpool_limits
    from nn.kernels import threads
    with threadpool_limits(2, user_api="blas"):
        with threads.single_thread_blas(threads.SMALL_WORK - 1):
            small = threads.blas_num_threads()
        with threads.single_thread_blas(threads.SMALL_WORK):
            large = threads.blas_num_threads()
    assert (small, large) == (2, 1)


def test_set_num_threads_sets_numbas_pool_only():
    from threadpoolctl import threadpool_limits
    n = nn.get_num_threads()
    try:
        with threadpool_limits(2, user_api="blas"):
            nn.set_num_threads(1)
            assert nn.get_num_threads() == 1
            assert nn.kernels.threads.blas_num_threads() == 2
    finally:
        nn.set_num_threads(n)
    with pytest.raises(ValueError, match="set_num_threads: n must be an int"):
        nn.set_num_threads(0)


def test_tensor_matmul_holds_blas_at_one_thread_forward_and_backward(monkeypatch, blas_hold_spy):
    import numpy as np
    from threadpoolctl import threadpool_limits
    from nn.kernels import threads
    spy, seen = blas_hold_spy
    monkeypatch.setattr(sys.modules["nn.tensor"], "_single_thread_blas", spy)
    with threadpool_limits(2, user_api="blas"):
        a = nn.Tensor(np.ones((64, 256), np.float32), requires_grad=True)
        (a @ nn.Tensor(np.ones((256, 512), np.float32))).sum().backward()
        after = threads.blas_num_threads()
    assert seen == [1, 1] and after == 2

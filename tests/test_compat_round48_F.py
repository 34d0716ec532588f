"""ETSformer-pytorch 0.1.1 (ETSFormer, ClassificationWrapper, MHESA), pysdtw 0.0.5 (SoftDTW on its CPU path, its
distance functions) and warmup-scheduler 0.3 (GradualWarmupScheduler) from their wheel / sdist, ported file by file by
the porting rule (etsformer_pytorch -> etsformer_pytorchp, pysdtw -> pysdtwp, warmup_scheduler -> warmup_schedulerp in
their own import lines; nothing else changed) and run against the originals on PyTorch 2.13 in one process (round 48,
area F). scipy 1.17.1 (ETSformer's ``next_fast_len``), numba 0.68.1 and einops 0.8.2 as installed. pysdtw's recursions
are numba kernels working on NumPy arrays: the same kernels run on both sides (each package copy jits its own), so its
comparison checks what nn does around them (the legacy ``Tensor(ndarray)`` constructor, which rounds the float64 table
to float32 on both sides, ``.type(dtype)``, the autograd Function, advanced indexing and ``diag``, ``bmm`` of ``mT``,
``clamp`` to ``inf``, packed sequences). PyTorch's initial weights were moved by 0.1 x a NumPy normal and loaded by
``state_dict``; both sides got the same NumPy inputs; every dropout mask (``nn.Dropout``) was read from one NumPy stream
per side (the streams ended at the same draw); outputs were projected on NumPy normals and back-propagated, then 3 Adam
steps; float64, with float32 runs beside. ETSformer: ten constructions (the defaults; ``time_features`` 1-3,
``model_dim`` 8-24, heads 1-6, layers 1-3, K 1-6, ``embed_kernel_size`` 1-5, dropout 0.1 / 0.2 and eval mode)
forecasting 1-7 steps, with ``return_latents`` and without forecasting (the latents alone), a 2-d and a 3-d series;
ClassificationWrapper with ``num_classes``, heads, ``dim_head``, each kernel size and its dropout; MHESA alone with
``norm_heads`` and ``naive`` (its gather / tril path; it agrees with the FFT path to 3.3e-16 on PyTorch too) and
dropout, and a one-step sequence. pysdtw: ``gamma`` 0.01-5, ``bandwidth`` 1-3 (Sakoe-Chiba, square and non-square),
``pairwise_l2_squared`` and ``pairwise_l2_squared_exact``, packed sequences of unequal lengths (``pack_padded_sequence``
in, ``pad_packed_sequence`` inside), batches 1-4, one-point series, points learned by Adam and SGD over 3 steps,
gradients to both series, second-order gradients through its backward with ``create_graph``; ``use_cuda=True`` (the
default) fails alike on both sides (TypeError "type torch.cuda.FloatTensor not available. Torch not compiled with CUDA
enabled."), as do mismatched batches and widths. warmup-scheduler: 360 runs of 14 epochs with two param groups (SGD,
Adam, AdamW, RMSprop; no after_scheduler, StepLR, CosineAnnealingLR, ExponentialLR, ReduceLROnPlateau; multiplier 1, 2,
4.5; total_epoch 1, 3, 5; ``step()`` and ``step(epoch)``, ``step(metrics=)``): every learning rate, the weights after
the steps, every warning and the ``state_dict`` keys and values compared. Largest relative differences in float64 (three
runs of other data): ETSformer outputs 4.9e-15, input gradients 1.7e-14, parameter gradients 7.6e-13 and weights after 3
Adam steps 3.8e-12 in the three-layer model with three time features, where PyTorch against itself with one input entry
moved by an ulp gives 5.4e-13 and 1.7e-12; elsewhere 5.3e-14 and 7.2e-14 but one weight, MHESA's ``project_in`` bias in
a model with K 6 (5.9e-13; PyTorch against itself with every input entry moved by an ulp: 4.2e-13): MHESA differences
consecutive time steps, so that bias cancels out of all but the first, its gradient is a cancellation, and Adam divides
each entry by its own gradient's scale; pysdtw values identical, gradients 2.2e-15 (a one-point series; 3.4e-16
elsewhere), points after the steps 1.3e-16; second-order gradients 3.0e-16; the warm-up's learning rates equal to 1e-15,
weights after 14 steps 7.8e-15. Float32: ETSformer outputs 7.6e-7, gradients 1.6e-5, weights 1.3e-5; pysdtw values
identical, gradients 4.0e-6, points 1.1e-7. None of the packages ships tests.

The packages' own paths met two differences of nn, both in the warm-up scheduler; the others came from calling the
Fourier transforms ETSformer uses (``rfft(x, n=..., dim=...)``, ``irfft(x, n, dim=...)``, ``fft``) and their 2-D and n-D
forms with their other argument forms side by side with PyTorch. ETSformer's ``fft``-based extrapolation,
``linspace(..., dtype=complex64)``, ``masked_fill`` of a complex tensor with ``0.+0.j``, ``topk(k=, dim=, sorted=)`` of
amplitudes, ``roll``, ``index_select``, ``gather``, ``var(unbiased=False)`` and integer-tensor powers agree with PyTorch
in values, dtypes and gradients.

Still different (not fixed): a tuple of sizes or dims given by keyword whose first element is no int (``fftn(x, s=(4.0,
4))``, ``fft2(x, dim=(True, 1))``: 36 of the 144 calls of a probe of the 2-D and n-D transforms) is refused in the words
PyTorch's parser gives by position ("... must be tuple of ints, but found element of type float at pos 0"), where by
keyword it says "fft_fftn(): argument 's' must be tuple of ints, not tuple"; the same holds for every function nn's
parser helper checks (``flip(x, dims=(1.0,))``, ``x.permute(dims=(1.0, 0))``), so it is left to a change of that helper.
A call with an unknown keyword or too many arguments names the function as Python does ("rfft() got an unexpected
keyword argument 'foo'", PyTorch "fft_rfft() ..."). The packages fail alike where they are at fault: ETSformer's series
of odd length ("The size of tensor a (17) must match the size of tensor b (16) at non-singleton dimension 1": ``irfft``
without ``n`` gives an even length back) and pysdtw's default ``use_cuda=True`` on a machine without CUDA.

The failures of nn these tests pin down (the packages are not imported here):

- The built-in schedules' ``get_lr()`` called by hand (not by ``step()``) gave the next lrs silently, where
  PyTorch's warn "To get the last learning rate computed by the scheduler, please use `get_last_lr()`." (StepLR,
  MultiStepLR, ExponentialLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, LinearLR, ConstantLR, PolynomialLR,
  LambdaLR, MultiplicativeLR, OneCycleLR, CyclicLR): GradualWarmupScheduler's ``get_lr`` calls its after_scheduler's,
  so PyTorch warns once when the warm-up hands over, and nn did not.
- A scheduler subclass whose own ``step()`` never reaches ``LRScheduler.step`` (GradualWarmupScheduler with
  ReduceLROnPlateau) has no ``_last_lr`` and no ``_get_lr_called_within_step``: PyTorch's ``state_dict()`` (its
  ``__dict__`` but the optimizer) leaves them out, and nn's raised AttributeError "'GradualWarmupScheduler' object
  has no attribute '_last_lr'"; ``load_state_dict`` of such a state needed '_last_lr'. nn set
  ``_get_lr_called_within_step`` before the first step, so even a subclass's state listed it (and out of PyTorch's
  key order).
- ``fft`` / ``ifft`` / ``rfft`` / ``irfft`` / ``hfft`` / ``ihfft`` took a float, bool, str or float-tensor ``n``
  (``n=True`` made one point, ``n=4.0`` four) and a tuple, None or bool ``dim``, and read ``norm=1`` as an unknown
  mode (RuntimeError 'Invalid normalization mode: "1"'), where PyTorch's parser raises TypeError "fft_rfft():
  argument 'n' must be int, not float" (by position "(position 2)"), "... argument 'dim' must be int, not tuple",
  "... argument 'norm' must be str, not int"; ``norm=b'ortho'``, which PyTorch takes, was refused.
- ``fft2`` ... ``ihfft2`` and ``fftn`` ... ``ihfftn`` took (4.0, 4) and (True, 4) as sizes, failed on a float ``s`` or
  ``dim`` in Python's words ("'float' object is not iterable"), read norm=1 as an unknown mode, and the n-D forms
  refused one int ``s`` ("object of type 'int' has no len()"), where PyTorch's parser raises "fft_fftn(): argument
  's' must be tuple of ints, not float" (by position: "(position 2) must be tuple of ints, but found element of type
  float at pos 0"; a later element: "failed to unpack the object at pos 2 ...") and takes an int, a NumPy int or a
  one-element tensor as one size.
"""
import warnings

import numpy as np
import pytest

import nn
from porting import load_script, port, raised

# warmup-scheduler 0.3's GradualWarmupScheduler (warmup_scheduler/scheduler.py), unchanged but for its docstring
WARMUP = '''
from torch.optim.lr_scheduler import _LRScheduler
from torch.optim.lr_scheduler import ReduceLROnPlateau


class GradualWarmupScheduler(_LRScheduler):
    def __init__(self, optimizer, multiplier, total_epoch, after_scheduler=None):
        self.multiplier = multiplier
        if self.multiplier < 1.:
            raise ValueError('multiplier should be greater thant or equal to 1.')
        self.total_epoch = total_epoch
        self.after_scheduler = after_scheduler
        self.finished = False
        super(GradualWarmupScheduler, self).__init__(optimizer)

    def get_lr(self):
        if self.last_epoch > self.total_epoch:
            if self.after_scheduler:
                if not self.finished:
                    self.after_scheduler.base_lrs = [base_lr * self.multiplier for base_lr in self.base_lrs]
                    self.finished = True
                return self.after_scheduler.get_lr()
            return [base_lr * self.multiplier for base_lr in self.base_lrs]

        if self.multiplier == 1.0:
            return [base_lr * (float(self.last_epoch) / self.total_epoch) for base_lr in self.base_lrs]
        else:
            return [base_lr * ((self.multiplier - 1.) * self.last_epoch / self.total_epoch + 1.) for base_lr in self.base_lrs]

    def step_ReduceLROnPlateau(self, metrics, epoch=None):
        if epoch is None:
            epoch = self.last_epoch + 1
        self.last_epoch = epoch if epoch != 0 else 1
        if self.last_epoch <= self.total_epoch:
            warmup_lr = [base_lr * ((self.multiplier - 1.) * self.last_epoch / self.total_epoch + 1.) for base_lr in self.base_lrs]
            for param_group, lr in zip(self.optimizer.param_groups, warmup_lr):
                param_group['lr'] = lr
        else:
            if epoch is None:
                self.after_scheduler.step(metrics, None)
            else:
                self.after_scheduler.step(metrics, epoch - self.total_epoch)

    def step(self, epoch=None, metrics=None):
        if type(self.after_scheduler) != ReduceLROnPlateau:
            if self.finished and self.after_scheduler:
                if epoch is None:
                    self.after_scheduler.step(None)
                else:
                    self.after_scheduler.step(epoch - self.total_epoch)
            else:
                return super(GradualWarmupScheduler, self).step(epoch)
        else:
            self.step_ReduceLROnPlateau(metrics, epoch)
'''

GET_LR_WORDS = "To get the last learning rate computed by the scheduler, please use `get_last_lr()`."


def _warmup_run(lib, namespace):
    """The package's README use: SGD warmed up to twice its lr over 3 epochs, then StepLR -> (lrs, warning words)."""
    opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))] if lib is not nn else [nn.Parameter(nn.zeros(2))], lr=0.1)
    after = lib.optim.lr_scheduler.StepLR(opt, step_size=2, gamma=0.5)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        scheduler = namespace["GradualWarmupScheduler"](opt, multiplier=2, total_epoch=3, after_scheduler=after)
        lrs = []
        for _ in range(8):
            opt.step()
            scheduler.step()
            lrs.append(opt.param_groups[0]["lr"])
    return lrs, [str(w.message) for w in caught]


def _plateau_run(lib, namespace):
    """Warm-up into ReduceLROnPlateau, whose path never reaches LRScheduler.step -> (scheduler, lrs)."""
    opt = lib.optim.SGD([lib.nn.Parameter(lib.zeros(2))] if lib is not nn else [nn.Parameter(nn.zeros(2))], lr=0.1)
    after = lib.optim.lr_scheduler.ReduceLROnPlateau(opt, factor=0.5, patience=0)
    scheduler = namespace["GradualWarmupScheduler"](opt, multiplier=2, total_epoch=2, after_scheduler=after)
    lrs = []
    with warnings.catch_warnings(record=True):     # (its after_scheduler.step(metrics, epoch): the deprecation)
        for _ in range(5):
            opt.step()
            scheduler.step(metrics=1.0)
            lrs.append(opt.param_groups[0]["lr"])
    return scheduler, lrs


def test_get_lr_called_by_hand_warns_as_pytorchs_schedules():
    # the warm-up's get_lr calls its after_scheduler's get_lr, outside that scheduler's step(): PyTorch warns there,
    # once, at the switch (the fourth step); nn gave the same lrs silently
    lrs, words = _warmup_run(nn, load_script(port(WARMUP)))
    np.testing.assert_allclose(lrs, [0.4 / 3, 0.5 / 3, 0.2, 0.2, 0.2, 0.1, 0.1, 0.05], rtol=1e-15)
    assert words == [GET_LR_WORDS]
    opt = nn.optim.SGD([nn.Parameter(nn.zeros(2))], lr=0.1)
    schedules = [nn.optim.lr_scheduler.StepLR(opt, 2), nn.optim.lr_scheduler.MultiStepLR(opt, [2]),
                 nn.optim.lr_scheduler.ExponentialLR(opt, 0.9), nn.optim.lr_scheduler.CosineAnnealingLR(opt, 4),
                 nn.optim.lr_scheduler.CosineAnnealingWarmRestarts(opt, 2), nn.optim.lr_scheduler.LinearLR(opt),
                 nn.optim.lr_scheduler.ConstantLR(opt), nn.optim.lr_scheduler.PolynomialLR(opt),
                 nn.optim.lr_scheduler.LambdaLR(opt, lambda e: 1.0),
                 nn.optim.lr_scheduler.MultiplicativeLR(opt, lambda e: 1.0),
                 nn.optim.lr_scheduler.OneCycleLR(opt, 1.0, total_steps=10),
                 nn.optim.lr_scheduler.CyclicLR(opt, 0.01, 0.1)]
    for schedule in schedules:
        with pytest.warns(UserWarning, match="please use `get_last_lr\\(\\)`"):
            schedule.get_lr()
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        opt.step()
        for schedule in schedules:
            schedule.step()                     # get_lr inside step(): no warning
            schedule.get_last_lr()


def test_warmup_into_reduce_on_plateau_saves_the_attributes_it_has():
    # its step() never reaches LRScheduler.step, so PyTorch's scheduler has no '_last_lr' and no
    # '_get_lr_called_within_step' and state_dict() (its __dict__ but the optimizer) leaves them out; nn's
    # state_dict raised AttributeError "'GradualWarmupScheduler' object has no attribute '_last_lr'"
    namespace = load_script(port(WARMUP))
    scheduler, lrs = _plateau_run(nn, namespace)
    np.testing.assert_allclose(lrs, [0.2, 0.2, 0.1, 0.05, 0.025], rtol=1e-15)
    state = scheduler.state_dict()
    assert list(state) == ["multiplier", "total_epoch", "after_scheduler", "finished", "base_lrs", "last_epoch",
                           "_step_count", "_is_initial"]
    assert (state["last_epoch"], state["_step_count"], state["finished"]) == (6, 0, False)
    other, _ = _plateau_run(nn, namespace)
    other.load_state_dict(state)                # (PyTorch's: its __dict__ updated)
    assert other.last_epoch == 6 and other.after_scheduler is scheduler.after_scheduler


@pytest.mark.parametrize("name", ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"])
def test_one_dim_transforms_read_n_dim_and_norm_as_pytorchs_parser(name):
    # ETSformer's conv1d_fft calls rfft(x, n=fast_len, dim=dim) and irfft(x, fast_len, dim=dim); nn took a float or
    # bool n (n=True: one point), a float tensor n, a tuple or None dim, and named an int norm an unknown mode
    f, x = getattr(nn.fft, name), nn.tensor(np.random.default_rng(0).normal(size=(3, 8)))
    words = f"fft_{name}(): argument"
    assert raised(lambda: f(x, n=4.0)) == ("TypeError", f"{words} 'n' must be int, not float")
    assert raised(lambda: f(x, 4.0)) == ("TypeError", f"{words} 'n' (position 2) must be int, not float")
    assert raised(lambda: f(x, n=True)) == ("TypeError", f"{words} 'n' must be int, not bool")
    assert raised(lambda: f(x, n=nn.tensor(4.0))) == ("TypeError", f"{words} 'n' must be int, not Tensor")
    assert raised(lambda: f(x, n="4")) == ("TypeError", f"{words} 'n' must be int, not str")
    assert raised(lambda: f(x, dim=(1,))) == ("TypeError", f"{words} 'dim' must be int, not tuple")
    assert raised(lambda: f(x, None, 1.0)) == ("TypeError", f"{words} 'dim' (position 3) must be int, not float")
    assert raised(lambda: f(x, dim=None)) == ("TypeError", f"{words} 'dim' must be int, not NoneType")
    assert raised(lambda: f(x, dim=True)) == ("TypeError", f"{words} 'dim' must be int, not bool")
    assert raised(lambda: f(x, norm=1)) == ("TypeError", f"{words} 'norm' must be str, not int")
    assert raised(lambda: f(x, None, -1, 1)) == ("TypeError", f"{words} 'norm' (position 4) must be str, not int")
    # taken: NumPy's and one-element tensors' ints, a 0-d integer tensor dim, norm as bytes
    assert f(x, n=np.int64(4)).shape == f(x, n=nn.tensor([4])).shape == f(x, 4).shape
    assert f(x, dim=nn.tensor(0)).shape == f(x, dim=0).shape
    np.testing.assert_allclose(f(x, norm=b"ortho").numpy(), f(x, norm="ortho").numpy(), rtol=0, atol=0)


@pytest.mark.parametrize("name", ["fft2", "ifft2", "rfft2", "irfft2", "hfft2", "ihfft2",
                                  "fftn", "ifftn", "rfftn", "irfftn", "hfftn", "ihfftn"])
def test_two_and_n_dim_transforms_read_s_dim_and_norm_as_pytorchs_parser(name):
    # nn took (4.0, 4) and (True, 4) as sizes, read an int s of fftn as no sequence ("object of type 'int' has no
    # len()"), failed on a float s or dim in Python's words ("'float' object is not iterable") and named norm=1 an
    # unknown mode
    f, x = getattr(nn.fft, name), nn.tensor(np.random.default_rng(0).normal(size=(3, 8, 4)))
    words = f"fft_{name}(): argument"
    assert raised(lambda: f(x, s=4.0)) == ("TypeError", f"{words} 's' must be tuple of ints, not float")
    assert raised(lambda: f(x, (4.0, 4))) == (
        "TypeError", f"{words} 's' (position 2) must be tuple of ints, but found element of type float at pos 0")
    assert raised(lambda: f(x, (4, 2.0))) == (
        "TypeError", f"{words} 's' failed to unpack the object at pos 2 with error \"type must be tuple of ints,but "
                     f"got float\"")
    assert raised(lambda: f(x, s=nn.tensor([4, 4]))) == ("TypeError", f"{words} 's' must be tuple of ints, not Tensor")
    assert raised(lambda: f(x, dim=1.0)) == ("TypeError", f"{words} 'dim' must be tuple of ints, not float")
    assert raised(lambda: f(x, None, 1.0)) == ("TypeError", f"{words} 'dim' (position 3) must be tuple of ints, not "
                                                            f"float")
    assert raised(lambda: f(x, norm=1)) == ("TypeError", f"{words} 'norm' must be str, not int")
    assert raised(lambda: f(x, None, (0, 1), 1)) == ("TypeError", f"{words} 'norm' (position 4) must be str, not int")
    if name.endswith("n"):          # one size, of the last dim (the 2-D forms' two dims want two)
        assert f(x, s=4).shape == f(x, s=(4,)).shape == f(x, s=np.int64(4)).shape == f(x, s=nn.tensor([4])).shape
    assert f(x, s=(4, True)).shape == f(x, s=(4, 1)).shape       # (a later element is read as an index)


def test_against_pytorch():
    torch = pytest.importorskip("torch")
    assert _warmup_run(nn, load_script(port(WARMUP))) == _warmup_run(torch, load_script(WARMUP))
    ours, lrs = _plateau_run(nn, load_script(port(WARMUP)))
    theirs, their_lrs = _plateau_run(torch, load_script(WARMUP))
    assert lrs == their_lrs
    assert list(ours.state_dict()) == list(theirs.state_dict())
    x = np.random.default_rng(1).normal(size=(2, 6))
    for name in ["fft", "ifft", "rfft", "irfft", "hfft", "ihfft"]:
        for args, kwargs in [((4.0,), {}), ((), {"n": True}), ((), {"dim": (1,)}), ((None, -1, 1), {}),
                             ((), {"norm": 1}), ((), {"dim": None}), ((), {"n": torch.tensor(4.0)})]:
            mine = tuple(nn.tensor(a.numpy()) if isinstance(a, torch.Tensor) else a for a in args)
            kw = {k: nn.tensor(v.numpy()) if isinstance(v, torch.Tensor) else v for k, v in kwargs.items()}
            assert raised(lambda: getattr(nn.fft, name)(nn.tensor(x), *mine, **kw)) == \
                raised(lambda: getattr(torch.fft, name)(torch.tensor(x), *args, **kwargs)), (name, args, kwargs)
        np.testing.assert_allclose(getattr(nn.fft, name)(nn.tensor(x), norm=b"forward").numpy(),
                                   getattr(torch.fft, name)(torch.tensor(x), norm=b"forward").resolve_conj().numpy(),
                                   rtol=1e-13)
    y = np.random.default_rng(2).normal(size=(3, 6, 4))
    for name in ["fft2", "irfft2", "fftn", "rfftn", "ihfftn"]:
        for args, kwargs in [((), {"s": 4.0}), (((4.0, 4),), {}), (((4, 2.0),), {}), ((), {"dim": 1.0}),
                             ((None, (0, 1), 1), {}), ((), {"s": 4}), ((), {"s": (4, True)}), ((), {"norm": b"ortho"})]:
            try:
                theirs = getattr(torch.fft, name)(torch.tensor(y), *args, **kwargs).resolve_conj().numpy()
            except (TypeError, RuntimeError) as error:
                assert raised(lambda: getattr(nn.fft, name)(nn.tensor(y), *args, **kwargs)) == (
                    type(error).__name__, str(error)), (name, args, kwargs)
            else:
                np.testing.assert_allclose(getattr(nn.fft, name)(nn.tensor(y), *args, **kwargs).numpy(), theirs,
                                           rtol=1e-12, atol=1e-13)

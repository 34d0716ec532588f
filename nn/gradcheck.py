"""Check an op's analytic gradient against finite differences.

    gradcheck(fn, inputs) -> True, or raises GradcheckError
    gradgradcheck(fn, inputs) -> the same for second derivatives (gradcheck of the first ones)

fn maps Tensors to a Tensor. To test every output at once, gradcheck turns it
into the scalar L = sum(fn(*inputs) * R) for a fixed random R, so that
dL/dx = backward of fn with the output gradient R. For each input that
requires grad and each of its elements x_k it compares that analytic dL/dx_k
with the central difference (L(x_k + eps) - L(x_k - eps)) / (2 eps), whose
error is O(eps^2): in float64 with eps = 1e-6 it matches to ~1e-8 on smooth
functions. Keep inputs away from kinks (relu at 0, ties in max-pool, |x| at 0),
where the two sides of the difference see different slopes.
fn must be deterministic (seed any dropout inside it).
"""
import numpy as np

from .tensor import Tensor, backpropagate, enable_grad

__all__ = ["gradcheck", "gradgradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """Analytic and numerical gradients disagree (or the check cannot run)."""


_ACCEPTED = ("nondet_tol", "check_undefined_grad", "check_grad_dtypes", "check_batched_grad",
             "check_batched_forward_grad", "check_forward_ad", "check_backward_ad", "fast_mode", "masked")


def _projection(rng, out):
    """A fixed random projection of an output: complex for a complex output (the real loss is Re(conj(R) out), whose
    output gradient is R in PyTorch's convention)."""
    if out.dtype == np.complex128:
        return rng.standard_normal(out.shape) + 1j * rng.standard_normal(out.shape)
    return rng.standard_normal(out.shape)


def gradcheck(fn, inputs, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, *, raise_exception=True, **options):
    """Compare backward() of fn with central differences, in float64.

    fn: callable(*Tensors) -> a Tensor or a tuple of Tensors.  inputs: a Tensor or a sequence of
    Tensors, all float64 (non-Tensor items are passed through unchanged).
    An element passes when |analytic - numerical| <= atol + rtol * |numerical|.
    Returns True; raises GradcheckError naming the input index, the worst
    element and both values (returns False instead with raise_exception=False, as PyTorch's).
    PyTorch's other options (fast_mode, check_undefined_grad, ...) are accepted: the check made is
    always this full one.
    """
    unknown = sorted(set(options) - set(_ACCEPTED))
    if unknown:
        raise TypeError(f"gradcheck: unexpected keyword argument(s) {', '.join(unknown)}")
    if not raise_exception:
        try:
            return gradcheck(fn, inputs, eps, atol, rtol, seed)
        except GradcheckError:
            return False
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    checked = []
    for i, t in enumerate(inputs):
        if isinstance(t, Tensor):
            if t.dtype != np.float64 and t.dtype != np.complex128:
                raise TypeError(f"gradcheck: input {i} is {t.dtype.name}; finite differences need float64 "
                                f"(or complex128) inputs (e.g. nn.tensor(arr, dtype=nn.float64, requires_grad=True))")
            if t.requires_grad:
                checked.append(i)
    if not checked:
        raise ValueError("gradcheck: no input has requires_grad=True, nothing to check")

    def outputs():
        out = fn(*inputs)
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        for o in outs:
            if not isinstance(o, Tensor):
                raise TypeError(f"gradcheck: fn must return a Tensor or a tuple of Tensors, got {type(o).__name__}")
            if o.dtype != np.float64 and o.dtype != np.complex128:
                raise TypeError(f"gradcheck: fn returned {o.dtype}; it must stay in float64 (or complex128)")
        return outs

    first = outputs()
    used = [k for k, o in enumerate(first) if o.requires_grad]       # the outputs that depend on the inputs
    if not used:
        raise GradcheckError("gradcheck: the output does not depend on any input that requires grad")
    outs = [first[k] for k in used]
    rng = np.random.default_rng(seed)
    Rs = [_projection(rng, o) for o in outs]                         # fixed random projections

    conjugates = [np.conj(R) if R.dtype.kind == "c" else R for R in Rs]

    def L():
        # in the caller's grad mode, as PyTorch's numerical Jacobian: fn may differentiate inside (xitorch's jac
        # LinearOperators call autograd.grad in their mv / rmv)
        again = outputs()
        return float(sum(np.sum(C * again[k]._data).real for k, C in zip(used, conjugates)))

    # analytic: backward with output gradient R (save and restore any existing .grad)
    saved = [inputs[i]._grad for i in checked]
    for i in checked:
        inputs[i]._grad = None
    backpropagate([(o, R.astype(o.dtype)) for o, R in zip(outs, Rs)])      # each output with its projection
    analytic = [inputs[i]._grad if inputs[i]._grad is not None else np.zeros(inputs[i].shape)
                for i in checked]
    for i, g in zip(checked, saved):
        inputs[i]._grad = g

    for i, ga in zip(checked, analytic):
        x = inputs[i]._data
        # element by element in place: through a flat view, or at each index of one of any strides (PyTorch's
        # gradcheck takes a non-contiguous input: xitorch's)
        target, places = (x.reshape(-1), range(x.size)) if x.flags.c_contiguous else (x, list(np.ndindex(*x.shape)))
        num = np.zeros(x.size, x.dtype)
        # a complex input: d/d re + i d/d im, PyTorch's convention for the gradient of a real loss
        for step in ((eps, 1j * eps) if x.dtype.kind == "c" else (eps,)):
            for k, at in enumerate(places):
                orig = target[at]
                target[at] = orig + step
                plus = L()
                target[at] = orig - step
                minus = L()
                target[at] = orig
                num[k] += (step / eps) * (plus - minus) / (2 * eps)
        ga = ga.reshape(-1)
        excess = np.abs(ga - num) - (atol + rtol * np.abs(num))
        k = int(np.argmax(excess))
        if excess[k] > 0 or not np.all(np.isfinite(ga)):
            if not np.all(np.isfinite(ga)):
                k = int(np.argmin(np.isfinite(ga)))
            idx = np.unravel_index(k, x.shape)
            raise GradcheckError(
                f"gradcheck: input {i}, element {tuple(int(j) for j in idx)}: analytic gradient "
                f"{ga[k]:.8g} vs numerical {num[k]:.8g} (|diff| {abs(ga[k] - num[k]):.3g} > "
                f"atol + rtol*|numerical| = {atol + rtol * abs(num[k]):.3g})")
    return True


def gradgradcheck(fn, inputs, grad_outputs=None, eps=1e-6, atol=1e-5, rtol=1e-3, seed=0, *, raise_exception=True,
                  **options):
    """Second derivatives, as torch.autograd.gradgradcheck: gradcheck of x -> d(sum(fn(x) * R))/dx, the first
    derivatives nn.autograd.grad(create_graph=True) gives (R: grad_outputs, or fixed random ones). Their
    backward runs every op's differentiable backward, which finite differences of the first derivatives check."""
    from .autograd import grad                  # nn.autograd imports this module
    inputs = (inputs,) if isinstance(inputs, Tensor) else tuple(inputs)
    wrt = [k for k, t in enumerate(inputs) if isinstance(t, Tensor) and t.requires_grad]
    with enable_grad():
        out = fn(*inputs)
    outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    if grad_outputs is None:
        rng = np.random.default_rng(seed + 1)
        grad_outputs = tuple(Tensor._wrap(_projection(rng, o)) for o in outs)
    grad_outputs = (grad_outputs,) if isinstance(grad_outputs, Tensor) else tuple(grad_outputs)

    def first_derivatives(*xs):
        with enable_grad():                     # (the caller may be under no_grad): these need the graph
            out = fn(*xs)
            outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
            gs = grad(outs, [xs[k] for k in wrt], grad_outputs, create_graph=True, allow_unused=True)
        return tuple(g if g is not None else Tensor._wrap(np.zeros(xs[k].shape)) for k, g in zip(wrt, gs))

    # create_graph computes the first derivatives by other code (each op's graph_backward) than backward():
    # they must agree before their own derivatives mean anything
    with enable_grad():
        out = fn(*inputs)
        outs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
        plain = grad(outs, [inputs[k] for k in wrt], grad_outputs, allow_unused=True)
    for k, g, p in zip(wrt, first_derivatives(*inputs), plain):
        p = np.zeros(inputs[k].shape) if p is None else p._data
        if not np.allclose(g._data, p, rtol=rtol, atol=atol):
            if not raise_exception:
                return False
            raise GradcheckError(f"gradgradcheck: input {k}: the first derivative with create_graph=True differs "
                                 f"from backward()'s by up to {np.abs(g._data - p).max():.3g}")
    return gradcheck(first_derivatives, inputs, eps, atol, rtol, seed, raise_exception=raise_exception, **options)

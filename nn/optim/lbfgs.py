"""L-BFGS, as torch.optim.LBFGS: step(closure) runs up to max_iter quasi-Newton iterations, re-evaluating the loss
through closure() after each.

Each iteration's direction is -H g, H the inverse Hessian estimated from the last history_size pairs
(s = step taken, y = change of gradient) by the two-loop recursion (Nocedal & Wright, Algorithm 7.4), scaled by
s.y / y.y; the step is lr along it (the very first one min(1, 1 / |g|_1) * lr), or, with
line_search_fn="strong_wolfe", the step a line search from there finds satisfying the strong Wolfe conditions
(c1 = 1e-4, c2 = 0.9: bracketing, then zooming in by cubic interpolation; Nocedal & Wright, Algorithms 3.5 and
3.6, as PyTorch's port of minFunc). The stopping tests and their order are PyTorch's, so a float64 run follows
it to rounding. Flat NumPy vectors over all the parameters.
"""
import collections

import numpy as np

from ..grad_mode import enable_grad
from ..tensor import Tensor
from .optimizer import Optimizer, _array, _copied, _hyper, _lr, _python


_Point = collections.namedtuple("_Point", "t f g slope")     # a trial step: loss, gradient, slope g.d there


def _cubic_min(a, b, lo=None, hi=None):
    """The minimiser of the cubic through two _Points a, b (their losses and slopes), clamped to [lo, hi] (by
    default the interval between them); the middle of [lo, hi] when the cubic has no minimum (Nocedal & Wright,
    eq. 3.59)."""
    if lo is None:
        lo, hi = min(a.t, b.t), max(a.t, b.t)
    d1 = a.slope + b.slope - 3 * (a.f - b.f) / (a.t - b.t)
    disc = d1 ** 2 - a.slope * b.slope
    if not disc >= 0:               # also NaN (a NaN loss or slope): the middle, as PyTorch's `if d2_square >= 0`
        return (lo + hi) / 2.0
    d2 = disc.sqrt() if isinstance(disc, Tensor) else np.sqrt(disc)      # (Tensors: _cubic_interpolate's)
    near, far = (a, b) if a.t <= b.t else (b, a)        # the formula steps back from the right end
    t = far.t - (far.t - near.t) * ((far.slope + d2 - d1) / (far.slope - near.slope + 2 * d2))
    return min(max(t, lo), hi)


def _wolfe_search(evaluate, t, d, start, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step along d meeting the strong Wolfe conditions, f(t) <= f(0) + c1 t f'(0) (enough decrease) and
    |f'(t)| <= c2 |f'(0)| (flat enough), f' the slope along d, from the first guess t and the _Point start (t = 0):
    first widen the step until an interval is known to hold such a point, then shrink that interval by cubic
    interpolation (Nocedal & Wright, Algorithms 3.5 and 3.6, with minFunc's safeguards, which PyTorch follows),
    in at most max_ls evaluations of evaluate(t) -> (loss, gradient). Returns (the chosen _Point, evaluations)."""
    def at(t):
        f, g = evaluate(t)
        return _Point(t, f, g, g @ d)

    def too_high(p, than):                  # not enough decrease, or higher than another point
        return p.f > start.f + c1 * p.t * start.slope or p.f >= than

    flat_enough = lambda p: abs(p.slope) <= -c2 * start.slope   # noqa: E731
    prev, cur, evals, tries = start, at(t), 1, 0
    while tries < max_ls:                   # widen: until [prev, cur] brackets a point meeting both conditions
        if too_high(cur, prev.f if tries > 1 else np.inf):
            bracket = [prev, cur]
            break
        if flat_enough(cur):
            return cur, evals
        if cur.slope >= 0:                  # rising again: the minimum lies between
            bracket = [prev, cur]
            break
        t = _cubic_min(prev, cur, cur.t + 0.01 * (cur.t - prev.t), cur.t * 10)       # extrapolate
        prev, cur, evals, tries = cur, at(t), evals + 1, tries + 1
    else:
        bracket = [start, cur]
    low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
    d_max, stalled = abs(d).max(), False
    while tries < max_ls:                   # shrink the bracket around the lower end
        left, right = min(p.t for p in bracket), max(p.t for p in bracket)
        if (right - left) * d_max < tolerance_change:
            break
        t = _cubic_min(bracket[0], bracket[1])
        margin = 0.1 * (right - left)
        if min(right - t, t - left) < margin:    # too close to an end: step away from it, at the second time
            if stalled or t >= right or t <= left:
                t = right - margin if abs(t - right) < abs(t - left) else left + margin
                stalled = False
            else:
                stalled = True
        else:
            stalled = False
        p, evals, tries = at(t), evals + 1, tries + 1
        if too_high(p, bracket[low].f):
            bracket[high] = p
            low, high = (0, 1) if bracket[0].f <= bracket[1].f else (1, 0)
        else:
            if flat_enough(p):
                bracket[low] = p
                return p, evals
            if p.slope * (bracket[high].t - bracket[low].t) >= 0:
                bracket[high] = bracket[low]
            bracket[low] = p
    return bracket[low], evals


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """PyTorch's torch.optim.lbfgs helper (imported by pytorch-minimize): the minimiser of the cubic through
    (x1, f1, slope g1) and (x2, f2, slope g2), clamped to bounds = (lo, hi) (by default [x1, x2] ordered)."""
    lo, hi = bounds if bounds is not None else (min(x1, x2), max(x1, x2))
    return _cubic_min(_Point(x1, f1, None, g1), _Point(x2, f2, None, g2), lo, hi)


def _strong_wolfe(obj_func, x, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """PyTorch's torch.optim.lbfgs._strong_wolfe on Tensors (imported by pytorch-minimize): obj_func(x, t, d) ->
    (loss, gradient Tensor) at x + t d; from the loss f, gradient g and slope gtd at t = 0 ->
    (loss, gradient, t, evaluations) at the step found by _wolfe_search."""
    point, evals = _wolfe_search(lambda t: obj_func(x, t, d), t, d, _Point(0, f, g, gtd), c1, c2, tolerance_change,
                                 max_ls)
    return point.f, point.g, point.t, evals


class LBFGS(Optimizer):
    """L-BFGS over every parameter (one param group, as PyTorch). step(closure): closure() clears the
    gradients, computes the loss, calls backward() and returns the loss; step returns the first loss."""

    def __init__(self, params, lr=1, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    def _validate(self, group):
        # PyTorch checks lr only (its words); the rest are used as given
        group["lr"] = _lr(group["lr"], lambda v: 0.0 <= v)
        for name in ("tolerance_grad", "tolerance_change", "max_iter", "max_eval", "history_size"):
            group[name] = _hyper(group[name])

    @property
    def _all_params(self):
        return self.param_groups[0]["params"]

    def _flat_grad(self):
        return np.concatenate([np.zeros(p._data.size, p._data.dtype) if p._grad is None else np.ravel(p._grad)
                               for p in self._all_params])

    def _add(self, t, d):
        """Every parameter += t * its slice of d."""
        start = 0
        for p in self._all_params:
            p._data += (t * d[start:start + p._data.size]).reshape(p._data.shape).astype(p._data.dtype, copy=False)
            start += p._data.size

    def _directional_evaluate(self, closure, x0, t, d):
        """(loss, flat gradient) at the parameters x0 + t * d; the parameters are x0 again afterwards."""
        self._add(t, d)
        loss = float(closure())
        g = self._flat_grad()
        for p, x in zip(self._all_params, x0):
            p._data[...] = x
        return loss, g

    def step(self, closure):
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        closure = enable_grad()(closure)                        # as PyTorch: even when called under no_grad
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change, history = group["tolerance_grad"], group["tolerance_change"], group["history_size"]
        state = self.state.setdefault(self._all_params[0], {"func_evals": 0, "n_iter": 0})
        orig_loss = closure()
        loss = float(orig_loss)
        evals = 1
        state["func_evals"] += 1
        g = self._flat_grad()
        if np.abs(g).max() <= tol_grad:
            return orig_loss
        d, t, H_diag, prev_g = state.get("d"), state.get("t"), state.get("H_diag"), state.get("prev_flat_grad")
        # the history as lists (a state_dict of earlier versions held them as stacked arrays)
        old_dirs, old_stps, ro = (None if state.get(k) is None else list(state[k]) for k in ("old_dirs", "old_stps", "ro"))
        # PyTorch's state also keeps the last loss and the two-loop coefficients (history_size slots, None until
        # used), which a state_dict carries; this step recomputes them
        prev_loss, al_kept = state.get("prev_loss"), state.get("al")
        al_kept = [None] * history if al_kept is None else list(al_kept)
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:
                d, old_dirs, old_stps, ro, H_diag = -g, [], [], [], 1.0
            else:
                y, s = g - prev_g, d * t                        # change of gradient, step taken
                ys = y @ s
                if ys > 1e-10:                                  # keep the pair only where curvature is positive
                    if len(old_dirs) == history:
                        old_dirs.pop(0), old_stps.pop(0), ro.pop(0)
                    old_dirs.append(y), old_stps.append(s), ro.append(1.0 / ys)
                    H_diag = ys / (y @ y)
                # two-loop recursion: q = -g through the stored pairs, newest first, then back
                q, al = -g, [0.0] * len(old_dirs)
                for i in range(len(old_dirs) - 1, -1, -1):
                    al[i] = (old_stps[i] @ q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                d = q * H_diag
                for i in range(len(old_dirs)):
                    d = d + (al[i] - (old_dirs[i] @ d) * ro[i]) * old_stps[i]
                al_kept[:len(al)] = al
            prev_g, prev_loss = g.copy(), loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g @ d
            if gtd > -tol_change:                               # not a descent direction
                break
            if group.get("line_search_fn") is not None:
                if group["line_search_fn"] != "strong_wolfe":       # (checked here, where PyTorch checks it)
                    raise RuntimeError("only 'strong_wolfe' is supported")
                x0 = [p._data.copy() for p in self._all_params]
                found, ls_evals = _wolfe_search(lambda t_: self._directional_evaluate(closure, x0, t_, d), t, d,
                                                _Point(0, loss, g, gtd), max_ls=max_eval - evals)
                loss, g, t = found.f, found.g, found.t
                self._add(t, d)
                evals += ls_evals
                state["func_evals"] += ls_evals
            else:
                self._add(t, d)
                if n_iter != max_iter:
                    loss = float(closure())
                    g = self._flat_grad()
                    evals += 1
                    state["func_evals"] += 1
            if n_iter == max_iter or evals >= max_eval or np.abs(g).max() <= tol_grad \
                    or np.abs(d * t).max() <= tol_change or abs(loss - prev_loss) < tol_change:
                break
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag, prev_flat_grad=prev_g,
                     prev_loss=prev_loss, al=al_kept)
        return orig_loss

    def _restored(self, p, i, entries):
        """L-BFGS's own state (its step direction and size, the history of pairs, the counters), held by the first
        parameter and not shaped like it: flat vectors over all the parameters."""
        size = sum(q._data.size for q in self._all_params)
        restored = {}
        for name, value in entries.items():
            value = _array(value)
            if isinstance(value, (list, tuple)):        # the history (PyTorch's: lists of Tensors) as arrays too
                value = [_array(v) for v in value]
            if name in ("func_evals", "n_iter"):
                restored[name] = int(_python(value))
                continue
            if name in ("d", "prev_flat_grad") and value is not None and np.size(value) != size:
                raise ValueError(f"LBFGS.load_state_dict: {name} holds {np.size(value)} values, the parameters {size}")
            restored[name] = _copied(value)
        return restored

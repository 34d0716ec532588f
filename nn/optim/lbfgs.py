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
import numpy as np

from ..grad_mode import enable_grad
from .optimizer import Optimizer, _array, _copied, _number, _python


def _cubic_interpolate(x1, f1, g1, x2, f2, g2, bounds=None):
    """The minimiser, clamped to bounds (x1, x2 by default), of the cubic through (x, f) with slopes g at x1, x2;
    the middle of the bounds if the cubic has no minimum."""
    xmin_bound, xmax_bound = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square < 0:
        return (xmin_bound + xmax_bound) / 2.0
    d2 = np.sqrt(d2_square)
    if x1 <= x2:
        min_pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
    else:
        min_pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
    return min(max(min_pos, xmin_bound), xmax_bound)


def _strong_wolfe(obj_func, t, d, f, g, gtd, c1=1e-4, c2=0.9, tolerance_change=1e-9, max_ls=25):
    """A step t along d meeting the strong Wolfe conditions f(t) <= f + c1 t g.d and |g(t).d| <= -c2 g.d, from the
    first guess t: bracket it, then zoom in by cubic interpolation, as PyTorch's _strong_wolfe (minFunc's), in
    at most max_ls evaluations of obj_func(t) -> (loss, gradient). Returns (loss, gradient, t, evaluations)."""
    d_norm = np.abs(d).max()
    f_new, g_new = obj_func(t)
    ls_func_evals, ls_iter, done = 1, 0, False
    gtd_new = g_new @ d
    t_prev, f_prev, g_prev, gtd_prev = 0, f, g, gtd
    while ls_iter < max_ls:                     # bracketing: an interval holding a point that meets the conditions
        if f_new > (f + c1 * t * gtd) or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10        # extrapolate
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = g_new @ d
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0, t], [f, f_new], [g, g_new]
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:        # zoom: shrink the bracket
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:           # too close to an end: move away from it
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj_func(t)
        ls_func_evals += 1
        gtd_new = g_new @ d
        ls_iter += 1
        if f_new > (f + c1 * t * gtd) or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos], bracket_gtd[high_pos] = bracket_g[low_pos], bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos], bracket_g[low_pos], bracket_gtd[low_pos] = t, f_new, g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], ls_func_evals


class LBFGS(Optimizer):
    """L-BFGS over every parameter (one param group, as PyTorch). step(closure): closure() clears the
    gradients, computes the loss, calls backward() and returns the loss; step returns the first loss."""

    def __init__(self, params, lr=1.0, max_iter=20, max_eval=None, tolerance_grad=1e-7, tolerance_change=1e-9,
                 history_size=100, line_search_fn=None):
        if line_search_fn not in (None, "strong_wolfe"):
            raise RuntimeError("only 'strong_wolfe' is supported")
        max_eval = max_iter * 5 // 4 if max_eval is None else max_eval
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change, history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")

    def _validate(self, group):
        group["lr"] = _number("learning rate (lr)", group["lr"], low=0.0)
        group["tolerance_grad"] = _number("tolerance_grad", group["tolerance_grad"], low=0.0)
        group["tolerance_change"] = _number("tolerance_change", group["tolerance_change"], low=0.0)
        for name in ("max_iter", "max_eval", "history_size"):
            if int(group[name]) < 1:
                raise ValueError(f"LBFGS: {name} must be at least 1, got {group[name]}")
            group[name] = int(group[name])

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
        state = self.state.setdefault(id(self._all_params[0]), {"func_evals": 0, "n_iter": 0})
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
            prev_g, prev_loss = g.copy(), loss
            t = min(1.0, 1.0 / np.abs(g).sum()) * lr if state["n_iter"] == 1 else lr
            gtd = g @ d
            if gtd > -tol_change:                               # not a descent direction
                break
            if group.get("line_search_fn") == "strong_wolfe":
                x0 = [p._data.copy() for p in self._all_params]
                loss, g, t, ls_evals = _strong_wolfe(lambda t_: self._directional_evaluate(closure, x0, t_, d),
                                                     t, d, loss, g, gtd, max_ls=max_eval - evals)
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
        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=H_diag, prev_flat_grad=prev_g)
        return orig_loss

    def _restored(self, p, i, entries):
        """L-BFGS's own state (its step direction and size, the history of pairs, the counters), held by the first
        parameter and not shaped like it: flat vectors over all the parameters."""
        size = sum(q._data.size for q in self._all_params)
        restored = {}
        for name, value in entries.items():
            value = _array(value)
            if name in ("func_evals", "n_iter"):
                restored[name] = int(_python(value))
                continue
            if name in ("d", "prev_flat_grad") and value is not None and np.size(value) != size:
                raise ValueError(f"LBFGS.load_state_dict: {name} holds {np.size(value)} values, the parameters {size}")
            restored[name] = _copied(value)
        return restored

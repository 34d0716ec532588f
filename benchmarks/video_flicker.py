"""Flicker of colorized video: mean |delta ab| between consecutive frames of a static scene, with and without
temporal smoothing (`colorize predict clip.mp4 --smooth A`).

The clip is a still picture with film-grain noise (Gaussian, --noise levels of 8 bits) and optionally a camera
shake of up to --jitter pixels on every frame, so every change of colour between frames is flicker. Two
numbers per smoothing value:
    predicted  mean |ab_t - ab_(t-1)| of the colour the model hands on (after the smoother: the weighted sum of its
               predictions at the working sizes, and of a blend's members, at the first one's size)
    output     the same on the written 8-bit frames converted back to Lab (what a viewer sees; includes the
               8-bit rounding and the grain's own colour, which no smoothing of ab removes)

    python benchmarks/video_flicker.py                        # a synthetic beach, the shipped model
    python benchmarks/video_flicker.py --photo some.jpg --weights RUN/model.npz --frames 48
"""
import argparse
import os
import sys

import cv2
import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))   # run from a checkout

from colorize.checkpoint import load_weights  # noqa: E402
from colorize.images import read_image  # noqa: E402
from colorize.predict import _predicted_small, _sizes, colorize_pixels, resolve_weights, working_sizes  # noqa: E402
from colorize.synthetic import make_scene  # noqa: E402
from colorize.video import AbSmoother, flicker  # noqa: E402


class Recording(AbSmoother):
    """An AbSmoother that keeps what it hands on each frame, summed by weights at the first item's size."""

    def __init__(self, alpha, weights):
        super().__init__(alpha)
        self.weights, self.seen = weights, []

    def __call__(self, L_small, abs_small):
        out = super().__call__(L_small, abs_small)
        h, w = out[0].shape[:2]
        self.seen.append(sum(wt * cv2.resize(ab, (w, h), interpolation=cv2.INTER_LINEAR)
                             for wt, ab in zip(self.weights, out)))
        return out


def static_clip(base_bgr, frames, noise, jitter, seed=0):
    rng = np.random.default_rng(seed)
    out = []
    for _ in range(frames):
        f = base_bgr.astype(np.float32)
        if jitter:
            dy, dx = rng.integers(-jitter, jitter + 1, size=2)
            f = np.roll(f, (int(dy), int(dx)), axis=(0, 1))
        out.append(np.clip(f + rng.normal(0, noise, f.shape), 0, 255).astype(np.uint8))
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--photo", help="a still photo for the clip (default: a synthetic beach scene)")
    p.add_argument("--weights", help="model.npz (default: the shipped model)")
    p.add_argument("--size", type=int, nargs=2, default=(270, 480), metavar=("H", "W"), help="frame size")
    p.add_argument("--frames", type=int, default=32)
    p.add_argument("--noise", type=float, default=6.0, help="grain: standard deviation in 8-bit levels")
    p.add_argument("--jitter", type=int, default=0, help="camera shake: up to this many pixels each frame")
    p.add_argument("--smooth", type=float, nargs="+", default=(0.0, 0.5, 0.7, 0.9))
    a = p.parse_args()
    H, W = a.size
    if a.photo:
        base = cv2.resize(read_image(a.photo)[..., :3], (W, H), interpolation=cv2.INTER_AREA)
    else:
        base = (make_scene("beach", (H, W), rng=3)[:, :, ::-1] * 255).astype(np.uint8)
    model, meta = load_weights(resolve_weights(a.weights))
    size = working_sizes(meta)
    clip = static_clip(base, a.frames, a.noise, a.jitter)
    print(f"{a.frames} frames of {W}x{H}, grain {a.noise:g} levels, jitter {a.jitter} px; model {meta.get('title')} "
          f"at working size {size}")
    weights = [w for w, _, _ in _predicted_small(model, clip[0], _sizes(size))]   # fixed per model
    print(f"{'--smooth':>9} {'predicted |dab|':>16} {'output |dab|':>13}")
    for alpha in a.smooth:
        rec = Recording(alpha, weights)
        outs = [colorize_pixels(model, f, size, rec) for f in clip]
        ab_out = [cv2.cvtColor(o.astype(np.float32) / 255, cv2.COLOR_BGR2Lab)[..., 1:] for o in outs]
        skip = 4                                              # let the average settle
        print(f"{alpha:>9g} {flicker(rec.seen[skip:]):>16.3f} {flicker(ab_out[skip:]):>13.3f}")


if __name__ == "__main__":
    main()

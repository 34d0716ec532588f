"""Random geometric augmentation driven by a numpy Generator (same seed -> same images).

API
    Augment(flip=True, max_rotation=0.0, max_shear=0.0, crop=True)
        aug(image, rng, out_hw) -> image (out_h, out_w, C) float32
        One call: random crop of out_hw (when the image is larger and crop=True; otherwise a resize),
        horizontal flip with probability 1/2, then rotation by U(-max_rotation, max_rotation) degrees and
        shear U(-max_shear, max_shear) (x += shear * y) about the centre, with reflected borders
        (cv2.warpAffine, BORDER_REFLECT_101). Works on any channels-last image (RGB or Lab).
        Every call draws the same number of random numbers whatever the options, so changing one option does
        not reshuffle the others.
    random_crop(image, out_hw, rng) -> (out_h, out_w, C)
    hflip(image) -> image[:, ::-1]
    affine(image, angle_deg, shear) -> warped image (same shape)
    apply_batch(images, rng, out_hw, augment) -> (B, out_h, out_w, C): augment a list or array of images
"""

import math

import cv2
import numpy as np

from .errors import ColorizeError


def hflip(image):
    """Mirror left-right."""
    return np.ascontiguousarray(image[:, ::-1])


def random_crop(image, out_hw, rng):
    """A random (out_h, out_w) window of image (which must be at least that large)."""
    h, w = image.shape[:2]
    oh, ow = out_hw
    if h < oh or w < ow:
        raise ColorizeError(f"cannot crop {oh}x{ow} from a {h}x{w} image; use a smaller working size")
    y0 = int(rng.integers(0, h - oh + 1))
    x0 = int(rng.integers(0, w - ow + 1))
    return image[y0:y0 + oh, x0:x0 + ow]


def affine(image, angle_deg, shear):
    """Rotate by angle_deg (counter-clockwise) and shear (x' = x + shear * y) about the image centre."""
    if angle_deg == 0 and shear == 0:
        return image
    h, w = image.shape[:2]
    cx, cy = (w - 1) / 2.0, (h - 1) / 2.0
    a = math.radians(angle_deg)
    c, s = math.cos(a), math.sin(a)
    # A = R @ S maps source to destination pixels (x right, y down), S = [[1, shear], [0, 1]]; R turns
    # counter-clockwise on screen for a positive angle (as cv2.getRotationMatrix2D); t keeps the centre fixed.
    A = np.array([[c, s], [-s, c]]) @ np.array([[1.0, shear], [0.0, 1.0]])
    t = np.array([cx, cy]) - A @ np.array([cx, cy])
    M = np.hstack([A, t[:, None]]).astype(np.float64)
    out = cv2.warpAffine(np.ascontiguousarray(image), M, (w, h), flags=cv2.INTER_LINEAR,
                         borderMode=cv2.BORDER_REFLECT_101)
    return out.reshape(image.shape)      # warpAffine drops a trailing 1-channel axis


def _resize_to(image, out_hw):
    oh, ow = out_hw
    if image.shape[:2] == (oh, ow):
        return image
    shrink = image.shape[0] >= oh and image.shape[1] >= ow
    out = cv2.resize(np.ascontiguousarray(image), (ow, oh),
                     interpolation=cv2.INTER_AREA if shrink else cv2.INTER_LINEAR)
    return out.reshape((oh, ow) + image.shape[2:])


class Augment:
    """Random crop + flip + rotation + shear; see the module docstring."""

    def __init__(self, flip=True, max_rotation=0.0, max_shear=0.0, crop=True):
        if max_rotation < 0 or max_rotation > 180:
            raise ColorizeError(f"max_rotation must be in [0, 180] degrees, got {max_rotation}")
        if max_shear < 0 or max_shear > 1:
            raise ColorizeError(f"max_shear must be in [0, 1], got {max_shear}")
        self.flip = bool(flip)
        self.max_rotation = float(max_rotation)
        self.max_shear = float(max_shear)
        self.crop = bool(crop)

    def __call__(self, image, rng, out_hw):
        out_hw = (int(out_hw[0]), int(out_hw[1]))
        # Draw every random number up front so the stream does not depend on the options.
        fy, fx, flip_u, rot_u, shear_u = rng.random(5)
        angle = (2.0 * rot_u - 1.0) * self.max_rotation
        shear = (2.0 * shear_u - 1.0) * self.max_shear
        h, w = image.shape[:2]
        if self.crop and h >= out_hw[0] and w >= out_hw[1]:
            y0 = min(int(fy * (h - out_hw[0] + 1)), h - out_hw[0])
            x0 = min(int(fx * (w - out_hw[1] + 1)), w - out_hw[1])
            image = image[y0:y0 + out_hw[0], x0:x0 + out_hw[1]]
        else:
            image = _resize_to(image, out_hw)
        if self.flip and flip_u < 0.5:
            image = hflip(image)
        image = affine(image, angle, shear)
        return np.ascontiguousarray(image, dtype=np.float32)

    def __repr__(self):
        return (f"Augment(flip={self.flip}, max_rotation={self.max_rotation}, "
                f"max_shear={self.max_shear}, crop={self.crop})")


def apply_batch(images, rng, out_hw, augment):
    """Augment each image of a list/array -> (B, out_h, out_w, C) float32."""
    return np.stack([augment(img, rng, out_hw) for img in images])

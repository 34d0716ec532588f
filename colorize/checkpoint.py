"""Weights files and training checkpoints: one .npz each, written atomically with nn.save.

A weights file (RUN/model.npz) is all ``predict`` needs:
    <state_dict keys>        the model's arrays under PyTorch's key names (``fc1.weight``...), so
                             ``np.load`` + ``torch_model.load_state_dict`` works after converting to tensors
    __colorize__             a 0-d string array holding JSON:
                             {"format": "colorize", "kind": "weights", "version": 1,
                              "config": <model config for colorize.models.build_model>,
                              "meta": {"size": working size, "mean_ab": [a, b], "classes": [...], ...}}

A checkpoint (RUN/checkpoint.npz) adds everything needed to resume training deterministically:
    model.<key>              model state_dict
    optim.<path>, sched.<path>   arrays found inside the optimizer / scheduler state dicts
    __colorize__             JSON as above with "kind": "checkpoint" and
                             "state": {"epoch", "history", "rng", "optimizer", "scheduler", "train", ...}
                             (array leaves of the optimizer/scheduler states are replaced by
                             {"__array__": key} references to the optim./sched. members).

API
    save_weights(path, model, meta=None)
    load_weights(path) -> (model, meta)              rebuilds the model from the file's config
    save_checkpoint(path, model, state, arrays=None)  state: JSON-able dict that may hold ndarrays anywhere
    load_checkpoint(path) -> (model, state)         ndarrays restored in place of their references
    read_header(path) -> dict                       the JSON header (format, kind, config, meta...)
Every problem with a file (missing, truncated, not ours, another model, newer version) raises ColorizeError
naming the file and what to do.
"""
import json
import os

import numpy as np

import nn

from .errors import ColorizeError, check_file, write_error

FORMAT = "colorize"
VERSION = 1
HEADER_KEY = "__colorize__"


def _to_json_safe(obj, arrays, prefix):
    """Copy obj replacing ndarrays by {"__array__": key} (stored in ``arrays``) and numpy scalars by Python ones."""
    if isinstance(obj, np.ndarray):
        key = prefix
        arrays[key] = obj
        return {"__array__": key}
    if isinstance(obj, dict):
        out = {}
        for k, v in obj.items():
            # JSON keys must be strings; remember int keys (PyTorch-style optimizer state uses them).
            sk = f"__int__{k}" if isinstance(k, (int, np.integer)) and not isinstance(k, bool) else str(k)
            out[sk] = _to_json_safe(v, arrays, f"{prefix}.{sk}")
        return out
    if isinstance(obj, (list, tuple)):
        return [_to_json_safe(v, arrays, f"{prefix}.{i}") for i, v in enumerate(obj)]
    if isinstance(obj, np.generic):
        return obj.item()
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    data = getattr(obj, "data", None)          # a Tensor: store its array
    if isinstance(data, np.ndarray):
        return _to_json_safe(data, arrays, prefix)
    raise TypeError(f"cannot store {type(obj).__name__} at {prefix} in a checkpoint")


def _from_json_safe(obj, arrays):
    if isinstance(obj, dict):
        if set(obj) == {"__array__"}:
            return arrays[obj["__array__"]]
        out = {}
        for k, v in obj.items():
            key = int(k[len("__int__"):]) if k.startswith("__int__") else k
            out[key] = _from_json_safe(v, arrays)
        return out
    if isinstance(obj, list):
        return [_from_json_safe(v, arrays) for v in obj]
    return obj


def _write(path, arrays, header):
    path = os.fspath(path)
    arrays = dict(arrays)
    arrays[HEADER_KEY] = np.array(json.dumps(header))
    try:
        nn.save(arrays, path)
    except OSError as e:
        raise write_error(path, e) from e


def _read(path, what="weights file"):
    path = os.fspath(path)
    check_file(path, what, "pass the model.npz written by `colorize train`", "pass the model.npz file inside it",
               "train again or copy the file again")
    try:
        arrays = nn.load(path)
    except (ValueError, OSError) as e:
        raise ColorizeError(f"{what} {path} is truncated or not an .npz archive; "
                            f"train again or copy the file again") from e
    if HEADER_KEY not in arrays:
        raise ColorizeError(f"{path} is not a colorize {what} (no model configuration inside); "
                            f"pass the model.npz written by `colorize train`")
    try:
        header = json.loads(str(arrays.pop(HEADER_KEY)))
    except ValueError as e:
        raise ColorizeError(f"{what} {path} has a corrupt header; train again") from e
    if not isinstance(header, dict) or header.get("format") != FORMAT or "config" not in header:
        raise ColorizeError(f"{path} is not a colorize {what}; pass the model.npz written by `colorize train`")
    if int(header.get("version", 0)) > VERSION:
        raise ColorizeError(f"{what} {path} was written by a newer colorize (format version "
                            f"{header.get('version')}); upgrade colorize to read it")
    return arrays, header


def read_header(path):
    """The JSON header of a weights file or checkpoint (ColorizeError if the file is not ours)."""
    return _read(path)[1]


def _build_and_load(path, header, state):
    from .models import build_model, model_names
    config = header["config"]
    name = config.get("model") if isinstance(config, dict) else None
    if name not in model_names():
        raise ColorizeError(f"{path} holds a {name!r} model, which this version of colorize does not have "
                            f"(available: {', '.join(model_names())}); upgrade colorize or use another file")
    model = build_model(config)
    try:
        model.load_state_dict(state, strict=True)
    except (KeyError, ValueError, RuntimeError) as e:
        raise ColorizeError(f"the arrays in {path} do not fit its {name!r} model configuration "
                            f"({str(e).splitlines()[0]}); the file was edited or belongs to another model") from e
    model.eval()
    return model


def save_weights(path, model, meta=None):
    """Write model.state_dict() + model.config (+ meta) to path atomically."""
    header = {"format": FORMAT, "kind": "weights", "version": VERSION,
              "config": model.config, "meta": _to_json_safe(meta or {}, {}, "meta")}
    _write(path, model.state_dict(), header)


def load_weights(path):
    """-> (model in eval mode, meta dict). Also accepts a checkpoint (its model part)."""
    arrays, header = _read(path)
    if header.get("kind") == "checkpoint":
        arrays = {k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")}
    model = _build_and_load(path, header, arrays)
    return model, header.get("meta", {})


def save_checkpoint(path, model, state, meta=None):
    """Write model state + a training state (JSON-able, may hold ndarrays anywhere) atomically."""
    arrays = {"model." + k: v for k, v in model.state_dict().items()}
    extra = {}
    safe = _to_json_safe(state, extra, "state")
    arrays.update(extra)
    header = {"format": FORMAT, "kind": "checkpoint", "version": VERSION,
              "config": model.config, "meta": _to_json_safe(meta or {}, {}, "meta"), "state": safe}
    _write(path, arrays, header)


def load_checkpoint(path):
    """-> (model, state, meta) from a checkpoint written by save_checkpoint."""
    arrays, header = _read(path, what="checkpoint")
    if header.get("kind") != "checkpoint":
        raise ColorizeError(f"{path} is a weights file, not a training checkpoint; "
                            f"resume needs RUN/checkpoint.npz (start a new run instead)")
    model_arrays = {k[len("model."):]: v for k, v in arrays.items() if k.startswith("model.")}
    model = _build_and_load(path, header, model_arrays)
    model.train()
    try:
        state = _from_json_safe(header["state"], arrays)
    except KeyError as e:
        raise ColorizeError(f"checkpoint {path} is incomplete (missing {e}); start a new run") from e
    return model, state, header.get("meta", {})

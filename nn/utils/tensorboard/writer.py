"""torch.utils.tensorboard.SummaryWriter on nn: training scripts log scalars, histograms, images and text into
TensorBoard event files (nn/utils/tensorboard/event_file.py writes them; TensorBoard itself is needed only to view
them, not to write them).

    writer = SummaryWriter()                      # runs/<Mon DD_HH-MM-SS>_<host><comment>, as PyTorch's
    writer.add_scalar("loss/train", loss.item(), step)
    writer.add_scalars("loss", {"train": a, "val": b}, step)   # one run per key: runs/.../loss_train, loss_val
    writer.add_histogram("fc.weight", model.fc.weight, step)   # TensorBoard's default buckets, as PyTorch's
    writer.add_image("sample", img_chw, step)     # float in [0, 1] or uint8; dataformats 'CHW', 'HWC', 'HW'
    writer.add_images("batch", imgs_nchw, step)   # a grid of up to 8 columns, as PyTorch's
    writer.add_text("notes", "text", step); writer.add_figure("plot", matplotlib_figure, step)
    writer.close()                                # or `with SummaryWriter() as writer:`

add_hparams writes TensorBoard's hparams plugin records (summary.py) and the metrics as scalars in a run of their
own; add_graph records nothing (nn has no traced graph to draw); add_embedding,
add_pr_curve, add_audio, add_video and add_mesh raise NotImplementedError.
"""
import io
import math
import os
import socket
import time
from datetime import datetime

import numpy as np

from . import event_file as ef
from .summary import hparams


def _array(value):
    """A Tensor (its values, outside any graph), NumPy array or number as a NumPy array."""
    return np.asarray(getattr(value, "_data", value))


def _default_bins():
    """TensorBoard's default histogram bucket limits: +-1e-12 growing by 1.1 up to 1e20, and 0."""
    positive = [1e-12]
    while positive[-1] * 1.1 < 1e20:
        positive.append(positive[-1] * 1.1)
    return [-v for v in reversed(positive)] + [0] + positive


class SummaryWriter:
    def __init__(self, log_dir=None, comment="", purge_step=None, max_queue=10, flush_secs=120,
                 filename_suffix=""):
        if not log_dir:
            log_dir = os.path.join("runs", datetime.now().strftime("%b%d_%H-%M-%S") + "_" + socket.gethostname()
                                   + comment)
        self.log_dir = str(log_dir)
        self.purge_step, self.max_queue, self.flush_secs = purge_step, max_queue, flush_secs
        self.filename_suffix = filename_suffix
        self.default_bins = _default_bins()
        self.file_writer = ef.EventFileWriter(self.log_dir, filename_suffix)
        self.all_writers = {self.log_dir: self.file_writer}

    def get_logdir(self):
        return self.log_dir

    def _write(self, value, step, walltime, writer=None):
        walltime = time.time() if walltime is None else walltime
        (writer or self.file_writer).add_event(ef.event(walltime, step, ef.summary(value)))

    def add_scalar(self, tag, scalar_value, global_step=None, walltime=None, new_style=False,
                   double_precision=False):
        self._write(ef.scalar_value(tag, float(_array(scalar_value))), global_step, walltime)

    def add_scalars(self, main_tag, tag_scalar_dict, global_step=None, walltime=None):
        """Each key's value in a run of its own, log_dir/<main_tag ('/' as '_')>_<key>, under main_tag."""
        for key, value in tag_scalar_dict.items():
            path = os.path.join(self.log_dir, main_tag.replace("/", "_") + "_" + key)
            writer = self.all_writers.get(path)
            if writer is None:
                writer = self.all_writers[path] = ef.EventFileWriter(path, self.filename_suffix)
            self._write(ef.scalar_value(main_tag, float(_array(value))), global_step, walltime, writer)

    def add_histogram(self, tag, values, global_step=None, bins="tensorflow", walltime=None, max_bins=None):
        values = _array(values).astype(np.float64).reshape(-1)
        if values.size == 0:
            raise ValueError("The input has no element.")
        counts, limits = np.histogram(values, bins=self.default_bins if bins == "tensorflow" else bins)
        if max_bins is not None and len(counts) > max_bins:         # merge neighbouring bins, as PyTorch's
            step = len(counts) // max_bins
            counts = np.pad(counts, (0, -len(counts) % step)).reshape(-1, step).sum(-1)
            limits = np.concatenate([limits[:-1:step], limits[-1:]])
        nonzero = np.flatnonzero(counts)
        start, end = nonzero[0], nonzero[-1] + 1
        # TensorBoard keeps right limits only: an empty bin before the first keeps the leftmost limit
        counts = counts[start - 1:end] if start > 0 else np.concatenate([[0], counts[:end]])
        limits = limits[start:end + 1]
        self._write(ef.histogram_value(tag, values.min(), values.max(), values.size, values.sum(),
                                       values.dot(values), limits, counts), global_step, walltime)

    def add_image(self, tag, img_tensor, global_step=None, walltime=None, dataformats="CHW"):
        self._write(_image(tag, _array(img_tensor), dataformats), global_step, walltime)

    def add_images(self, tag, img_tensor, global_step=None, walltime=None, dataformats="NCHW"):
        self._write(_image(tag, _array(img_tensor), dataformats), global_step, walltime)

    def add_figure(self, tag, figure, global_step=None, close=True, walltime=None):
        """A matplotlib figure (or a list of them, as a row of images) rendered to PNG."""
        figures = figure if isinstance(figure, (list, tuple)) else [figure]
        images = []
        for fig in figures:
            fig.canvas.draw()
            images.append(np.asarray(fig.canvas.buffer_rgba())[..., :3].transpose(2, 0, 1))
            if close:
                import matplotlib.pyplot as plt  # noqa: PLC0415 - only for figures
                plt.close(fig)
        image = images[0] if len(images) == 1 else np.stack(images)
        self._write(_image(tag, image, "CHW" if len(images) == 1 else "NCHW"), global_step, walltime)

    def add_text(self, tag, text_string, global_step=None, walltime=None):
        self._write(ef.text_value(tag + "/text_summary", text_string), global_step, walltime)

    def add_hparams(self, hparam_dict, metric_dict, hparam_domain_discrete=None, run_name=None,
                    global_step=None):
        """TensorBoard's hparams plugin records (summary.hparams) and each metric as a scalar, in a run of their
        own (log_dir/<run_name or the time>), as PyTorch's."""
        if not isinstance(hparam_dict, dict) or not isinstance(metric_dict, dict):
            raise TypeError("hparam_dict and metric_dict should be dictionary.")
        records = hparams(hparam_dict, metric_dict, hparam_domain_discrete)
        with SummaryWriter(os.path.join(self.log_dir, run_name or str(time.time()))) as run:
            for record in records:
                run.file_writer.add_summary(record, global_step)
            for key, value in metric_dict.items():
                run.add_scalar(key, value, global_step)

    def add_graph(self, model, input_to_model=None, verbose=False, use_strict_trace=True):
        """Records nothing: nn has no traced graph for TensorBoard's graph view."""

    def _not_here(name):
        def method(self, *args, **kwargs):
            raise NotImplementedError(f"SummaryWriter.{name} is not implemented in nn (scalars, histograms, "
                                      f"images, figures and text are)")
        return method

    add_embedding, add_pr_curve = _not_here("add_embedding"), _not_here("add_pr_curve")
    add_audio, add_video, add_mesh = _not_here("add_audio"), _not_here("add_video"), _not_here("add_mesh")
    del _not_here

    def flush(self):
        for writer in self.all_writers.values():
            writer.flush()

    def close(self):
        for writer in self.all_writers.values():
            writer.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _image(tag, image, dataformats):
    """An image summary value: float images scaled by 255 (uint8 as they are), clipped, to HWC with 3 channels
    (a batch as a grid of up to 8 columns), PNG-encoded."""
    from PIL import Image  # noqa: PLC0415 - only for images
    image = (image.astype(np.float32) * (1 if image.dtype == np.uint8 else 255)).clip(0, 255).astype(np.uint8)
    image = _to_hwc(image, dataformats.upper())
    buffer = io.BytesIO()
    Image.fromarray(image).save(buffer, format="PNG")
    height, width, channels = image.shape
    return ef.image_value(tag, height, width, channels, buffer.getvalue())


def _to_hwc(image, dataformats):
    if len(set(dataformats)) != len(dataformats) or image.ndim != len(dataformats):
        raise ValueError(f"add_image: dataformats {dataformats!r} does not describe an array of shape {image.shape}")
    if len(dataformats) == 4:
        batch = image.transpose([dataformats.index(c) for c in "NCHW"])
        if batch.shape[1] == 1:
            batch = np.repeat(batch, 3, 1)
        n, _, h, w = batch.shape
        cols = min(n, 8)
        rows = math.ceil(n / cols)
        grid = np.zeros((3, h * rows, w * cols), image.dtype)
        for i in range(n):
            grid[:, (i // cols) * h:(i // cols + 1) * h, (i % cols) * w:(i % cols + 1) * w] = batch[i][:3]
        return grid.transpose(1, 2, 0)
    if len(dataformats) == 3:
        hwc = image.transpose([dataformats.index(c) for c in "HWC"])
        return np.repeat(hwc, 3, 2) if hwc.shape[2] == 1 else hwc
    return np.repeat(image.transpose([dataformats.index(c) for c in "HW"])[..., None], 3, 2)

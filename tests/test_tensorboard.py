"""nn.utils.tensorboard.SummaryWriter: event files TensorBoard reads, written without it. Checked by a small
protobuf / TFRecord reader of the test's own (CRC-32C against its published check value), and, where they are
installed, by TensorBoard's own reader and against PyTorch's SummaryWriter writing the same."""
import os
import struct

import numpy as np
import pytest

import nn
from nn.utils.tensorboard import SummaryWriter
from nn.utils.tensorboard.event_file import crc32c, masked_crc32c


def _records(path):
    data = open(path, "rb").read()
    out, i = [], 0
    while i < len(data):
        (length,), = [struct.unpack("<Q", data[i:i + 8])]
        assert struct.unpack("<I", data[i + 8:i + 12])[0] == masked_crc32c(data[i:i + 8])
        body = data[i + 12:i + 12 + length]
        assert struct.unpack("<I", data[i + 12 + length:i + 16 + length])[0] == masked_crc32c(body)
        out.append(body)
        i += 16 + length
    return out


def _fields(message):
    """{field number: [values]}: varints as ints, 64-bit as doubles, 32-bit as floats, length-delimited as bytes."""
    fields, i = {}, 0
    while i < len(message):
        key, i = _varint(message, i)
        number, wire = key >> 3, key & 7
        if wire == 0:
            value, i = _varint(message, i)
        elif wire == 1:
            value, i = struct.unpack("<d", message[i:i + 8])[0], i + 8
        elif wire == 5:
            value, i = struct.unpack("<f", message[i:i + 4])[0], i + 4
        else:
            length, i = _varint(message, i)
            value, i = message[i:i + length], i + length
        fields.setdefault(number, []).append(value)
    return fields


def _varint(data, i):
    shift = result = 0
    while True:
        byte = data[i]
        result |= (byte & 0x7F) << shift
        i, shift = i + 1, shift + 7
        if not byte & 0x80:
            return result, i


def _values(log_dir):
    """[(step, tag, Value fields)] of every event in the one event file of log_dir."""
    (name,) = [n for n in os.listdir(log_dir) if n.startswith("events.out.tfevents.")]
    events = [_fields(r) for r in _records(os.path.join(log_dir, name))]
    assert events[0][3] == [b"brain.Event:2"]
    out = []
    for e in events[1:]:
        for value in _fields(e[5][0])[1]:
            v = _fields(value)
            out.append((e.get(2, [0])[0], v[1][0].decode(), v))
    return out


def test_crc32c_check_value():
    assert crc32c(b"123456789") == 0xE3069283          # CRC-32C's published check value


def test_scalars_histograms_images_and_text(tmp_path):
    with SummaryWriter(tmp_path) as writer:
        for step in range(3):
            writer.add_scalar("loss/train", nn.tensor(1.0 / (step + 1)), step)
            writer.add_scalars("loss", {"train": step, "val": 2 * step}, step)
        values = np.random.default_rng(0).normal(size=500)
        writer.add_histogram("weights", nn.tensor(values), 3)
        writer.add_image("image", np.full((3, 4, 5), 0.5), 4)
        writer.add_images("batch", np.zeros((5, 1, 4, 5), np.uint8), 4)
        writer.add_text("notes", "first run", 5)
    got = _values(tmp_path)
    scalars = [(step, v[2][0]) for step, tag, v in got if tag == "loss/train"]
    assert scalars == [(0, 1.0), (1, 0.5), (2, pytest.approx(1 / 3))]
    (histo,) = [_fields(v[5][0]) for _, tag, v in got if tag == "weights"]
    assert histo[3] == [500.0] and histo[1][0] == values.min() and histo[2][0] == values.max()
    counts = np.frombuffer(histo[7][0], "<f8")
    assert counts.sum() == 500 and histo[5][0] == pytest.approx(values.dot(values))
    (image,) = [_fields(v[4][0]) for _, tag, v in got if tag == "image"]
    assert (image[1][0], image[2][0], image[3][0]) == (4, 5, 3) and image[4][0][:8] == b"\x89PNG\r\n\x1a\n"
    (grid,) = [_fields(v[4][0]) for _, tag, v in got if tag == "batch"]
    assert (grid[1][0], grid[2][0]) == (4, 25)           # five images in one row of the grid
    (text,) = [_fields(v[8][0]) for _, tag, v in got if tag == "notes/text_summary"]
    assert text[8] == [b"first run"]
    for key, factor in (("train", 1), ("val", 2)):
        run = [(s, v[2][0]) for s, tag, v in _values(tmp_path / f"loss_{key}") if tag == "loss"]
        assert run == [(s, float(factor * s)) for s in range(3)]


def test_default_log_dir_and_what_is_not_there(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    writer = SummaryWriter(comment="_lr0.1")
    assert writer.get_logdir().startswith("runs" + os.sep) and writer.get_logdir().endswith("_lr0.1")
    writer.add_graph(nn.Linear(2, 2), nn.zeros(1, 2))                # records nothing
    with pytest.raises(NotImplementedError, match="add_embedding"):
        writer.add_embedding(nn.zeros(3, 2))
    writer.close()


def test_tensorboard_reads_them_as_pytorchs(tmp_path):
    pytest.importorskip("tensorboard")
    torch = pytest.importorskip("torch")
    from tensorboard.backend.event_processing.event_accumulator import EventAccumulator
    from torch.utils.tensorboard import SummaryWriter as TorchWriter
    values = np.random.default_rng(1).normal(size=300)
    image = np.random.default_rng(2).random((3, 6, 7))
    for writer in (SummaryWriter(tmp_path / "ours"), TorchWriter(tmp_path / "theirs")):
        writer.add_scalar("a", 0.25, 1)
        writer.add_histogram("h", values, 2)
        writer.add_image("i", image, 3)
        writer.close()
    ours, theirs = (EventAccumulator(str(tmp_path / run), size_guidance={"images": 0, "histograms": 0})
                    for run in ("ours", "theirs"))
    ours.Reload()
    theirs.Reload()
    assert ours.Scalars("a")[0].value == theirs.Scalars("a")[0].value
    assert ours.Histograms("h")[0].histogram_value == theirs.Histograms("h")[0].histogram_value
    mine, their = ours.Images("i")[0], theirs.Images("i")[0]
    assert (mine.width, mine.height) == (their.width, their.height)
    assert mine.encoded_image_string == their.encoded_image_string

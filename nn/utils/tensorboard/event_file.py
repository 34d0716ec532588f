"""TensorBoard's event files, written without TensorFlow, TensorBoard or protobuf installed: the few protobuf
messages a SummaryWriter needs, encoded by hand, framed as TFRecords.

A file is a sequence of records, each: uint64 length (little-endian), uint32 masked CRC-32C of those 8 bytes,
the data, uint32 masked CRC-32C of the data (masked = rotate right by 15, plus 0xa282ead8). Each record's data is
an Event message; the first says file_version "brain.Event:2". The messages (field number: type):

    Event        1: double wall_time, 2: int64 step, 3: string file_version, 5: Summary summary
    Summary      1: repeated Value value
    Value        1: string tag, 2: float simple_value, 4: Image image, 5: HistogramProto histo,
                 8: TensorProto tensor, 9: SummaryMetadata metadata
    Image        1: int32 height, 2: int32 width, 3: int32 colorspace, 4: bytes encoded_image_string
    HistogramProto  1-5: double min, max, num, sum, sum_squares, 6: packed double bucket_limit, 7: packed bucket
    TensorProto  1: enum dtype (7, string), 2: TensorShapeProto shape (2: repeated Dim dim, Dim 1: int64 size),
                 8: repeated bytes string_val
    SummaryMetadata  1: PluginData plugin_data (1: string plugin_name, 2: bytes content)
"""
import os
import socket
import struct
import time

import numpy as np


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)       # Castagnoli's polynomial, reflected
        table.append(crc)
    return table


_TABLE = _crc32c_table()


def crc32c(data):
    crc = 0xFFFFFFFF
    for byte in data:
        crc = _TABLE[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


def masked_crc32c(data):
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + 0xA282EAD8) & 0xFFFFFFFF


def record(data):
    """One TFRecord: length, its masked CRC, the data, the data's masked CRC."""
    header = struct.pack("<Q", len(data))
    return header + struct.pack("<I", masked_crc32c(header)) + data + struct.pack("<I", masked_crc32c(data))


# ---------------------------------------------------------------- protobuf's wire format, the parts used here

def _varint(n):
    n &= (1 << 64) - 1                          # negative int64s as their two's complement, as protobuf does
    out = bytearray()
    while True:
        byte, n = n & 0x7F, n >> 7
        out.append(byte | (0x80 if n else 0))
        if not n:
            return bytes(out)


def _key(field, wire_type):
    return _varint(field << 3 | wire_type)


def varint_field(field, value):
    return _key(field, 0) + _varint(int(value))


def double_field(field, value):
    return _key(field, 1) + struct.pack("<d", float(value))


def float_field(field, value):
    return _key(field, 5) + struct.pack("<f", float(value))


def bytes_field(field, value):
    value = value.encode() if isinstance(value, str) else bytes(value)
    return _key(field, 2) + _varint(len(value)) + value


def packed_doubles(field, values):
    return bytes_field(field, np.asarray(values, "<f8").tobytes())


# ---------------------------------------------------------------- the messages

def event(wall_time, step=None, summary=None, file_version=None):
    out = double_field(1, wall_time)
    if step is not None:
        out += varint_field(2, step)
    if file_version is not None:
        out += bytes_field(3, file_version)
    if summary is not None:
        out += bytes_field(5, summary)
    return out


def summary(*values):
    return b"".join(bytes_field(1, value) for value in values)


def scalar_value(tag, value):
    return bytes_field(1, tag) + float_field(2, value)


def histogram_value(tag, lo, hi, num, total, total_squares, limits, counts):
    histo = (double_field(1, lo) + double_field(2, hi) + double_field(3, num) + double_field(4, total)
             + double_field(5, total_squares) + packed_doubles(6, limits) + packed_doubles(7, counts))
    return bytes_field(1, tag) + bytes_field(5, histo)


def image_value(tag, height, width, channels, png):
    image = varint_field(1, height) + varint_field(2, width) + varint_field(3, channels) + bytes_field(4, png)
    return bytes_field(1, tag) + bytes_field(4, image)


def text_value(tag, text):
    """A string tensor of shape (1,) for the text plugin, as TensorBoard's text summaries are."""
    metadata = bytes_field(1, bytes_field(1, "text"))
    tensor = varint_field(1, 7) + bytes_field(2, bytes_field(2, varint_field(1, 1))) + bytes_field(8, text)
    return bytes_field(1, tag) + bytes_field(8, tensor) + bytes_field(9, metadata)


class EventFileWriter:
    """Appends events to logdir/events.out.tfevents.<time>.<host>.<pid>.<n><suffix>, TensorBoard's name; the file
    starts with the file-version event. Records are written as they come (the OS buffers them); flush() pushes them
    to the file, close() ends it."""

    _count = 0

    def __init__(self, logdir, filename_suffix=""):
        os.makedirs(logdir, exist_ok=True)
        EventFileWriter._count += 1
        name = (f"events.out.tfevents.{int(time.time()):010d}.{socket.gethostname()}.{os.getpid()}."
                f"{EventFileWriter._count}{filename_suffix}")
        self.path = os.path.join(logdir, name)
        self._file = open(self.path, "wb")
        self.add_event(event(time.time(), 0, file_version="brain.Event:2"))

    def add_event(self, data):
        self._file.write(record(data))

    def add_summary(self, summary, global_step=None, walltime=None):
        """An event holding an encoded Summary message (PyTorch's FileWriter.add_summary; the step only if given)."""
        walltime = time.time() if walltime is None else walltime
        self.add_event(event(walltime, global_step, getattr(summary, "SerializeToString", lambda: summary)()))

    def get_logdir(self):
        return os.path.dirname(self.path)

    def flush(self):
        if not self._file.closed:
            self._file.flush()

    def close(self):
        if not self._file.closed:
            self._file.close()

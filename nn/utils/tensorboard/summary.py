"""torch.utils.tensorboard.summary's `hparams`: the three Summary messages of TensorBoard's hparams plugin, encoded
by hand (event_file.py's wire-format helpers), byte for byte as PyTorch's protobuf objects serialise them.

    exp, ssi, sei = hparams({"lr": 3e-4, "algo": "PPO"}, {"reward": 0})
    writer.file_writer.add_summary(exp); writer.file_writer.add_summary(ssi); writer.file_writer.add_summary(sei)

(Stable-Baselines3's TensorBoard logger writes its HParam records this way.) The messages (field number: type):

    HParamsPluginData  1: int32 version (0, so absent), 2: Experiment, 3: SessionStartInfo, 4: SessionEndInfo
    Experiment         4: repeated HParamInfo hparam_infos, 5: repeated MetricInfo metric_infos
    HParamInfo         1: string name, 4: DataType type (1 string, 2 bool, 3 float64), 5: ListValue domain_discrete
    MetricInfo         1: MetricName name (2: string tag)
    SessionStartInfo   1: map<string, google.protobuf.Value> hparams (entries 1: key, 2: value)
    SessionEndInfo     1: Status status (1: success)
    Value              2: double number_value, 3: string string_value, 4: bool bool_value; ListValue 1: repeated Value
"""
import numpy as np

from . import event_file as ef

EXPERIMENT_TAG = "_hparams_/experiment"
SESSION_START_INFO_TAG = "_hparams_/session_start_info"
SESSION_END_INFO_TAG = "_hparams_/session_end_info"
PLUGIN_NAME = "hparams"
_STRING, _FLOAT64 = 1, 3          # the hparams DataType enum (2, bool, is never written: bools are numbers)


class Summary(bytes):
    """An encoded Summary message; SerializeToString() as a protobuf object's, for code that calls it."""

    def SerializeToString(self):
        return bytes(self)


def _value(kind, v):
    """A google.protobuf.Value (oneof members are written even when 0 or '')."""
    return ef.double_field(2, v) if kind == _FLOAT64 else ef.bytes_field(3, v)


def _plugin_summary(tag, data):
    """Summary{value: [Value{tag, metadata: {plugin_data: {plugin_name: "hparams", content: data}}}]}."""
    metadata = ef.bytes_field(1, ef.bytes_field(1, PLUGIN_NAME) + ef.bytes_field(2, data))
    return Summary(ef.summary(ef.bytes_field(1, tag) + ef.bytes_field(9, metadata)))


def hparams(hparam_dict=None, metric_dict=None, hparam_domain_discrete=None):
    """-> (experiment, session_start_info, session_end_info) Summary messages, as PyTorch's: ints, floats (and
    bools, which are ints) as float64 numbers, strings as strings, a one-element tensor as its number; None values
    skipped; hparam_domain_discrete[k] a list of values of hparam_dict[k]'s type."""
    if not isinstance(hparam_dict, dict):
        raise TypeError("parameter: hparam_dict should be a dictionary, nothing logged.")
    if not isinstance(metric_dict, dict):
        raise TypeError("parameter: metric_dict should be a dictionary, nothing logged.")
    hparam_domain_discrete = hparam_domain_discrete or {}
    if not isinstance(hparam_domain_discrete, dict):
        raise TypeError("parameter: hparam_domain_discrete should be a dictionary, nothing logged.")
    for k, v in hparam_domain_discrete.items():
        if k not in hparam_dict or not isinstance(v, list) or not all(isinstance(d, type(hparam_dict[k])) for d in v):
            raise TypeError(f"parameter: hparam_domain_discrete[{k}] should be a list of same type as "
                            f"hparam_dict[{k}].")
    infos, entries = b"", b""
    for k, v in hparam_dict.items():
        if v is None:
            continue
        if isinstance(v, (int, float)):                 # bools too, as PyTorch's: True is the number 1.0
            kind, v = _FLOAT64, float(v)
        elif isinstance(v, str):
            kind = _STRING
        elif hasattr(v, "shape") and hasattr(v, "dtype"):          # a Tensor or an array: its first element
            kind, v = _FLOAT64, float(np.asarray(getattr(v, "_data", v)).reshape(-1)[0])
        else:
            raise ValueError("value should be one of int, float, str, bool, or torch.Tensor")
        info = ef.bytes_field(1, k) + ef.varint_field(4, kind)
        if k in hparam_domain_discrete and not hasattr(hparam_dict[k], "shape"):
            info += ef.bytes_field(5, b"".join(ef.bytes_field(1, _value(kind, d)) for d in hparam_domain_discrete[k]))
        infos += ef.bytes_field(4, info)
        entries += ef.bytes_field(1, ef.bytes_field(1, k) + ef.bytes_field(2, _value(kind, v)))
    metrics = b"".join(ef.bytes_field(5, ef.bytes_field(1, ef.bytes_field(2, k))) for k in metric_dict)
    exp = _plugin_summary(EXPERIMENT_TAG, ef.bytes_field(2, infos + metrics))
    ssi = _plugin_summary(SESSION_START_INFO_TAG, ef.bytes_field(3, entries))
    sei = _plugin_summary(SESSION_END_INFO_TAG, ef.bytes_field(4, ef.varint_field(1, 1)))
    return exp, ssi, sei

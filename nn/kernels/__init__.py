"""Numba kernels: pure functions on ndarrays (no Tensor, no autograd).

Every kernel ``name`` has a plain-NumPy twin ``name_ref`` with the same
signature; tests compare the two and benchmarks time both.

The parallel work is ours (threads.split_jobs): kernels that call BLAS hold it at one
thread while they run (threads.py says why); importing them changes no thread setting.
"""
from .conv import (conv2d_forward, conv2d_grad_input, conv2d_grad_weight,
                   conv2d_forward_ref, conv2d_grad_input_ref, conv2d_grad_weight_ref)
from .conv_depthwise import (grouped_conv2d_forward, grouped_conv2d_grad_input, grouped_conv2d_grad_weight,
                             grouped_conv2d_forward_ref, grouped_conv2d_grad_input_ref,
                             grouped_conv2d_grad_weight_ref)
from .dense import linear_forward, linear_backward, linear_forward_ref, linear_backward_ref
from .pool import (max_pool2d_forward, max_pool2d_backward, avg_pool2d_forward, avg_pool2d_backward,
                   max_pool2d_forward_ref, max_pool2d_backward_ref, avg_pool2d_forward_ref,
                   avg_pool2d_backward_ref)
from .upsample import (upsample_nearest2d_forward, upsample_nearest2d_backward,
                       upsample_bilinear2d_forward, upsample_bilinear2d_backward,
                       upsample_nearest2d_forward_ref, upsample_nearest2d_backward_ref,
                       upsample_bilinear2d_forward_ref, upsample_bilinear2d_backward_ref)
from .batchnorm import (batch_norm_stats, batch_norm_apply, batch_norm_backward, batch_norm_stats_ref,
                        batch_norm_apply_ref, batch_norm_backward_ref)
from .threads import single_thread_blas, set_num_threads, get_num_threads
from .optim import adam_update, sgd_update, adam_update_ref, sgd_update_ref
from .activation import (relu_forward, relu_backward, leaky_relu_forward, leaky_relu_backward,
                         relu_forward_ref, relu_backward_ref, leaky_relu_forward_ref, leaky_relu_backward_ref)
from .softmax import soft_xent_backward, soft_xent_backward_ref
from .twins import numpy_twins

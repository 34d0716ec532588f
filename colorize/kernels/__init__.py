"""Numba kernels of the colorize application; each with a NumPy twin name_ref."""

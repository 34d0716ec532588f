"""torch._functorch: the module libraries import vmap's helpers from (tensordict's `torch._functorch.vmap`)."""

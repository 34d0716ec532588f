"""njit for kernels whose array arguments never overlap: LLVM is told so, and vectorises their loops.

A loop that reads one array and writes another through computed indices (a Winograd transform reads 16
input values and writes 16 outputs per channel) is vectorised only if LLVM knows the writes cannot change
what is read next; with many arrays it gives up on the run-time overlap checks and runs the loop a
float at a time.  Numba's ``parallel=True`` build marks the array arguments of its loop body ``noalias``
(when it finds no aliasing among them); this does the same for a serial function, through Numba's
``noalias`` compiler flag, which ``njit`` does not expose as an option.  Measured on W8's 8 x 128 x 12 x 12
input transform, one thread: 1.63 ms without, 0.25 ms with.

The caller's promise: no two array arguments of one call share memory.
"""
from numba import njit
from numba.core.compiler import CompilerBase, DefaultPassBuilder


class _NoAliasCompiler(CompilerBase):
    """Numba's nopython pipeline with the array arguments marked noalias."""

    def define_pipelines(self):
        self.state.flags.noalias = True
        return [DefaultPassBuilder.define_nopython_pipeline(self.state)]


def njit_noalias(**options):
    """Decorator: njit(**options) with the array arguments marked noalias (module docstring)."""
    return njit(pipeline_class=_NoAliasCompiler, **options)

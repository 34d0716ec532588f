"""torch.compiler's run-time queries, as they answer when nothing is compiled (nn compiles nothing: see
nn.compile): model code asks is_compiling() to skip Python-side work under a compiler, and marks functions
with disable / allow_in_graph, which return them unchanged."""
__all__ = ["is_compiling", "is_dynamo_compiling", "is_exporting", "disable", "allow_in_graph", "reset",
           "assume_constant_result"]


def is_compiling():
    """False: nothing is ever traced by a compiler here."""
    return False


is_dynamo_compiling = is_compiling


def is_exporting():
    """False: nothing is ever exported here (Hugging Face's masks take their export-free path)."""
    return False


def assume_constant_result(fn):
    """The function itself: a tracer would treat its result as a constant; nothing traces here."""
    return fn


def disable(fn=None, recursive=True):
    """The function itself (also as @disable or @disable())."""
    return (lambda f: f) if fn is None else fn


def _disable_dynamo(fn=None, recursive=True):
    """torch._disable_dynamo, PyTorch's internal spelling of torch._dynamo.disable (APOLLO's 8-bit AdamW decorates
    its zero_grad with it in its class body): as disable, the function itself, also as
    @_disable_dynamo(recursive=False)."""
    return disable(fn, recursive)


def allow_in_graph(fn):
    return fn


def reset():
    """Nothing cached to clear."""

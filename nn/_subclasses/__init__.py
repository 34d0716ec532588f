"""nn._subclasses: the names of torch._subclasses that library code imports (nn has no tensor subclasses for
tracing)."""

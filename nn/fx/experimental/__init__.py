"""nn.fx.experimental: the tracing helpers' names that library code imports (nn has no tracer)."""

"""nn.fx.experimental: `optimization.fuse` (Conv-BatchNorm folding on a traced graph) and the tracing helpers' names that
library code imports."""

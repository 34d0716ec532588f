"""torch.fx.passes: shape propagation (``shape_prop.ShapeProp``) and splitting a graph into partitions
(``split_module.split_module``)."""

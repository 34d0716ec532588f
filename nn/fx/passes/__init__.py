"""torch.fx.passes: shape propagation (``shape_prop.ShapeProp``)."""

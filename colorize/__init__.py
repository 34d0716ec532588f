"""colorize: turn grayscale photos into colour ones in CIE Lab space with the nn library."""

"""Experiments: random-network information, resampling (natural abstractions), Telephone chains."""

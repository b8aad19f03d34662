"""Experiments: random-network information, resampling (natural abstractions), Telephone chains."""
from .abstractions import *  # noqa: F401,F403 (abstractions of computations: names in abstractions.__all__)

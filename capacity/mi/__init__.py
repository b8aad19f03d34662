"""Mutual-information estimators (all return :class:`capacity.MIEstimate`)."""
__all__ = []

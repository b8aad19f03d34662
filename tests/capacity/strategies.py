"""Hypothesis strategies for channels and distributions (shared by the capacity tests)."""
import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp


@st.composite
def stochastic_matrices(draw, min_rows=1, max_rows=6, min_cols=1, max_cols=6, zero_prob=0.3):
    """Row-stochastic float64 matrices (nx, ny) with exact zeros; every row has mass.

    Entries are drawn in [0, 1], a fraction set to exactly 0, and each row divided by its sum
    (sums are then 1 within ~1e-16, far inside the 1e-9 validation tolerance).
    """
    nx = draw(st.integers(min_rows, max_rows))
    ny = draw(st.integers(min_cols, max_cols))
    a = draw(hnp.arrays(np.float64, (nx, ny), elements=st.floats(0.0, 1.0, allow_subnormal=False)))
    zeros = draw(hnp.arrays(np.bool_, (nx, ny), elements=st.booleans().map(lambda b: b and zero_prob > 0)))
    a = np.where(zeros, 0.0, a)
    a[a < 1e-6] = 0.0
    for x in range(nx):  # every row needs mass: put it on a drawn column
        if a[x].sum() == 0:
            a[x, draw(st.integers(0, ny - 1))] = 1.0
    return a / a.sum(axis=1, keepdims=True)


@st.composite
def distributions(draw, n):
    """Probability vectors of length n (float64, sums to 1 within 1e-15)."""
    a = draw(hnp.arrays(np.float64, (n,), elements=st.floats(0.0, 1.0, allow_subnormal=False)))
    if a.sum() == 0:
        a[0] = 1.0
    return a / a.sum()

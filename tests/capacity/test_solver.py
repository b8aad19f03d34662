"""White-box tests of the solver core's step rules (capacity/_solver.py)."""
import math

import numpy as np
import pytest

from boolean._lib.array import neg_entropy_rows
from capacity._solver import certificate, polish, row_divergences, vecmat


@pytest.mark.parametrize("light", [1e-13, 1e-15, 1e-17])
def test_polish_moves_a_light_row_that_breaks_the_bound(light):
    # Two noiseless rows and a third that copies the first with a small exclusive output y2
    # (weight w): at p = ((1 - c)/2, (1 - c)/2, c) its divergence carries w ln(1/c), so for these
    # masses c (far below SUPPORT_REL of the heaviest) D_2 > F and the certificate's upper bound is
    # set by that light row. Raising c to where D_2 = F is a one-dimensional Newton problem in
    # ln c, which the polish solves in a few steps once the row is in its support; a polish over
    # the heavy rows alone cannot move c and stays at the starting gap.
    # A fourth row (1/2, 1/2, 0), heavier than the light one but with D = 0 < F, stays out.
    w, eps, idle = 1e-3, 4e-3, 1e-12
    W = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0], [(1 - eps) * (1 - w), eps * (1 - w), w], [0.5, 0.5, 0.0]]])
    base = neg_entropy_rows(np, W)
    p = np.array([[(1 - light - idle) / 2, (1 - light - idle) / 2, light, idle]])
    D = row_divergences(np, W, base, vecmat(np, p, W), p=p)[0]
    lo, up = certificate(np, W, base, p)
    assert D[2] - lo[0] > 1e-3 and up[0] == D[2]  # the light row sets the bound, 1e6 x tol above F
    tol = 1e-9 / math.log2(math.e)
    with np.errstate(over="ignore", under="ignore"):
        p2, lo2, up2, used = polish(np, W, base, p, up - lo, tol, 40)
    assert up2[0] - lo2[0] <= tol
    # the returned bounds are the exact certificate of the returned law (recomputed independently)
    lo3, up3 = certificate(np, W, base, p2)
    assert (lo3[0], up3[0]) == (lo2[0], up2[0])
    assert p2[0, 2] > light  # the light row gained mass

"""The shared core of :mod:`boolean` and :mod:`capacity` (the one private package that both import).

- :mod:`boolean._lib.array`: the array layer (one namespace for numpy and torch inputs, plus the
  few operations the array API standard lacks);
- :mod:`boolean._lib.backend`: the ``backend=``/``device=`` arguments of public routines;
- :mod:`boolean._lib.validate`: validation at the public boundary (one message template);
- :mod:`boolean._lib.memory`: memory plans and the ``max_bytes`` refusal.

Every other private module is used only inside its own package.
"""

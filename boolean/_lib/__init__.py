"""The shared core of :mod:`boolean` and :mod:`capacity` (the one private package that both import).

- :mod:`boolean._lib.array`: the array layer (one namespace for numpy and torch inputs, plus the
  few operations the array API standard lacks);
- :mod:`boolean._lib.backend`: the ``backend=``/``device=`` arguments of public routines;
- :mod:`boolean._lib.validate`: validation at the public boundary (one message template);
- :mod:`boolean._lib.memory`: memory plans and the ``max_bytes`` refusal;
- :mod:`boolean._lib.docs`: docstring sections shared by several routines, filled at import.

Every other private module is used only inside its own package.
"""

import os as _os

# boolean.py (a dependency of license-expression) has the import name `boolean` too: installed
# after it, our files overwrite its __init__.py and leave its modules beside ours. Refuse loudly.
if _os.path.exists(_os.path.join(_os.path.dirname(_os.path.dirname(__file__)), "boolean.py")):
    raise ImportError(
        f"{_os.path.dirname(_os.path.dirname(__file__))} mixes insensitive's `boolean` package with the "
        "files of boolean.py (a dependency of license-expression, which uses the same import name). "
        "Install insensitive in a separate environment (python -m venv) without boolean.py.")

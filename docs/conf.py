"""Sphinx configuration for the ``insensitive`` documentation.

The API reference and the report pages are generated here, at every build, from the code
itself: each public module's ``__all__`` and ``capacity.report._sections.SECTIONS``. No list of
names is kept by hand, so the pages cannot drift from the packages. The generated ``.rst`` files
go to ``docs/_generated/`` (git-ignored) and are rewritten only when their text changes.
"""
import importlib
import inspect
import pathlib
import pkgutil
import sys

HERE = pathlib.Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))  # document the checkout, not some installed copy

project = "insensitive"
author = "the insensitive developers"
copyright = "the insensitive developers"
release = version = "0.1.0"

extensions = ["sphinx.ext.autodoc", "sphinx.ext.mathjax", "numpydoc"]
exclude_patterns = ["_build"]
root_doc = "index"
html_theme = "alabaster"
html_static_path = []

autodoc_default_options = {"member-order": "bysource"}
autodoc_typehints = "none"          # the numpydoc Parameters sections carry the types
numpydoc_show_class_members = False  # dataclass fields are listed in each Attributes section
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False

#: Packages walked for public modules: a public module is a package or module whose dotted
#: name has no part starting with "_" and that defines ``__all__``.
ROOTS = ("boolean", "capacity")


def _is_public(name):
    return not any(part.startswith("_") for part in name.split("."))


def api_modules():
    """Public modules in reference order: every public package, then the modules its
    ``__all__`` exports and its public modules whose names it does not re-export; a package
    without ``__all__`` (``capacity.experiments``) contributes its public submodules that define
    ``__all__``."""
    out = []
    for root in ROOTS:
        pkg = importlib.import_module(root)
        packages = [root] + sorted(m.name for m in pkgutil.walk_packages(pkg.__path__, root + ".")
                                   if m.ispkg and _is_public(m.name))
        for name in packages:
            module = importlib.import_module(name)
            if hasattr(module, "__all__"):
                out.append(name)
                out += [f"{name}.{n}" for n in module.__all__ if inspect.ismodule(getattr(module, n))]
                # a public module none of whose names the package re-exports (capacity.plotting)
                for sub in pkgutil.iter_modules(module.__path__, name + "."):
                    if sub.ispkg or not _is_public(sub.name) or sub.name in out:
                        continue
                    names = getattr(importlib.import_module(sub.name), "__all__", ())
                    if names and not set(names) & set(module.__all__):
                        out.append(sub.name)
            else:
                out.append(name)
                for sub in pkgutil.iter_modules(module.__path__, name + "."):
                    if _is_public(sub.name) and hasattr(importlib.import_module(sub.name), "__all__"):
                        out.append(sub.name)
    return out


def _directive(module_name, name, obj):
    target = f"{module_name}.{name}"
    if inspect.ismodule(obj):
        return f"See :doc:`{obj.__name__}`.\n"
    if inspect.isclass(obj):
        if issubclass(obj, BaseException):
            return f".. autoexception:: {target}\n"
        return f".. autoclass:: {target}\n   :members:\n   :exclude-members: __init__\n"
    if callable(obj):
        return f".. autofunction:: {target}\n"
    return f".. autodata:: {target}\n   :no-value:\n"


def _module_page(module_name):
    module = importlib.import_module(module_name)
    lines = [f"``{module_name}``", "=" * (len(module_name) + 4), "",
             f".. automodule:: {module_name}", "   :no-members:", ""]
    if hasattr(module, "__all__"):
        lines += [f"Public names (``{module_name}.__all__``): "
                  + ", ".join(f"``{n}``" for n in module.__all__) + ".", ""]
        for name in module.__all__:
            lines += [_directive(module_name, name, getattr(module, name))]
    else:
        lines += ["Modules:", ""]
        lines += [f"- :doc:`{sub.name}`" for sub in pkgutil.iter_modules(module.__path__, module_name + ".")
                  if _is_public(sub.name)]
        lines.append("")
    return "\n".join(lines)


def _report_page(section_name):
    module = importlib.import_module(section_name)
    title = module.TITLE
    short = section_name.rsplit(".", 1)[-1]
    return "\n".join([
        title, "=" * len(title), "",
        f"Module ``{section_name}``; run it alone with ``insensitive-report --only {short.split('_')[0]}``.",
        "", f".. automodule:: {section_name}", "   :no-members:", ""])


def _write(path, text):
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists() or path.read_text() != text:
        path.write_text(text)


def generate(out=HERE / "_generated"):
    """Write the API and report pages under ``out``; remove pages of names that are gone."""
    from capacity.report._sections import SECTIONS

    pages = {}
    modules = api_modules()
    for name in modules:
        pages[f"api/{name}.rst"] = _module_page(name)
    pages["api/index.rst"] = "\n".join(["API reference", "=============", "",
                                        "One page per public module; each lists the module's ``__all__``.", "",
                                        ".. toctree::", "   :maxdepth: 1", ""]
                                       + [f"   {name}" for name in modules] + [""])
    for name in SECTIONS:
        pages[f"report/{name.rsplit('.', 1)[-1]}.rst"] = _report_page(name)
    pages["report/index.rst"] = "\n".join([
        "The reproduction report", "=======================", "",
        "``insensitive-report`` (or ``python -m capacity.report``) runs these sections in order. Each "
        "checks numerical claims (expected value, measured value, tolerance, verdict) and writes "
        "its part of ``report/report.md``. One page per section:", "",
        ".. toctree::", "   :maxdepth: 1", ""] + [f"   {name.rsplit('.', 1)[-1]}" for name in SECTIONS] + [""])
    for rel, text in pages.items():
        _write(out / rel, text)
    for stale in out.rglob("*.rst"):
        if stale.relative_to(out).as_posix() not in pages:
            stale.unlink()


generate()

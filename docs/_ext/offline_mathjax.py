"""Sphinx extension: serve MathJax from the built site, so math renders offline.

MathJax 3 (``tex-chtml.js`` and its web fonts) is copied from the ``django-static-mathjax``
package (a plain copy of MathJax's ``es5`` build, no Django needed; in the ``docs`` extra) into
``_static/mathjax/``; ``mathjax_path`` points there, so no page loads anything from the network.
"""

from __future__ import annotations

import shutil
from importlib import resources
from pathlib import Path
from typing import Any

TARGET = "mathjax"
SCRIPT = "tex-chtml.js"
FONTS = Path("output") / "chtml" / "fonts" / "woff-v2"


def source() -> Path:
    """The ``es5`` folder of the installed MathJax copy."""
    try:
        root = resources.files("mathjax") / "static" / "mathjax" / "es5"
    except ModuleNotFoundError:
        raise RuntimeError(
            "the docs serve MathJax locally and need `django-static-mathjax` "
            "(pip install '.[docs]')"
        ) from None
    return Path(str(root))


def _copy(app: Any, exc: Exception | None) -> None:
    if exc is not None or app.builder.format != "html":
        return
    src = source()
    dest = Path(app.outdir) / "_static" / TARGET
    (dest / FONTS).mkdir(parents=True, exist_ok=True)
    shutil.copy2(src / SCRIPT, dest / SCRIPT)
    shutil.copytree(src / FONTS, dest / FONTS, dirs_exist_ok=True)


def setup(app: Any) -> dict[str, Any]:
    source()  # fail early with a clear message
    app.config.mathjax_path = f"{TARGET}/{SCRIPT}"
    app.connect("build-finished", _copy)
    return {"parallel_read_safe": True, "parallel_write_safe": True}

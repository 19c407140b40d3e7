"""Sphinx configuration of the tariffsim documentation.

Build: ``pip install ".[docs]"`` then ``sphinx-build -W -b html docs docs/_build/html``
(warnings are errors; CI runs exactly this).
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.abspath(".."))
sys.path.insert(0, os.path.abspath("_ext"))
os.environ.setdefault("MPLBACKEND", "Agg")

import tariffsim

project = "tariffsim"
author = "tariffsim developers"
copyright = "2025, tariffsim developers"
version = release = tariffsim.__version__

extensions = [
    "myst_parser",
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "matplotlib.sphinxext.plot_directive",
    "offline_mathjax",  # MathJax served from _static/: math renders offline
    "claims_catalogue",  # claims.md generated from the data; claim ids linked on every page
]

# Scenario pages draw their simulated paths at build time (so they never go stale).
plot_include_source = False
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 100)]

source_suffix = {".md": "markdown", ".rst": "restructuredtext"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]

# -- MyST (the Markdown pages) --------------------------------------------------------
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3

# -- API reference ----------------------------------------------------------------------
autosummary_generate = True
autosummary_imported_members = False
autodoc_default_options = {"members": True, "show-inheritance": False}
autodoc_member_order = "bysource"
autodoc_typehints = "none"  # the numpydoc sections give the types
numpydoc_show_class_members = False  # autodoc lists members; avoids duplicate entries
numpydoc_class_members_toctree = False
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# Docstrings use the names of the objects they return or take in prose
# (``Game``, ``Path``, ``ndarray`` …); cross-references that Sphinx cannot
# resolve are not errors.
nitpicky = False

# No warning is suppressed: the build runs with -W (warnings are errors).
suppress_warnings: list[str] = []

# -- HTML ---------------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"tariffsim {version}"
html_static_path = ["_static"]
html_css_files = ["custom.css"]  # wide tables and code scroll inside the column
html_theme_options = {"page_width": "1100px", "body_max_width": "none"}

"""Architecture rules, checked on the source: Streamlit stays in cache/ui, heavy libraries stay out of pages."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
STREAMLIT_ALLOWED = {"cache.py"}  # and the explorer/ui package
HEAVY = {"torch", "transformers", "sklearn", "umap", "scipy", "gensim", "sentence_transformers", "numba"}


def imported_roots(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    roots: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            roots.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            roots.add(node.module.split(".")[0])
    return roots


def test_only_cache_and_ui_import_streamlit():
    offenders = [
        str(p.relative_to(ROOT))
        for p in sorted((ROOT / "explorer").rglob("*.py"))
        if "streamlit" in imported_roots(p)
        and not (p.parent.name == "explorer" and p.name in STREAMLIT_ALLOWED)
        and p.parent != ROOT / "explorer" / "ui"
    ]
    assert offenders == [], f"these explorer modules import streamlit: {offenders}"


def test_pages_and_app_import_no_heavy_library():
    scripts = [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]
    assert len(scripts) >= 5
    offenders = {str(p.relative_to(ROOT)): sorted(imported_roots(p) & HEAVY) for p in scripts}
    assert {k: v for k, v in offenders.items() if v} == {}


def test_pages_import_only_streamlit_and_explorer():
    """Pages read widgets, call explorer and render: no numpy maths, file parsing or data frames of their own."""
    for p in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        extra = imported_roots(p) - {"__future__", "streamlit", "explorer"}
        assert not extra, f"{p.name} imports {sorted(extra)}"


def test_pages_stay_short():
    for p in [ROOT / "app.py", *sorted((ROOT / "pages").glob("*.py"))]:
        lines = len(p.read_text(encoding="utf-8").splitlines())
        assert lines <= 230, f"{p.name} has {lines} lines: move its logic into explorer/"


def test_pages_do_not_call_st_navigation():
    for p in [ROOT / "app.py", *(ROOT / "pages").glob("*.py")]:
        assert "st.navigation" not in p.read_text(encoding="utf-8"), p.name


def test_every_listed_page_exists():
    from explorer.pages_index import PAGES

    for page in PAGES:
        assert (ROOT / page.path).is_file(), page.path
    assert {p.name for p in (ROOT / "pages").glob("*.py")} == {Path(page.path).name for page in PAGES}

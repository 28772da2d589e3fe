"""The one guard of every page: any ExplorerError that reaches Streamlit is a message, never a traceback."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from streamlit.testing.v1 import AppTest

import explorer
from explorer import errors
from explorer.errors import ExplorerError, LimitError
from tests.apptest import app_test, give_vectors
from tests.test_project_page import LABEL, synthetic


def _import_every_module() -> None:
    """Errors may be declared next to their feature (explorer.presets, explorer.charts.image): import them all."""
    for info in pkgutil.walk_packages(explorer.__path__, "explorer."):
        if not info.name.endswith(("ray_engine", "__main__")):  # Ray only for index builds, never in the app
            importlib.import_module(info.name)


def _family(cls: type[ExplorerError]) -> list[type[ExplorerError]]:
    found = [cls]
    for sub in cls.__subclasses__():
        found += [c for c in _family(sub) if c not in found]
    return found


_import_every_module()
FAMILY = _family(ExplorerError)


def test_the_family_is_enumerated_whole() -> None:
    declared = {v for v in vars(errors).values() if isinstance(v, type) and issubclass(v, ExplorerError)}
    assert set(FAMILY) >= declared and len(FAMILY) >= 20
    assert {c.__name__ for c in FAMILY} >= {"PresetError", "ImageExportError", "LimitError", "ServerBusy"}


def _page_raising(module: str, name: str, in_fragment: bool) -> None:
    import importlib

    import streamlit as st

    from explorer import ui
    from explorer.pagestate import PageState

    binding = ui.bind_page(PageState("guarded.", ()))
    st.title("A page")
    st.write("drawn before the error")
    cls = getattr(importlib.import_module(module), name)
    if in_fragment:

        @st.fragment
        def part() -> None:
            st.write("inside a fragment")
            raise cls(f"{name} says what went wrong. Do this instead.")

        part()
    else:
        with st.spinner("working"):
            raise cls(f"{name} says what went wrong. Do this instead.")
    binding.save()


@pytest.mark.parametrize("cls", FAMILY, ids=lambda c: c.__name__)
def test_every_error_family_raised_from_a_page_is_a_message(cls: type[ExplorerError]) -> None:
    at = AppTest.from_function(_page_raising, args=(cls.__module__, cls.__name__, False), default_timeout=30).run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.error) == 1
    assert f"{cls.__name__} says what went wrong. Do this instead." in at.error[0].value
    assert "drawn before the error" in [m.value for m in at.markdown]


@pytest.mark.parametrize("cls", [LimitError, errors.ServerBusy, errors.UnknownWordError], ids=lambda c: c.__name__)
def test_an_error_inside_a_fragment_is_a_message_in_place(cls: type[ExplorerError]) -> None:
    at = AppTest.from_function(_page_raising, args=(cls.__module__, cls.__name__, True), default_timeout=30).run()
    assert not at.exception, [e.message for e in at.exception]
    assert len(at.error) == 1 and cls.__name__ in at.error[0].value
    assert "inside a fragment" in [m.value for m in at.markdown]


def _page_with_a_bug() -> None:
    from explorer import ui
    from explorer.pagestate import PageState

    ui.bind_page(PageState("buggy.", ()))
    raise RuntimeError("a real bug")


def test_other_exceptions_keep_streamlits_exception_box() -> None:
    at = AppTest.from_function(_page_with_a_bug, default_timeout=30).run()
    assert len(at.exception) == 1 and "a real bug" in at.exception[0].message
    assert not at.error


def test_hosted_memory_refusal_on_the_project_page_is_a_message(monkeypatch: pytest.MonkeyPatch) -> None:
    """The reported case: the admission gate refuses a large map; the Project page itself does not catch it."""
    refusal = (
        "The server is near its memory limit: 1,219 MB in use of 1,536 MB, and a umap map of 20,000 points "
        "needs about 458 MB more. Ask for fewer points, or try again in a minute."
    )

    def refuse(*args: object, **kwargs: object) -> None:
        raise LimitError(refusal)

    monkeypatch.setenv("EXPLORER_HOSTED", "1")
    monkeypatch.setattr("explorer.cache.get_projection", refuse)
    at = app_test("pages/2_Project.py")
    give_vectors(at, {LABEL: synthetic()})
    at.session_state["project.method"] = "umap"
    at.run()
    assert not at.exception, [e.message for e in at.exception]
    assert [e.value for e in at.error] and refusal in at.error[0].value

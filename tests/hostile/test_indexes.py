"""Hostile index folders: every crafted damage is refused with a reason, and no page shows a traceback.

The indexes come from ``tests.hostile.crafted_indexes``. An index damaged where listing looks
(manifest, links, FIFOs, schemas, counts) is listed as unreadable with its reason and never
offered; one damaged deeper (distilled vectors, NaN values) is offered and gives a message on the
page that reads it. Files outside the index folder never reach a message or a page.
"""

from __future__ import annotations

import json
import os
import re
import shutil
from pathlib import Path

import pytest

from explorer import safefiles
from explorer.errors import IndexBuildError, UnsafeFileError
from explorer.index import contract, reader
from tests.apptest import app_test
from tests.hostile.crafted_indexes import (
    AT_LISTING,
    AT_READ,
    GOOD_TITLE,
    OUTSIDE_TITLE,
    OUTSIDE_WORD,
    SHARD,
    WORDS,
    craft,
    manifest,
    write_index,
)

READABLE = ["good", *sorted(AT_READ)]  # what a picker may offer: the damages listing cannot see


def _no_outside(text: str) -> None:
    assert OUTSIDE_WORD not in text and OUTSIDE_TITLE not in text, text[:400]


# ----- the safe reader ------------------------------------------------------------------------------
@pytest.mark.timeout(30)
def test_safe_reader_refuses_links_out_fifos_folders_and_oversized_files(tmp_path: Path) -> None:
    root, outside = tmp_path / "root", tmp_path / "outside"
    (root / "sub").mkdir(parents=True)
    outside.mkdir()
    (outside / "secret.txt").write_text(OUTSIDE_WORD)
    (root / "sub" / "a.txt").write_text("inside")
    os.symlink(root / "sub" / "a.txt", root / "alias.txt")  # a link that stays inside is fine
    os.symlink(outside / "secret.txt", root / "out.txt")
    os.symlink(outside, root / "outdir")
    os.mkfifo(root / "pipe")
    assert safefiles.read_bytes_capped(root, "alias.txt", 100) == b"inside"
    assert safefiles.read_text_capped(root, "sub/../sub/a.txt", 100) == "inside"
    refusals = {
        "out.txt": "outside",
        "outdir/secret.txt": "outside",
        "../outside/secret.txt": "outside",
        str(outside / "secret.txt"): "not a path inside",
        "pipe": "FIFO",
        "sub": "folder",
        "missing.txt": "missing",
    }
    for relative, reason in refusals.items():
        with pytest.raises(UnsafeFileError, match=reason) as refused:
            safefiles.read_bytes_capped(root, relative, 100)
        _no_outside(str(refused.value))
        assert str(tmp_path) not in str(refused.value)  # a message names the file inside its folder, no server path
    with pytest.raises(UnsafeFileError, match="6 bytes; the most this reader takes is 5"):
        safefiles.read_bytes_capped(root, "sub/a.txt", 5)
    with pytest.raises(UnsafeFileError, match="FIFO"):
        safefiles.open_capped(root, "pipe", None)
    with pytest.raises(UnsafeFileError, match="not a folder"):
        safefiles.safe_dir(root, "alias.txt")
    with pytest.raises(UnsafeFileError, match="outside"):
        safefiles.list_files(root, "outdir")
    assert safefiles.list_files(root, "sub", "*.txt") == ["sub/a.txt"]


def test_safe_reader_imports_only_the_error_family() -> None:
    import ast

    tree = ast.parse(Path(safefiles.__file__).read_text(encoding="utf-8"))
    ours = {
        node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("explorer")
    }
    ours |= {
        alias.name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import)
        for alias in node.names
        if alias.name.startswith("explorer")
    }
    assert ours == {"explorer.errors"}


# ----- listing ------------------------------------------------------------------------------------------
@pytest.mark.timeout(30)
@pytest.mark.parametrize("damage", sorted(AT_LISTING))
def test_a_damaged_index_is_listed_as_unreadable_with_its_reason(tmp_path: Path, damage: str) -> None:
    folder = craft(tmp_path, [damage])
    listing = reader.scan_indexes(folder)
    assert listing.names == ["good"]
    assert [u.name for u in listing.unreadable] == [damage]
    reason = listing.unreadable[0].reason
    assert AT_LISTING[damage].hint in reason, reason
    assert damage in reason  # it names the index (and the file) it refuses
    _no_outside(reason)
    assert [i.name for i in reader.list_indexes(folder)] == ["good"]
    assert [u.name for u in reader.list_unreadable(folder)] == [damage]
    with pytest.raises(IndexBuildError):
        reader.open_index(folder, damage)


def test_the_manifest_schema_refuses_booleans_and_duplicates_for_numbers() -> None:
    good = manifest("t")
    assert contract.validate_manifest(good, "t")["layers"] == [0, 1, 2]
    for change, field in (
        ({"version": True}, "version"),
        ({"hidden_size": 10**9}, "hidden_size"),
        ({"layers": [1, 1]}, "twice"),
        ({"layers": []}, "layers"),
        ({"counts": {"words": -3}}, "counts"),
        ({"num_layers": 2.0}, "num_layers"),
    ):
        with pytest.raises(IndexBuildError, match=field):
            contract.validate_manifest({**good, **change}, "t")


# ----- reading after listing -------------------------------------------------------------------------
def test_damage_deeper_than_listing_gives_a_sentence_when_read(tmp_path: Path) -> None:
    folder = craft(tmp_path, sorted(AT_READ))
    assert reader.scan_indexes(folder).names == READABLE
    for damage in ("static-not-number", "static-not-utf8"):
        info = reader.open_index(folder, damage)
        with pytest.raises(IndexBuildError, match=AT_READ[damage].hint) as failed:
            reader.distilled_vectors(info, 1)
        assert "build it again" in str(failed.value)


def test_non_finite_vectors_are_left_out_with_a_warning(tmp_path: Path) -> None:
    folder = craft(tmp_path, ["static-nan", "parquet-nan"])
    wv = reader.distilled_vectors(reader.open_index(folder, "static-nan"), 2)
    assert list(wv.keys) == list(WORDS)[2:]  # the first two words' vectors held NaN and inf
    assert any("2 of the 3 words" in n and "NaN" in n for n in wv.notices), wv.notices
    assert reader.distilled_vectors(reader.open_index(folder, "good"), 2).notices == ()
    sample = reader.sample_occurrences(reader.open_index(folder, "parquet-nan"), "bank", 50)
    assert len(sample) == WORDS["bank"] - 2 and sample.stored == WORDS["bank"]
    assert any("2 of the 5 sampled occurrences" in n for n in sample.notes), sample.notes
    assert reader.sample_occurrences(reader.open_index(folder, "good"), "bank", 50).notes == ()


@pytest.mark.timeout(30)
def test_files_swapped_after_listing_are_refused_when_read(tmp_path: Path) -> None:
    """An index that was fine when listed and damaged later: each read says what is wrong, none hangs."""
    folder = craft(tmp_path, [])
    outside = tmp_path / "outside"
    info = reader.open_index(folder, "good")
    shard = folder / "good" / SHARD
    data = shard.read_bytes()
    shard.write_bytes(data[:100] + b"\x00" * (len(data) - 200) + data[-100:])  # the footer intact, the pages zeroed
    with pytest.raises(IndexBuildError, match="part-00000"):
        reader.sample_occurrences(info, "bank", 50)
    shard.unlink()
    os.mkfifo(shard)
    with pytest.raises(IndexBuildError, match="FIFO"):
        reader.sample_occurrences(info, "bank", 50)
    counts = folder / "good" / "static" / "counts.tsv"
    counts.unlink()
    os.symlink(outside / "passwd", counts)
    with pytest.raises(IndexBuildError, match="outside") as refused:
        reader.word_counts(info)
    _no_outside(str(refused.value))
    layer = folder / "good" / "static" / "layer_1.txt"
    layer.unlink()
    os.symlink(outside / "static" / "layer_1.txt", layer)
    with pytest.raises(IndexBuildError, match="outside"):
        reader.distilled_vectors(info, 1)


def test_a_symlinked_index_folder_or_hidden_folder_is_not_an_index(tmp_path: Path) -> None:
    folder = craft(tmp_path, [])
    os.symlink(tmp_path / "outside", folder / "elsewhere")
    shutil.copytree(folder / "good", folder / ".good.tmp")
    assert reader.index_names(folder) == ["good"]


# ----- every page, with a folder of good and damaged indexes ----------------------------------------
@pytest.fixture(scope="module")
def hostile_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return craft(tmp_path_factory.mktemp("hostile"))


@pytest.fixture()
def hostile_env(monkeypatch: pytest.MonkeyPatch, tiny_bert_dir: Path, hostile_dir: Path) -> Path:
    monkeypatch.setenv("EXPLORER_MODEL", str(tiny_bert_dir))
    monkeypatch.setenv("EXPLORER_INDEX_DIR", str(hostile_dir))
    return hostile_dir


def page_text(at) -> str:
    """Every string the page sent: each element's protobuf as text."""
    parts: list[str] = []

    def walk(node) -> None:
        proto = getattr(node, "proto", None)
        if proto is not None:
            parts.append(str(proto))
        for child in getattr(node, "children", {}).values():
            walk(child)

    walk(at._tree)
    return "\n".join(parts)


def _clean(at) -> None:
    assert not at.exception, [e.value for e in at.exception]
    _no_outside(page_text(at))


PICKERS = {
    "pages/2_Project.py": "project.vectors",
    "pages/3_Analogies.py": "analogy.vectors",
    "pages/5_Sentences.py": "sentences.vectors",
    "pages/6_Compare.py": "compare.a",
}


@pytest.mark.timeout(600)
@pytest.mark.parametrize("page", sorted(PICKERS))
def test_pickers_offer_only_readable_indexes_and_read_errors_stay_messages(hostile_env: Path, page: str) -> None:
    at = app_test(page)
    at.run()
    _clean(at)
    picker = at.selectbox(key=PICKERS[page])
    raw = list(picker.options)  # labels as the visitor sees them
    assert any(GOOD_TITLE in label for label in raw)
    offered = {label.split("averaged over damaged ")[-1] for label in raw if "averaged over damaged " in label}
    assert offered == set(AT_READ), offered
    picker.set_value("index:good:layer_2").run()
    _clean(at)
    # No read error (a page's own question may still need words the 3-word set lacks).
    assert not any("be read" in e.value for e in at.error), [e.value for e in at.error]
    assert any(f"averaged over {GOOD_TITLE}**: 3 words" in c.value for c in at.caption)
    picker = at.selectbox(key=PICKERS[page])
    picker.set_value("index:static-not-number:layer_1").run()
    _clean(at)
    assert any("static-not-number/static/layer_1.txt" in e.value for e in at.error), [e.value for e in at.error]
    picker = at.selectbox(key=PICKERS[page])
    picker.set_value("index:static-nan:layer_2").run()
    _clean(at)
    assert any("NaN or infinite" in i.value for i in at.info), [i.value for i in at.info]


@pytest.mark.timeout(600)
def test_the_context_index_source_lists_unreadable_indexes_with_reasons(hostile_env: Path) -> None:
    at = app_test("pages/4_Context.py")
    at.run()
    _clean(at)
    at.radio(key="context.source").set_value("index").run()
    _clean(at)
    assert [label.split(":")[0] for label in at.selectbox(key="context.index").options] == READABLE
    shown = "\n".join([*(w.value for w in at.warning), *(m.value for e in at.expander for m in e.markdown)])
    listed = re.sub(r"\\(.)", r"\1", shown)  # names and reasons are shown as plain text: markdown escaped
    assert "[" not in shown.replace("\\[", ""), "a file's contents never become a markdown link"
    for name, damage in AT_LISTING.items():
        line = next(line for line in listed.splitlines() if f"**{name}**" in line)
        assert damage.hint in line, line
    at.selectbox(key="context.index").set_value("good").run()
    at.text_input(key="context.index_word").set_value("bank").run()
    _clean(at)
    assert not at.error, [e.value for e in at.error]
    assert len(json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["x"]) == WORDS["bank"]
    at.selectbox(key="context.index").set_value("parquet-nan").run()
    at.text_input(key="context.index_word").set_value("bank").run()
    _clean(at)
    assert any("2 of the 5 sampled occurrences" in w.value for w in at.warning), [w.value for w in at.warning]
    assert len(json.loads(at.get("plotly_chart")[0].proto.spec)["data"][0]["x"]) == WORDS["bank"] - 2


@pytest.mark.timeout(600)
def test_a_link_to_a_damaged_index_opens_a_readable_one(hostile_env: Path) -> None:
    at = app_test("pages/4_Context.py")
    at.query_params.update({"context.source": "index", "context.index": "link-manifest", "context.index_word": "bank"})
    at.run()
    _clean(at)
    assert at.selectbox(key="context.index").value == "good"
    at = app_test("pages/3_Analogies.py")
    at.query_params.update({"analogy.vectors": "index:version-abc:layer_2"})
    at.run()
    _clean(at)
    assert at.selectbox(key="analogy.vectors").value != "index:version-abc:layer_2"


def test_a_good_crafted_index_reads_like_a_built_one(tmp_path: Path) -> None:
    """The generator's valid index is a valid index: the damaged copies differ from it only by their damage."""
    write_index(tmp_path / "one")
    info = reader.open_index(tmp_path, "one")
    assert reader.word_counts(info) == WORDS
    assert len(reader.distilled_vectors(info, 0)) == len(WORDS)
    assert len(reader.sample_occurrences(info, "charge", 50)) == WORDS["charge"]

"""Upload readers: every format, every encoding, every bad input, streaming and column listing."""

from __future__ import annotations

import codecs
import io
import json
import zipfile
from pathlib import Path

import pytest

from explorer import readers
from explorer.corpus import Corpus, CorpusError
from explorer.readers import ReaderError, guess_text_column, list_columns, read_texts
from explorer.settings import Settings

LIMIT = 1_000_000


class Upload(io.BytesIO):
    """Like Streamlit's UploadedFile: a BytesIO with .name and .size, counting the bytes read."""

    def __init__(self, data: bytes, name: str) -> None:
        super().__init__(data)
        self.name = name
        self.size = len(data)
        self.bytes_read = 0

    def read(self, size: int | None = -1) -> bytes:
        out = super().read(size)
        self.bytes_read += len(out)
        return out

    def readinto(self, buffer) -> int:  # type: ignore[override]
        n = super().readinto(buffer)
        self.bytes_read += n
        return n


def load(data: bytes, name: str, column: str | None = None, **kw) -> Corpus:
    return Corpus.from_file(Upload(data, name), column=column, max_bytes=kw.pop("max_bytes", LIMIT), **kw)


def zip_bytes(members: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return buf.getvalue()


CSV = b'id,text,stars\n1,The phone won\'t charge overnight.,2\n2,"I was charged twice, please refund.",1\n'
TSV = b"id\tbody\n1\tThe courier lost my package.\n2\tThe tracking number is wrong.\n"
JSONL = b'{"id": 1, "message": "The battery drains fast."}\n\n{"id": 2, "message": "Refund the late fee."}\n'
TXT = b"The phone won't charge.\nI was charged twice! Please refund me.\n"

FORMATS = {
    "notes.txt": (TXT, None, {"phone", "charged", "refund"}),
    "tickets.csv": (CSV, None, {"phone", "charged", "refund"}),
    "tickets.tsv": (TSV, None, {"courier", "tracking"}),
    "tickets.jsonl": (JSONL, None, {"battery", "fee"}),
    "docs.zip": (
        zip_bytes({"a.txt": b"The phone won't charge.", "b/c.txt": b"Refund the fee."}),
        None,
        {"phone", "fee"},
    ),
}


# ----- formats -------------------------------------------------------------------------------


@pytest.mark.parametrize("name", list(FORMATS))
def test_every_format_reads_from_a_path_and_from_a_file_object(tmp_path: Path, name: str) -> None:
    data, column, expected = FORMATS[name]
    path = tmp_path / name
    path.write_bytes(data)
    from_path = Corpus.from_file(path, column=column, max_bytes=LIMIT)
    from_obj = load(data, name, column)
    assert from_path.sentences == from_obj.sentences
    assert expected <= set(from_path.counts)
    assert from_path.name == name and from_path.source == f"upload:{name}"
    # the id and stars columns of the CSV are not read as text
    assert "1" not in from_path.counts and "2" not in from_path.counts


def test_csv_column_choice_and_quoted_commas() -> None:
    c = load(CSV, "t.csv", column="text")
    assert ("i", "was", "charged", "twice", "please", "refund") in c.sentences
    assert load(CSV, "t.csv", column="TEXT").sentences == c.sentences  # case-insensitive match
    stars = load(CSV, "t.csv", column="stars")
    assert set(stars.counts) == {"1", "2"}


def test_csv_header_blanks_and_duplicates_get_names() -> None:
    data = b"text,,text\nhello,x,world\n"
    assert list_columns(Upload(data, "a.csv")) == ["text", "column 2", "text (2)"]
    assert load(data, "a.csv", column="text (2)").sentences == (("world",),)


def test_csv_rows_with_missing_cells_are_skipped() -> None:
    data = b"id,text\n1\n2,kept row\n\n3,\n"
    assert load(data, "a.csv").sentences == (("kept", "row"),)


def test_csv_fields_with_newlines_stay_one_document() -> None:
    data = b'id,text\n1,"first line\nsecond line"\n'
    c = load(data, "a.csv")
    assert c.sentences == (("first", "line"), ("second", "line"))


def test_jsonl_field_choice_and_values_that_are_not_strings() -> None:
    data = b'{"title": "Short", "body": "Long text here"}\n{"title": 7, "body": ["two", "parts"]}\n'
    assert load(data, "a.jsonl").sentences == (("long", "text", "here"), ("two",), ("parts",))
    assert load(data, "a.jsonl", column="title").sentences == (("short",), ("7",))


def test_zip_reads_txt_members_in_name_order_and_reports_ignored_files() -> None:
    data = zip_bytes(
        {
            "z.txt": b"last file",
            "a.txt": b"first file",
            "notes.csv": b"id,text\n1,skipped\n",
            "img.png": b"\x89PNG\r\n",
            "__MACOSX/._a.txt": b"\x00\x05\x16\x07",
            "folder/": b"",
        }
    )
    c = load(data, "bundle.zip")
    assert c.sentences == (("first", "file"), ("last", "file"))
    ignored = [n for n in c.notices if "ignored" in n]
    assert len(ignored) == 1 and "notes.csv" in ignored[0] and "img.png" in ignored[0]
    assert "__MACOSX" not in " ".join(c.notices)


def test_zip_member_that_is_binary_or_empty_is_skipped_with_a_notice() -> None:
    data = zip_bytes({"good.txt": b"real words", "bad.txt": b"\x00\x01\x02\x03", "empty.txt": b""})
    c = load(data, "bundle.zip")
    assert c.sentences == (("real", "words"),)
    joined = " ".join(c.notices)
    assert "bad.txt" in joined and "binary" in joined
    assert "empty.txt" in joined and "empty" in joined


def test_txt_line_endings_crlf_and_bare_cr() -> None:
    assert load(b"one two\r\nthree\r\n", "a.txt").sentences == (("one", "two"), ("three",))
    assert load(b"one two\rthree\r", "a.txt").sentences == (("one", "two"), ("three",))


def test_name_argument_overrides_the_file_name() -> None:
    f = io.BytesIO(CSV)  # no .name at all
    result = read_texts(f, name="upload.csv", max_bytes=LIMIT)
    assert result.name == "upload.csv"
    assert len(list(result.texts)) == 2


def test_without_a_limit_any_size_is_read_and_with_one_the_setting_is_named() -> None:
    big = b"word " * 300_000  # 1.4 MB
    assert "".join(read_texts(Upload(big, "big.txt")).texts).count("word") == 300_000
    assert Corpus.from_file(Upload(big, "big.txt")).token_count == 300_000
    with pytest.raises(ReaderError, match="EXPLORER_MAX_UPLOAD_MB"):
        read_texts(Upload(big, "big.txt"), max_bytes=2**20)
    with pytest.raises(ReaderError, match="EXPLORER_MAX_UPLOAD_MB"):
        Corpus.from_file(Upload(big, "big.txt"), max_bytes=2**20)


# ----- encodings -----------------------------------------------------------------------------

TEXT = "Café crème brûlée. Naïve façade; 東京 wins!"
TOKENS = {"café", "crème", "brûlée", "naïve", "façade", "東京", "wins"}


@pytest.mark.parametrize(
    "encoded",
    [
        pytest.param(TEXT.encode("utf-8"), id="utf-8"),
        pytest.param(codecs.BOM_UTF8 + TEXT.encode("utf-8"), id="utf-8-bom"),
        pytest.param(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), id="utf-16-le-bom"),
        pytest.param(codecs.BOM_UTF16_BE + TEXT.encode("utf-16-be"), id="utf-16-be-bom"),
    ],
)
@pytest.mark.parametrize("fmt", ["txt", "csv", "jsonl"])
def test_unicode_encodings_decode_without_notice(encoded: bytes, fmt: str) -> None:
    codec = "utf-8"
    if encoded.startswith(codecs.BOM_UTF16_LE):
        codec = "utf-16-le"
    elif encoded.startswith(codecs.BOM_UTF16_BE):
        codec = "utf-16-be"
    bom, body = (encoded[:2], encoded[2:]) if codec != "utf-8" else (b"", encoded)
    if codec == "utf-8" and encoded.startswith(codecs.BOM_UTF8):
        bom, body = codecs.BOM_UTF8, encoded[3:]
    text = body.decode(codec)
    if fmt == "csv":
        text = f'text,id\n"{text}",1\n'
    elif fmt == "jsonl":
        text = json.dumps({"text": text}, ensure_ascii=False) + "\n"
    c = load(bom + text.encode(codec), f"doc.{fmt}")
    assert set(c.counts) == TOKENS
    assert c.notices == ()
    if fmt == "csv":  # the BOM does not stick to the first column name
        assert list_columns(Upload(bom + text.encode(codec), "doc.csv")) == ["text", "id"]


def test_latin1_fallback_comes_with_a_notice() -> None:
    c = load("Crème brûlée à la française".encode("latin-1"), "menu.txt")
    assert {"crème", "brûlée", "française"} <= set(c.counts)
    assert len(c.notices) == 1 and "Latin-1" in c.notices[0] and "UTF-8" in c.notices[0]


def test_latin1_fallback_in_csv_and_zip_members() -> None:
    csv_c = load("id,text\n1,Ærø café\n".encode("latin-1"), "a.csv")
    assert {"ærø", "café"} <= set(csv_c.counts) and any("Latin-1" in n for n in csv_c.notices)
    zip_c = load(zip_bytes({"a.txt": "déjà vu".encode("latin-1")}), "a.zip")
    assert "déjà" in zip_c.counts and any("a.txt" in n and "Latin-1" in n for n in zip_c.notices)


def test_stray_non_utf8_bytes_far_into_a_utf8_file_are_read_and_reported() -> None:
    head = ("plain ascii words here\n" * 4000).encode()  # more than the sniffed prefix
    assert len(head) > readers.SNIFF_BYTES
    c = load(head + "naïve\n".encode("latin-1"), "late.txt")
    assert "naïve" in c.counts
    assert any("mostly UTF-8" in n and "line 4,001" in n for n in c.notices)


def test_utf16_without_bom_is_called_binary_with_a_hint() -> None:
    with pytest.raises(ReaderError, match="byte-order mark"):
        load("hello world".encode("utf-16-le"), "a.txt")


# ----- bad input -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"", "empty.txt"),
        (b"", "empty.csv"),
        (b"", "empty.jsonl"),
        (b"  \n\n\t \r\n", "blank.txt"),
        (codecs.BOM_UTF8, "bom-only.txt"),
        (codecs.BOM_UTF16_LE, "bom-only.csv"),
    ],
)
def test_empty_file(data: bytes, name: str) -> None:
    with pytest.raises(ReaderError, match="is empty"):
        load(data, name)


@pytest.mark.parametrize(
    ("data", "looks_like"),
    [
        (b"\x00\x01\x02binary\x00stuff", "NUL bytes"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "PNG"),
        (b"PK\x03\x04\x14\x00\x06\x00", "zip archive"),
        (b"\x1f\x8b\x08\x00\x00\x00", "gzip"),
        (bytes(range(1, 8)) * 200, "control characters"),
    ],
)
@pytest.mark.parametrize("name", ["data.txt", "data.csv", "data.jsonl"])
def test_binary_file_says_it_looks_binary(data: bytes, looks_like: str, name: str) -> None:
    with pytest.raises(ReaderError, match=f"looks like .*{looks_like}.*not text"):
        load(data, name)
    with pytest.raises(ReaderError, match="looks like"):
        list_columns(Upload(data, name)) if not name.endswith(".txt") else load(data, name)


def test_csv_without_the_chosen_column_lists_the_columns() -> None:
    with pytest.raises(ReaderError) as err:
        load(CSV, "t.csv", column="review")
    msg = str(err.value)
    assert "'review'" in msg and "'id'" in msg and "'text'" in msg and "'stars'" in msg


def test_tsv_without_the_chosen_column() -> None:
    with pytest.raises(ReaderError, match="no column 'text'.*'id', 'body'"):
        load(TSV, "t.tsv", column="text")


def test_csv_with_a_header_but_no_rows() -> None:
    with pytest.raises(ReaderError, match="header line but no rows"):
        load(b"id,text\n", "a.csv")


def test_csv_whose_text_column_is_empty_everywhere_suggests_others() -> None:
    with pytest.raises(ReaderError, match="empty in every row.*'id'"):
        load(b"id,text\n1,\n2,  \n", "a.csv", column="text")


def test_csv_with_an_empty_first_line() -> None:
    with pytest.raises(ReaderError, match="header line"):
        load(b",,\n1,2,3\n", "a.csv")


def test_jsonl_line_that_is_not_json_names_the_line() -> None:
    data = b'{"text": "fine"}\n\n{"text": "also fine"}\n{"text": broken}\n'
    with pytest.raises(ReaderError, match=r"Line 4 of a\.jsonl is not JSON.*broken"):
        load(data, "a.jsonl")


def test_jsonl_line_that_is_not_an_object_names_the_line() -> None:
    with pytest.raises(ReaderError, match=r"Line 2 of a\.jsonl is a list, not a JSON object"):
        load(b'{"text": "fine"}\n["a", "b"]\n', "a.jsonl")
    with pytest.raises(ReaderError, match=r"Line 1 of a\.jsonl is a string"):
        load(b'"just a string"\n', "a.jsonl")
    with pytest.raises(ReaderError, match=r"Line 1 of a\.jsonl is a number"):
        list_columns(Upload(b"42\n", "a.jsonl"))


def test_jsonl_line_nested_too_deeply() -> None:
    data = b'{"text": "fine"}\n{"text": ' + b"[" * 100_000 + b"]" * 100_000 + b"}\n"
    with pytest.raises(ReaderError, match="Line 2 of a.jsonl nests .* too deeply"):
        load(data, "a.jsonl")


def test_jsonl_lacking_the_field_everywhere_lists_the_fields() -> None:
    with pytest.raises(ReaderError, match=r"No line of a\.jsonl has a text field 'text'.*'id', 'body'"):
        load(b'{"id": 1, "body": "x"}\n{"id": 2, "body": "y"}\n', "a.jsonl", column="text")


def test_jsonl_lines_lacking_the_field_are_skipped_with_a_notice() -> None:
    data = b'{"text": "kept one"}\n{"other": "x"}\n{"text": null}\n{"text": "kept two"}\n'
    c = load(data, "a.jsonl", column="text")
    assert c.sentences == (("kept", "one"), ("kept", "two"))
    assert any("2 lines" in n and "line 2" in n and "skipped" in n for n in c.notices)


def test_jsonl_with_only_blank_lines() -> None:
    with pytest.raises(ReaderError, match="is empty: it holds only blank lines"):
        load(b"\n\n   \n\n", "a.jsonl")
    with pytest.raises(ReaderError, match="only blank lines"):  # past the sniffed prefix
        load(b"\n" * (readers.SNIFF_BYTES + 10), "a.jsonl")


def test_zip_with_no_text_files_lists_what_is_inside() -> None:
    data = zip_bytes({"data.csv": b"id,text\n1,x\n", "photo.jpg": b"\xff\xd8\xff"})
    with pytest.raises(ReaderError, match=r"no \.txt files.*data\.csv.*photo\.jpg"):
        load(data, "a.zip")
    with pytest.raises(ReaderError, match="no .txt files"):
        load(zip_bytes({}), "empty.zip")


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"this is not a zip archive at all", id="not-a-zip"),
        pytest.param(zip_bytes({"a.txt": b"hello " * 1000})[:-30], id="truncated"),
    ],
)
def test_corrupt_zip(data: bytes) -> None:
    with pytest.raises(ReaderError, match="not a valid zip archive"):
        load(data, "broken.zip")


def test_zip_whose_member_data_is_damaged() -> None:
    data = bytearray(zip_bytes({"a.txt": b"hello world " * 2000}))
    start = data.index(b"a.txt") + len(b"a.txt")  # the compressed bytes follow the local header
    data[start + 20 : start + 60] = b"\xff" * 40
    with pytest.raises(ReaderError, match="damaged"):
        load(bytes(data), "bad.zip")


def test_password_protected_zip() -> None:
    data = bytearray(zip_bytes({"secret.txt": b"hidden words"}))
    for signature, offset in ((b"PK\x03\x04", 6), (b"PK\x01\x02", 8)):  # set the "encrypted" flag bit
        at = data.index(signature) + offset
        data[at] |= 0x1
    with pytest.raises(ReaderError, match="password"):
        load(bytes(data), "secret.zip")


@pytest.mark.parametrize("name", ["big.txt", "big.csv", "big.jsonl", "big.zip"])
def test_file_over_the_size_limit_names_size_limit_and_setting(name: str) -> None:
    data = b"x" * (3 * 2**20)
    with pytest.raises(ReaderError) as err:
        read_texts(Upload(data, name), max_bytes=2 * 2**20)
    msg = str(err.value)
    assert "is 3 MB" in msg and "limit is 2 MB" in msg and "EXPLORER_MAX_UPLOAD_MB" in msg


def test_size_limit_on_a_path_and_on_a_stream_without_size(tmp_path: Path) -> None:
    path = tmp_path / "big.txt"
    path.write_bytes(b"word " * 1000)
    with pytest.raises(ReaderError, match="the limit is"):
        Corpus.from_file(path, max_bytes=1000)

    class Pipe(io.RawIOBase):  # not seekable, no size: the limit is enforced while reading
        name = "pipe.txt"

        def __init__(self) -> None:
            self.left = 200_000

        def readable(self) -> bool:
            return True

        def readinto(self, b) -> int:  # type: ignore[override]
            n = min(len(b), self.left)
            b[:n] = b"word " * (n // 5) + b" " * (n % 5)
            self.left -= n
            return n

    with pytest.raises(ReaderError, match="the limit is"):
        Corpus.from_file(Pipe(), max_bytes=100_000)


@pytest.mark.parametrize("name", ["report.pdf", "data.xlsx", "archive.tar.gz"])
def test_unsupported_extension(name: str) -> None:
    with pytest.raises(ReaderError, match=r"\.txt, \.csv, \.tsv, \.jsonl or \.zip"):
        load(b"some text", name)


def test_file_object_without_a_name() -> None:
    with pytest.raises(ReaderError, match="no name"):
        read_texts(io.BytesIO(b"text"), max_bytes=LIMIT)


def test_missing_path_and_folder(tmp_path: Path) -> None:
    with pytest.raises(ReaderError, match="No file at"):
        Corpus.from_file(tmp_path / "nope.txt", max_bytes=LIMIT)
    folder = tmp_path / "dir.txt"
    folder.mkdir()
    with pytest.raises(ReaderError, match="folder"):
        Corpus.from_file(folder, max_bytes=LIMIT)


@pytest.mark.parametrize(
    ("data", "name"),
    [
        (b"!!! ... ??? --- ***\n", "punct.txt"),
        (b"id,text\n1,!!!\n2,???\n", "punct.csv"),
        (b'{"text": "..."}\n', "punct.jsonl"),
    ],
)
def test_text_without_usable_tokens(data: bytes, name: str) -> None:
    with pytest.raises(CorpusError, match=f"'{name}' has no usable words.*letters or digits"):
        load(data, name)


def test_reader_errors_are_corpus_errors_and_value_errors() -> None:
    assert issubclass(ReaderError, CorpusError) and issubclass(ReaderError, ValueError)


# ----- streaming -----------------------------------------------------------------------------


def test_large_file_with_a_token_limit_stops_early(tmp_path: Path) -> None:
    line = b"the quick brown fox jumps over the lazy dog near the river bank\n"
    data = line * 100_000  # about 6.4 MB, 1.3 million tokens
    upload = Upload(data, "big.txt")
    c = Corpus.from_file(upload, max_bytes=len(data), max_tokens=5_000)
    assert 5_000 - 13 < c.token_count <= 5_000
    assert any("EXPLORER_MAX_TOKENS" in n and "5,000" in n for n in c.notices)
    assert upload.bytes_read < len(data) // 10  # read a few buffers, not the whole file
    path = tmp_path / "big.txt"
    path.write_bytes(data)
    assert Corpus.from_file(path, max_bytes=len(data), max_tokens=5_000).sentences == c.sentences


def test_token_limit_from_the_settings_a_server_passes() -> None:
    settings = Settings.from_env({"EXPLORER_MAX_TOKENS": "100"})
    upload = Upload(b"one two three four five\n" * 1000, "a.txt")
    c = Corpus.from_file(upload, max_bytes=settings.max_upload_bytes, max_tokens=settings.max_tokens)
    assert c.token_count == 100
    assert any("100 tokens" in n for n in c.notices)
    assert Corpus.from_file(upload).token_count == 5000  # no limit unless one is passed


@pytest.mark.parametrize("name", ["big.csv", "big.jsonl", "big.zip"])
def test_streaming_stops_early_for_every_format(name: str) -> None:
    rows = 60_000
    if name.endswith(".csv"):
        data = b"id,text\n" + b"".join(b"%d,some words in row %d\n" % (i, i) for i in range(rows))
    elif name.endswith(".jsonl"):
        data = b"".join(b'{"text": "some words in row %d"}\n' % i for i in range(rows))
    else:
        data = zip_bytes({f"{i:02d}.txt": b"some words in a file\n" * 5000 for i in range(12)})
    upload = Upload(data, name)
    c = Corpus.from_file(upload, max_bytes=len(data), max_tokens=1_000)
    assert c.token_count <= 1_000
    assert any("EXPLORER_MAX_TOKENS" in n for n in c.notices)
    if not name.endswith(".zip"):  # a zip's directory sits at the end, so that part is always read
        assert upload.bytes_read < len(data) // 4


def test_one_huge_line_is_cut_at_spaces_without_losing_words() -> None:
    words = [f"w{i}" for i in range(400_000)]
    data = " ".join(words).encode()  # 2.9 MB on one line
    assert len(data) > 2 * readers.MAX_LINE_BYTES
    pieces = list(read_texts(Upload(data, "one-line.txt"), max_bytes=len(data)).texts)
    assert len(pieces) >= 3
    assert all(len(p.encode()) <= readers.MAX_LINE_BYTES for p in pieces)
    assert " ".join(pieces).split() == words


def test_one_huge_line_without_spaces_is_cut_between_characters_and_dropped() -> None:
    data = ("é" * 1_500_000).encode()  # 3 MB of two-byte characters, no space: no word is that long
    result = read_texts(Upload(data, "blob.txt"), max_bytes=len(data))
    pieces = list(result.texts)
    assert len(pieces) >= 3 and all(len(p.encode()) <= readers.MAX_LINE_BYTES for p in pieces)
    assert "".join(pieces).strip() == ""  # each piece is a run far over the token cap, so it is dropped
    assert any("without a space" in n and f"{readers.MAX_TOKEN_CHARS}" in n for n in result.all_notices())


def test_files_opened_from_a_path_are_closed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[io.BufferedReader] = []
    real_open = open

    def spy(*args, **kwargs):
        fh = real_open(*args, **kwargs)
        opened.append(fh)
        return fh

    monkeypatch.setattr("builtins.open", spy)
    path = tmp_path / "a.txt"
    path.write_bytes(b"one two three\n" * 1000)
    Corpus.from_file(path, max_bytes=LIMIT, max_tokens=10)  # stopped early by the token limit
    (tmp_path / "a.csv").write_bytes(CSV)
    list_columns(tmp_path / "a.csv")
    assert opened and all(fh.closed for fh in opened)


# ----- columns -------------------------------------------------------------------------------


def test_list_columns_for_each_format() -> None:
    assert list_columns(Upload(CSV, "a.csv")) == ["id", "text", "stars"]
    assert list_columns(Upload(TSV, "a.tsv")) == ["id", "body"]
    jsonl = b'{"id": 1, "text": "a"}\n{"id": 2, "lang": "en", "text": "b"}\n'
    assert list_columns(Upload(jsonl, "a.jsonl")) == ["id", "text", "lang"]
    assert list_columns(Upload(TXT, "a.txt")) is None
    assert list_columns(Upload(zip_bytes({"a.txt": b"x"}), "a.zip")) is None


def test_list_columns_from_a_path(tmp_path: Path) -> None:
    (tmp_path / "a.csv").write_bytes(CSV)
    assert list_columns(tmp_path / "a.csv") == ["id", "text", "stars"]


@pytest.mark.parametrize("name", ["a.csv", "a.jsonl"])
def test_list_columns_rewinds_the_file_for_the_next_read(name: str) -> None:
    data = CSV if name == "a.csv" else JSONL
    upload = Upload(data, name)
    upload.seek(5)
    columns = list_columns(upload)
    assert upload.tell() == 0
    c = Corpus.from_file(upload, column=guess_text_column(columns), max_bytes=LIMIT)
    assert c.token_count > 0


def test_list_columns_rewinds_even_when_it_fails() -> None:
    upload = Upload(b'{"text": "a"}\nnot json\n' * 40, "a.jsonl")
    with pytest.raises(ReaderError, match="Line 2"):
        list_columns(upload)
    assert upload.tell() == 0


def test_list_columns_bad_inputs() -> None:
    with pytest.raises(ReaderError, match="is empty"):
        list_columns(Upload(b"", "a.csv"))
    with pytest.raises(ReaderError, match="header line"):
        list_columns(Upload(b"\n1,2\n", "a.csv"))
    with pytest.raises(ReaderError, match="objects are empty"):
        list_columns(Upload(b"{}\n{}\n", "a.jsonl"))
    with pytest.raises(ReaderError, match="not JSON"):
        list_columns(Upload(b"{oops\n", "a.jsonl"))


@pytest.mark.parametrize(
    ("columns", "expected"),
    [
        (["id", "text", "label"], "text"),
        (["ID", "Body", "TEXT"], "TEXT"),
        (["id", "message", "content"], "message"),
        (["id", "review_text", "stars"], "review_text"),
        (["user", "Message Body"], "Message Body"),
        (["sentence", "label"], "sentence"),
        (["a", "b"], "a"),
        (["contents_id", "x"], "contents_id"),
    ],
)
def test_guess_text_column(columns: list[str], expected: str) -> None:
    assert guess_text_column(columns) == expected


def test_guess_text_column_needs_columns() -> None:
    with pytest.raises(ReaderError, match="no columns"):
        guess_text_column([])


# ----- the sidebar's upload flow, without a browser --------------------------------------------


def test_streamlit_uploaded_file_goes_through_the_sidebar_sequence() -> None:
    """What explorer.ui does with an upload: list columns, guess one, read the corpus."""
    from streamlit.runtime.uploaded_file_manager import UploadedFile, UploadedFileRec

    data = b"review_id,review,stars\n1,The charger broke after a week.,1\n2,Great battery life!,5\n"
    file = UploadedFile(UploadedFileRec(file_id="1", name="reviews.csv", type="text/csv", data=data), None)
    columns = list_columns(file)
    assert columns == ["review_id", "review", "stars"]
    assert guess_text_column(columns) == "review"
    assert file.getvalue() == data and file.tell() == 0
    c = Corpus.from_file(file, column="review", name=file.name, max_bytes=LIMIT)
    assert c.name == "reviews.csv" and {"charger", "battery"} <= set(c.counts)
    assert not file.closed  # the caller's file stays open


def test_zip_that_unpacks_far_beyond_the_limit_stops_with_a_notice() -> None:
    members = {f"{i:02d}.txt": b"same words again\n" * 20_000 for i in range(8)}  # 2.7 MB of text
    data = zip_bytes(members)
    limit = 100_000
    assert len(data) < limit  # the archive itself is small
    result = read_texts(Upload(data, "bomb.zip"), max_bytes=limit)
    lines = sum(1 for _ in result.texts)
    assert lines < 8 * 20_000
    assert any("ten times the upload limit" in n for n in result.all_notices())

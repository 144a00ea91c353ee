"""`w2v download sst`: fetch over file:// and a local HTTP server, verify SHA-256, unpack atomically."""
from __future__ import annotations

import contextlib
import dataclasses
import functools
import hashlib
import http.server
import io
import json
import shutil
import threading
import zipfile
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from w2vcli.corpus import resolve_corpus
from w2vcli.download import (
    DATASETS,
    QUESTIONS_WORDS,
    SST_FOLDER,
    SST_SENTENCES,
    SST_SHA256,
    TEXT8,
    Dataset,
    data_dir,
    dataset_path,
    download_dataset,
    download_sst,
    sha256_of,
    sst_sentences_path,
)
from w2vcli.errors import W2VError

REAL_SST = Path(__file__).resolve().parent.parent.parent / "shared" / "corpora" / "stanfordSentimentTreebank" / (
    "datasetSentences.txt"
)


# --- fixtures: archives in a served folder ----------------------------------------------------------------------


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    """A folder with good.zip (real datasetSentences.txt), modified.zip, missing.zip and notazip.zip."""
    if not REAL_SST.exists():
        pytest.skip(f"{REAL_SST} is absent")
    root = tmp_path_factory.mktemp("served")
    real = REAL_SST.read_bytes()
    with zipfile.ZipFile(root / "good.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{SST_FOLDER}/", "")
        z.writestr(f"{SST_FOLDER}/{SST_SENTENCES}", real)
        z.writestr(f"{SST_FOLDER}/README.txt", "readme\n")
        z.writestr(f"__MACOSX/{SST_FOLDER}/._{SST_SENTENCES}", "junk")
    with zipfile.ZipFile(root / "modified.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr(f"{SST_FOLDER}/{SST_SENTENCES}", real.replace(b"The Rock", b"The Stone", 1))
    with zipfile.ZipFile(root / "missing.zip", "w") as z:
        z.writestr(f"{SST_FOLDER}/README.txt", "no sentences here\n")
    (root / "notazip.zip").write_bytes(b"<html>404 or a login page</html>\n" * 20)
    return root


@pytest.fixture(scope="module")
def http_root(served):
    """Base URL of a local HTTP server (127.0.0.1, port chosen by the OS) serving `served`."""
    with serving(served) as url:
        yield url


class _QuietHandler(http.server.SimpleHTTPRequestHandler):
    def log_message(self, *args):
        pass


class _QuietServer(http.server.ThreadingHTTPServer):
    def handle_error(self, request, client_address):
        pass  # a client that hangs up after the header (a refused size) is expected here


@contextlib.contextmanager
def serving(directory: Path):
    """A local HTTP server (127.0.0.1, port chosen by the OS) serving directory, quietly, on a thread: its URL."""
    server = _QuietServer(("127.0.0.1", 0), functools.partial(_QuietHandler, directory=str(directory)))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=5)


def assert_installed(dest: Path, path: Path | None = None):
    expected = dest / SST_FOLDER / SST_SENTENCES
    if path is not None:
        assert Path(path) == expected
    assert expected.is_file()
    assert sha256_of(expected) == SST_SHA256
    assert expected.read_bytes() == REAL_SST.read_bytes()
    # nothing but the treebank folder is left in dest (the temporary download folder is gone)
    assert sorted(p.name for p in dest.iterdir()) == [SST_FOLDER]
    assert not (dest / "__MACOSX").exists()


def assert_nothing_installed(dest: Path):
    assert not (dest / SST_FOLDER).exists()
    assert not [p for p in dest.iterdir() if p.name.startswith(".download-")] if dest.exists() else True


# --- success ----------------------------------------------------------------------------------------------------


def test_real_file_has_the_expected_checksum():
    if not REAL_SST.exists():
        pytest.skip(f"{REAL_SST} is absent")
    assert sha256_of(REAL_SST) == SST_SHA256


def test_download_from_file_url(served, tmp_path):
    dest = tmp_path / "data"
    path = download_sst(dest, url=(served / "good.zip").as_uri(), progress=False)
    assert_installed(dest, path)
    assert (dest / SST_FOLDER / "README.txt").read_text() == "readme\n"


def test_download_over_http(http_root, tmp_path):
    dest = tmp_path / "data"
    path = download_sst(dest, url=f"{http_root}/good.zip", progress=False)
    assert_installed(dest, path)


def test_download_replaces_an_old_copy(served, tmp_path):
    dest = tmp_path / "data"
    old = dest / SST_FOLDER
    old.mkdir(parents=True)
    (old / "stale.txt").write_text("old")
    (old / SST_SENTENCES).write_text("old version")
    download_sst(dest, url=(served / "good.zip").as_uri(), progress=False)
    assert_installed(dest)
    assert not (old / "stale.txt").exists()


def test_cli_download_over_http(http_root, tmp_path):
    from w2vcli.cli import main

    dest = tmp_path / "D"
    result = CliRunner().invoke(main, ["download", "sst", "--dest", str(dest), "--url", f"{http_root}/good.zip",
                                       "--quiet"])
    assert result.exit_code == 0, result.output
    assert str(dest / SST_FOLDER / SST_SENTENCES) in result.output
    assert_installed(dest)


def test_cli_download_from_file_url(served, tmp_path):
    from w2vcli.cli import main

    dest = tmp_path / "D"
    result = CliRunner().invoke(main, ["download", "sst", "--dest", str(dest), "--url",
                                       (served / "good.zip").as_uri(), "--quiet"])
    assert result.exit_code == 0, result.output
    assert_installed(dest)


def test_download_to_w2v_data_by_default(served, tmp_path, monkeypatch):
    monkeypatch.setenv("W2V_DATA", str(tmp_path / "envdata"))
    path = download_sst(url=(served / "good.zip").as_uri(), progress=False)
    assert path == tmp_path / "envdata" / SST_FOLDER / SST_SENTENCES
    assert sst_sentences_path() == path
    assert resolve_corpus("sst") == path


# --- failures ---------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("via", ["file", "http"])
def test_modified_file_fails_the_checksum(served, http_root, tmp_path, via):
    dest = tmp_path / "data"
    url = (served / "modified.zip").as_uri() if via == "file" else f"{http_root}/modified.zip"
    with pytest.raises(W2VError) as err:
        download_sst(dest, url=url, progress=False)
    assert "SHA-256" in str(err.value)
    assert SST_SHA256 in str(err.value)
    assert_nothing_installed(dest)
    assert list(dest.iterdir()) == []


def test_failed_download_keeps_the_old_copy(served, tmp_path):
    dest = tmp_path / "data"
    download_sst(dest, url=(served / "good.zip").as_uri(), progress=False)
    with pytest.raises(W2VError, match="SHA-256"):
        download_sst(dest, url=(served / "modified.zip").as_uri(), progress=False)
    assert_installed(dest)


def test_cli_checksum_failure_is_one_error_line(served, tmp_path):
    from w2vcli.cli import main

    dest = tmp_path / "D"
    result = CliRunner().invoke(main, ["download", "sst", "--dest", str(dest), "--url",
                                       (served / "modified.zip").as_uri(), "--quiet"])
    assert result.exit_code == 1
    assert "Error:" in result.output and "SHA-256" in result.output
    assert "Traceback" not in result.output
    assert not (dest / SST_FOLDER).exists()


def test_archive_without_the_sentences_file(served, tmp_path):
    dest = tmp_path / "data"
    with pytest.raises(W2VError, match=f"no {SST_FOLDER}/{SST_SENTENCES}"):
        download_sst(dest, url=(served / "missing.zip").as_uri(), progress=False)
    assert_nothing_installed(dest)


@pytest.mark.parametrize("via", ["file", "http"])
def test_not_a_zip(served, http_root, tmp_path, via):
    dest = tmp_path / "data"
    url = (served / "notazip.zip").as_uri() if via == "file" else f"{http_root}/notazip.zip"
    with pytest.raises(W2VError, match="not a zip"):
        download_sst(dest, url=url, progress=False)
    assert_nothing_installed(dest)
    assert list(dest.iterdir()) == []


def test_unreachable_url(tmp_path):
    dest = tmp_path / "data"
    with pytest.raises(W2VError) as err:
        download_sst(dest, url="http://127.0.0.1:1/", progress=False)
    assert "could not download http://127.0.0.1:1/" in str(err.value)
    assert_nothing_installed(dest)


def test_http_404(http_root, tmp_path):
    with pytest.raises(W2VError, match="could not download"):
        download_sst(tmp_path / "data", url=f"{http_root}/nope.zip", progress=False)


def test_missing_file_url(tmp_path):
    with pytest.raises(W2VError, match="could not download"):
        download_sst(tmp_path / "data", url=(tmp_path / "absent.zip").as_uri(), progress=False)


def test_cli_unreachable_url(tmp_path):
    from w2vcli.cli import main

    result = CliRunner().invoke(main, ["download", "sst", "--dest", str(tmp_path / "D"), "--url",
                                       "http://127.0.0.1:1/", "--quiet"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: could not download")
    assert "Traceback" not in result.output


# --- finding the downloaded file --------------------------------------------------------------------------------


def test_data_dir_precedence(tmp_path, monkeypatch):
    monkeypatch.setenv("W2V_DATA", str(tmp_path / "w2v"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert data_dir() == tmp_path / "w2v"
    monkeypatch.delenv("W2V_DATA")
    assert data_dir() == tmp_path / "xdg" / "w2vcli"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert data_dir() == tmp_path / "home" / ".cache" / "w2vcli"


def test_sst_sentences_path_with_w2v_data(tmp_path, monkeypatch):
    monkeypatch.setenv("W2V_DATA", str(tmp_path))
    target = tmp_path / SST_FOLDER / SST_SENTENCES
    with pytest.raises(W2VError) as err:
        sst_sentences_path()
    assert "w2v download sst" in str(err.value)
    assert str(target) in str(err.value)
    with pytest.raises(W2VError, match="w2v download sst"):
        resolve_corpus("sst")
    target.parent.mkdir()
    target.write_text("sentence_index\tsentence\n1\thello\n")
    assert sst_sentences_path() == target
    assert resolve_corpus("sst") == target


def test_sst_sentences_path_explicit_dest(tmp_path):
    with pytest.raises(W2VError, match="w2v download sst"):
        sst_sentences_path(tmp_path)
    (tmp_path / SST_FOLDER).mkdir()
    shutil.copyfile(__file__, tmp_path / SST_FOLDER / SST_SENTENCES)
    assert sst_sentences_path(tmp_path) == tmp_path / SST_FOLDER / SST_SENTENCES


# --- text8 and questions-words (issue 14): size and SHA-256 checked before anything lands -------------------------

GENSIM_QUESTIONS = Path(pytest.importorskip("gensim").__file__).parent / "test" / "test_data" / "questions-words.txt"
SMALL_TEXT8 = (" anarchism originated as a term of abuse first used against early working class" * 500).encode()


def zip_bytes(members: dict[str, bytes]) -> bytes:
    """A zip of members, stored (not compressed): members of one length give zips of one size."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buffer.getvalue()


def small_text8(url: str = "") -> Dataset:
    """TEXT8 as a small file: the same rules, sizes and checksum of SMALL_TEXT8 and its zip."""
    return dataclasses.replace(TEXT8, url=url, size=len(SMALL_TEXT8), sha256=hashlib.sha256(SMALL_TEXT8).hexdigest(),
                               zip_bytes=len(zip_bytes({"text8": SMALL_TEXT8})))


@pytest.fixture(scope="module")
def served_datasets(tmp_path_factory):
    """Zips of text8 (good, member modified with its size kept, member of another size, two members, another
    name, not a zip of the right size) and questions-words (gensim's copy, modified, truncated), on a local
    HTTP server."""
    root = tmp_path_factory.mktemp("datasets")
    good = zip_bytes({"text8": SMALL_TEXT8})
    (root / "text8.zip").write_bytes(good)
    (root / "modified.zip").write_bytes(zip_bytes({"text8": SMALL_TEXT8.replace(b"abuse", b"abase", 1)}))
    (root / "longer.zip").write_bytes(zip_bytes({"text8": SMALL_TEXT8 + b" x"}))
    (root / "two.zip").write_bytes(zip_bytes({"text8": SMALL_TEXT8, "README": b"hi"}))
    (root / "renamed.zip").write_bytes(zip_bytes({"text9": SMALL_TEXT8}))
    (root / "notazip.zip").write_bytes(b"<html>moved</html>".ljust(len(good), b" "))
    if GENSIM_QUESTIONS.exists():
        questions = GENSIM_QUESTIONS.read_bytes()
        (root / "questions-words.txt").write_bytes(questions)
        (root / "questions-modified.txt").write_bytes(questions.replace(b"Athens", b"Athenz", 1))
        (root / "questions-short.txt").write_bytes(questions[:-1000])
    return root


@pytest.fixture(scope="module")
def datasets_http(served_datasets):
    """Base URL of a local HTTP server serving served_datasets."""
    with serving(served_datasets) as url:
        yield url


def test_constants_are_the_published_ones():
    assert (TEXT8.url, TEXT8.zip_bytes, TEXT8.size) == ("http://mattmahoney.net/dc/text8.zip", 31_344_016, 100_000_000)
    assert TEXT8.sha256 == "6e890197040d37d85beb962ae1f041ff1d9a9ca8d20c7d99c85027eebf51dca7"
    assert DATASETS == {"text8": TEXT8, "questions-words": QUESTIONS_WORDS}
    if not GENSIM_QUESTIONS.exists():
        pytest.skip("gensim's questions-words.txt is absent")
    # the word2vec distribution's file (the pinned tmikolov/word2vec commit) and gensim's copy are the same bytes
    assert QUESTIONS_WORDS.size == GENSIM_QUESTIONS.stat().st_size
    assert QUESTIONS_WORDS.sha256 == sha256_of(GENSIM_QUESTIONS)


def test_text8_accepted_over_http(datasets_http, tmp_path):
    dest = tmp_path / "data"
    path = download_dataset(small_text8(), dest, f"{datasets_http}/text8.zip", progress=False)
    assert path == dest / "text8"
    assert path.read_bytes() == SMALL_TEXT8
    assert sorted(p.name for p in dest.iterdir()) == ["text8"]  # no zip, no temporary folder


def test_text8_replaces_an_old_copy_and_is_the_corpus(datasets_http, tmp_path, monkeypatch):
    monkeypatch.setenv("W2V_DATA", str(tmp_path))
    with pytest.raises(W2VError, match=r"text8 is not at .*: run `w2v download text8`"):
        resolve_corpus("text8")
    (tmp_path / "text8").write_text("old")
    download_dataset(small_text8(f"{datasets_http}/text8.zip"), progress=False)
    assert resolve_corpus("text8") == tmp_path / "text8"
    assert (tmp_path / "text8").read_bytes() == SMALL_TEXT8


@pytest.mark.parametrize("name, spec_change, message", [
    ("text8.zip", {"zip_bytes": 1}, r"is \d[\d,]* bytes, expected 1"),  # the zip's size (Content-Length)
    ("longer.zip", {"zip_bytes": None},
     f"text8 in the zip from .* is {len(SMALL_TEXT8) + 2:,} bytes, expected {len(SMALL_TEXT8):,}"),
    ("modified.zip", {}, "text8 from .* has SHA-256 [0-9a-f]{64}, expected"),
    ("two.zip", {"zip_bytes": None}, "should hold only text8; it holds text8, README"),
    ("renamed.zip", {}, "should hold only text8; it holds text9"),
    ("notazip.zip", {}, "is not a zip archive"),
    ("absent.zip", {}, "could not download"),
])
def test_text8_refused_leaves_nothing(served_datasets, datasets_http, tmp_path, name, spec_change, message):
    """Wrong zip size, wrong member size, wrong checksum, wrong members, not a zip, 404: an error, and the data
    folder holds what it held (an older text8 untouched)."""
    spec = small_text8()
    if spec_change.get("zip_bytes", 0) is None:  # the zip's own size, whatever it is: the member is what differs
        spec = dataclasses.replace(spec, zip_bytes=(served_datasets / name).stat().st_size)
    elif spec_change:
        spec = dataclasses.replace(spec, **spec_change)
    dest = tmp_path / "data"
    dest.mkdir()
    (dest / "text8").write_bytes(b"an older copy")
    with pytest.raises(W2VError, match=message):
        download_dataset(spec, dest, f"{datasets_http}/{name}", progress=False)
    assert sorted(p.name for p in dest.iterdir()) == ["text8"]
    assert (dest / "text8").read_bytes() == b"an older copy"


def test_real_text8_sizes_refuse_a_small_zip(served_datasets, datasets_http, tmp_path):
    """With the published sizes: the header's size refuses it over HTTP, the bytes received over file://."""
    for url in (f"{datasets_http}/text8.zip", (served_datasets / "text8.zip").as_uri()):
        dest = tmp_path / "data"
        with pytest.raises(W2VError, match=r"bytes, expected 31,344,016"):
            download_dataset(TEXT8, dest, url, progress=False)
        assert list(dest.iterdir()) == []


def test_body_shorter_than_its_header(tmp_path):
    """A connection that ends early (the server's Content-Length unmet) is refused too."""

    class Short(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            self.send_response(200)
            self.send_header("Content-Length", str(len(SMALL_TEXT8)))
            self.end_headers()
            self.wfile.write(SMALL_TEXT8[:100])

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Short)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        spec = dataclasses.replace(QUESTIONS_WORDS, size=len(SMALL_TEXT8))
        with pytest.raises(W2VError, match=r"/q sent 100 bytes, expected 39,500"):
            download_dataset(spec, tmp_path, f"http://127.0.0.1:{server.server_address[1]}/q", progress=False)
    finally:
        server.shutdown()
        server.server_close()
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def real_questions(served_datasets):
    if not GENSIM_QUESTIONS.exists():
        pytest.skip("gensim's questions-words.txt is absent")
    return served_datasets


def test_questions_words_accepted_and_found_by_evaluate(real_questions, datasets_http, tmp_path, monkeypatch):
    from w2vcli.cli import main

    monkeypatch.setenv("W2V_DATA", str(tmp_path / "data"))
    vectors = tmp_path / "v.txt"
    vectors.write_text("3 2\nathens 1 0\ngreece 0 1\nberlin 1 1\n", encoding="utf-8")
    missing = CliRunner().invoke(main, ["evaluate", str(vectors), "--analogies", "questions-words"])
    assert missing.exit_code == 1
    assert missing.output.startswith("Error: questions-words is not at ")
    assert "w2v download questions-words" in missing.output
    result = CliRunner().invoke(main, ["download", "questions-words", "--url",
                                       f"{datasets_http}/questions-words.txt", "--quiet"])
    assert result.exit_code == 0, result.output
    path = tmp_path / "data" / "questions-words.txt"
    assert result.output == f"questions-words is at {path}\n"
    assert path.read_bytes() == GENSIM_QUESTIONS.read_bytes()
    assert dataset_path("questions-words") == path
    evaluated = CliRunner().invoke(main, ["evaluate", str(vectors), "--analogies", "questions-words", "--json"])
    assert evaluated.exit_code == 0, evaluated.output
    report = json.loads(evaluated.output)["analogies"]
    assert (report["questions"], len(report["sections"]), report["questions_seen"]) == (19_544, 14, 0)


@pytest.mark.parametrize("name, message", [("questions-modified.txt", "has SHA-256"),
                                           ("questions-short.txt", "602,955 bytes, expected 603,955")])
def test_questions_words_refused(real_questions, datasets_http, tmp_path, name, message):
    from w2vcli.cli import main

    dest = tmp_path / "D"
    result = CliRunner().invoke(main, ["download", "questions-words", "--dest", str(dest), "--url",
                                       f"{datasets_http}/{name}", "--quiet"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: ") and message in result.output
    assert "Traceback" not in result.output
    assert list(dest.iterdir()) == []


def test_cli_download_text8(datasets_http, tmp_path, monkeypatch):
    from w2vcli.cli import main

    monkeypatch.setitem(DATASETS, "text8", small_text8())
    dest = tmp_path / "D"
    good = CliRunner().invoke(main, ["download", "text8", "--dest", str(dest), "--url", f"{datasets_http}/text8.zip",
                                     "--quiet"])
    assert good.exit_code == 0, good.output
    assert good.output == f"text8 is at {dest / 'text8'}\n"
    bad = CliRunner().invoke(main, ["download", "text8", "--dest", str(tmp_path / "E"), "--url",
                                    f"{datasets_http}/modified.zip", "--quiet"])
    assert bad.exit_code == 1 and bad.output.startswith("Error: text8 from ") and "SHA-256" in bad.output
    assert list((tmp_path / "E").iterdir()) == []


def test_a_text8_line_is_read_in_gensims_sentences(tmp_path):
    """text8's one line comes in sentences of 10,000 words as gensim's Text8Corpus cuts it, in Python and in the
    compiled count; a line longer than a read block (1 MiB) also ends a sentence at each block's edge."""
    from gensim.models.word2vec import Text8Corpus

    from w2vcli.corpus import BLOCK_BYTES, Corpus
    from w2vcli.scan import count_corpus

    rng = np.random.default_rng(1)
    for words, pieces_over_gensim in ((120_000, 0), (450_000, 1)):
        path = tmp_path / f"text8-{words}"
        path.write_text(" " + " ".join(f"w{i}" for i in rng.integers(0, 900, size=words)))  # no newline, as text8
        assert (path.stat().st_size < BLOCK_BYTES) == (pieces_over_gensim == 0)
        ours = [len(sentence) for sentence in Corpus(path)]
        theirs = [len(sentence) for sentence in Text8Corpus(str(path))]
        assert sum(ours) == sum(theirs) == words
        assert len(ours) == len(theirs) + pieces_over_gensim
        assert count_corpus(Corpus(path), min_count=1).corpus_sentences == len(ours)
        if not pieces_over_gensim:
            assert ours == theirs

"""`w2v download sst`: fetch over file:// and a local HTTP server, verify SHA-256, unpack atomically."""
from __future__ import annotations

import functools
import http.server
import shutil
import threading
import zipfile
from pathlib import Path

import pytest
from click.testing import CliRunner

from w2vcli.corpus import resolve_corpus
from w2vcli.download import (
    SST_FOLDER,
    SST_SENTENCES,
    SST_SHA256,
    data_dir,
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

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    handler = functools.partial(Quiet, directory=str(served))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
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

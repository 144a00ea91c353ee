"""`w2v download sst|text8|questions-words`: fetch a corpus or test set, verify it by size and SHA-256, and only
then move it into the data folder ($W2V_DATA, else ~/.cache/w2vcli).

Every download goes to a temporary folder inside the data folder and is renamed into place when every check
passed (the same file system, so the rename is atomic); on any failure the temporary folder is deleted and an
older copy stays as it was.
"""
from __future__ import annotations

import hashlib
import http.client
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from dataclasses import dataclass
from pathlib import Path

from w2vcli.errors import W2VError

SST_URL = "https://nlp.stanford.edu/~socherr/stanfordSentimentTreebank.zip"
SST_FOLDER = "stanfordSentimentTreebank"
SST_SENTENCES = "datasetSentences.txt"
SST_SHA256 = "f7ae959a5ff0565eb860c3f2e600dde118bcb49aee63df8fa9b9a806da235553"  # of datasetSentences.txt


@dataclass(frozen=True)
class Dataset:
    """A file `w2v download NAME` puts in the data folder as `filename`: fetched from url, checked by its size
    (bytes) and SHA-256; when zip_bytes is set, url serves a zip of that size whose one member is the file."""

    name: str
    url: str
    filename: str
    size: int
    sha256: str
    zip_bytes: int | None = None


TEXT8 = Dataset(  # the C tool's demo corpus (demo-word.sh): Wikipedia text, lower-case a-z and spaces, one line
    name="text8", url="http://mattmahoney.net/dc/text8.zip", filename="text8", size=100_000_000,
    sha256="6e890197040d37d85beb962ae1f041ff1d9a9ca8d20c7d99c85027eebf51dca7", zip_bytes=31_344_016,
)
QUESTIONS_WORDS = Dataset(  # Google's analogy set from the word2vec distribution (19,544 questions, 14 sections)
    name="questions-words", filename="questions-words.txt", size=603_955,
    url="https://raw.githubusercontent.com/tmikolov/word2vec/20c129af10659f7c50e86e3be406df663beff438/"
        "questions-words.txt",  # pinned to a commit; gensim's test_data copy has the same bytes
    sha256="8c29b3332afc46f3fb8be04cb5297bf96f39aa7131272dff57869b4485b22a36",
)
DATASETS = {dataset.name: dataset for dataset in (TEXT8, QUESTIONS_WORDS)}


def data_dir() -> Path:
    """Where downloads go: $W2V_DATA, else $XDG_CACHE_HOME/w2vcli, else ~/.cache/w2vcli."""
    if os.environ.get("W2V_DATA"):
        return Path(os.environ["W2V_DATA"])
    cache = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(cache) / "w2vcli"


def sst_sentences_path(dest: Path | None = None) -> Path:
    """The downloaded treebank's datasetSentences.txt; an error telling how to download it when missing."""
    path = (dest or data_dir()) / SST_FOLDER / SST_SENTENCES
    if not path.exists():
        raise W2VError(f"the SST corpus is not at {path}: run `w2v download sst` (or give --corpus PATH)")
    return path


def dataset_path(name: str, dest: Path | None = None) -> Path:
    """The downloaded file of DATASETS[name]; an error telling how to download it when missing."""
    path = (dest or data_dir()) / DATASETS[name].filename
    if not path.is_file():
        raise W2VError(f"{name} is not at {path}: run `w2v download {name}` (or give the file's path)")
    return path


def sha256_of(path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def download_sst(dest: Path | None = None, url: str = SST_URL, progress: bool = True) -> Path:
    """Download the treebank zip from url, check datasetSentences.txt's SHA-256, unpack into dest/SST_FOLDER.

    The folder appears only when everything checked out (unpacked beside it, then renamed).
    Returns the path of datasetSentences.txt.
    """
    dest = Path(dest or data_dir())
    dest.mkdir(parents=True, exist_ok=True)
    target = dest / SST_FOLDER
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as work:
        archive = Path(work) / "sst.zip"
        _fetch(url, archive, progress)
        try:
            with zipfile.ZipFile(archive) as zipped:
                members = [m for m in zipped.namelist() if m.startswith(SST_FOLDER + "/") and ".." not in m]
                if f"{SST_FOLDER}/{SST_SENTENCES}" not in members:
                    raise W2VError(f"the archive from {url} has no {SST_FOLDER}/{SST_SENTENCES}")
                zipped.extractall(work, members=[m for m in members if not m.startswith("__MACOSX")])
        except zipfile.BadZipFile:
            raise W2VError(f"what {url} sent is not a zip archive") from None
        unpacked = Path(work) / SST_FOLDER
        checksum = sha256_of(unpacked / SST_SENTENCES)
        if checksum != SST_SHA256:
            raise W2VError(f"{SST_SENTENCES} from {url} has SHA-256 {checksum}, expected {SST_SHA256}")
        if target.exists():
            shutil.rmtree(target)
        os.replace(unpacked, target)
    return target / SST_SENTENCES


def download_dataset(dataset: Dataset, dest: Path | None = None, url: str | None = None,
                     progress: bool = True) -> Path:
    """Fetch dataset from url (default dataset.url) into dest/dataset.filename, after checking, in this order:
    the bytes received (the zip's, or the file's), for a zip that its one member is dataset.filename and that
    member's size, then the file's size and SHA-256. Returns the file's path."""
    url = url or dataset.url
    dest = Path(dest or data_dir())
    dest.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dest, prefix=".download-") as work:
        fetched = Path(work) / ("download.zip" if dataset.zip_bytes else dataset.filename)
        _fetch(url, fetched, progress, expected_bytes=dataset.zip_bytes or dataset.size)
        path = _unzip_one(fetched, dataset, url) if dataset.zip_bytes else fetched
        _check_file(path, dataset, url)
        target = dest / dataset.filename
        if target.is_dir():
            shutil.rmtree(target)
        os.replace(path, target)
    return target


def _unzip_one(archive: Path, dataset: Dataset, url: str) -> Path:
    """The zip's one member, dataset.filename, extracted beside it once its stated size is dataset.size."""
    try:
        with zipfile.ZipFile(archive) as zipped:
            members = zipped.infolist()
            if [m.filename for m in members] != [dataset.filename]:
                names = ", ".join(m.filename for m in members[:5]) or "nothing"
                raise W2VError(f"the zip from {url} should hold only {dataset.filename}; it holds {names}")
            if members[0].file_size != dataset.size:  # before unpacking: no 100 GB surprise
                raise W2VError(f"{dataset.filename} in the zip from {url} is {members[0].file_size:,} bytes, "
                               f"expected {dataset.size:,}")
            return Path(zipped.extract(members[0], archive.parent / "unzipped"))
    except (zipfile.BadZipFile, EOFError):
        raise W2VError(f"what {url} sent is not a zip archive (or a damaged one)") from None


def _check_file(path: Path, dataset: Dataset, url: str) -> None:
    """dataset.size and dataset.sha256, or a W2VError naming what differs."""
    size = path.stat().st_size
    if size != dataset.size:
        raise W2VError(f"{dataset.filename} from {url} is {size:,} bytes, expected {dataset.size:,}")
    checksum = sha256_of(path)
    if checksum != dataset.sha256:
        raise W2VError(f"{dataset.filename} from {url} has SHA-256 {checksum}, expected {dataset.sha256}")


def _fetch(url: str, path: Path, progress: bool, expected_bytes: int | None = None) -> None:
    """url's bytes into path. With expected_bytes, a Content-Length or a body of another size is an error, found
    as soon as the header or the extra bytes arrive (a wrong address never fills the disk)."""
    from tqdm import tqdm

    received = 0
    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(path, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            if expected_bytes and total and total != expected_bytes:
                raise W2VError(f"{url} is {total:,} bytes, expected {expected_bytes:,}")
            with tqdm(total=total, unit="B", unit_scale=True, desc="download", disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    received += len(block)
                    if expected_bytes and received > expected_bytes:
                        raise W2VError(f"{url} sent more than the expected {expected_bytes:,} bytes")
                    out.write(block)
                    bar.update(len(block))
    except (urllib.error.URLError, http.client.HTTPException, OSError, ValueError) as err:
        reason = getattr(err, "reason", None) or err
        raise W2VError(f"could not download {url}: {reason}") from None
    if expected_bytes and received != expected_bytes:
        raise W2VError(f"{url} sent {received:,} bytes, expected {expected_bytes:,}")

"""`w2v download sst`: fetch the Stanford Sentiment Treebank, verify it by SHA-256, unpack it into the data folder."""
from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from w2vcli.errors import W2VError

SST_URL = "https://nlp.stanford.edu/~socherr/stanfordSentimentTreebank.zip"
SST_FOLDER = "stanfordSentimentTreebank"
SST_SENTENCES = "datasetSentences.txt"
SST_SHA256 = "f7ae959a5ff0565eb860c3f2e600dde118bcb49aee63df8fa9b9a806da235553"  # of datasetSentences.txt


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


def _fetch(url: str, path: Path, progress: bool) -> None:
    from tqdm import tqdm

    try:
        with urllib.request.urlopen(url, timeout=60) as response, open(path, "wb") as out:
            total = int(response.headers.get("Content-Length") or 0) or None
            with tqdm(total=total, unit="B", unit_scale=True, desc="download", disable=not progress) as bar:
                for block in iter(lambda: response.read(1 << 16), b""):
                    out.write(block)
                    bar.update(len(block))
    except (urllib.error.URLError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise W2VError(f"could not download {url}: {reason}") from None

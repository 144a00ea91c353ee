"""The training configuration: one typed dataclass, read from YAML, checked, and written back with comments.

Precedence: command line > config file > the defaults below. Unknown keys, wrong types and impossible values
are errors that name the key.
"""
from __future__ import annotations

import dataclasses
import difflib
import math
import re
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import yaml

from w2vcli.errors import ConfigError

VECTOR_FORMATS = {"txt": "vectors.txt", "bin": "vectors.bin"}  # `save` choices and the files they write
DEFAULT_SAVE = "bin"  # the compact word2vec binary every tool reads; 400K x 300 as text would take 1.5 GB


def option(default, help: str):
    """A config field with its one-line help (used for --help, for config files' comments and in errors)."""
    return field(default=default, metadata={"help": help})


@dataclass
class TrainConfig:
    # data
    corpus: str | None = option(None, "corpus: a text file, a folder of .txt files, or `sst`; empty = bundled")
    format: Literal["auto", "text", "sst"] = option("auto", "corpus format: text, sst, or auto-detect")
    lowercase: bool = option(True, "lowercase every token")
    min_count: int = option(5, "drop words that occur fewer times than this")
    max_vocab: int | None = option(None, "keep at most this many most frequent words; empty = no limit")
    read_vocab: str | None = option(
        None, "read the vocabulary from this `word count` file (a run's vocab.txt) instead of counting the corpus; "
        "min_count and max_vocab still apply; empty = count"
    )
    sample: float = option(1e-3, "subsampling threshold t for frequent words; 0 = off")
    sample_rule: Literal["mikolov", "assignment"] = option("mikolov", "subsampling formula (see docs)")
    # model
    model: Literal["skipgram", "cbow"] = option("skipgram", "skipgram: center predicts context; cbow: reverse")
    loss: Literal["neg", "softmax", "hs"] = option(
        "neg", "neg: negative sampling; softmax: the full (naive) softmax; hs: hierarchical softmax over the Huffman "
        "tree of the counts (negative is then ignored)"
    )
    dim: int = option(100, "vector dimension d")
    window: int = option(5, "max context words each side; each window is shrunk to a random 1..window")
    negative: int = option(5, "negative samples per (center, outside) pair (loss neg only)")
    ns_exponent: float = option(0.75, "negatives are drawn with probability ∝ count^ns_exponent")
    # optimisation
    engine: Literal["numpy", "fast"] = option(
        "fast", "training engine: fast (compiled per-pair SGD, threads) or numpy (the vectorised NumPy core)"
    )
    threads: int = option(0, "fast engine: worker threads (lock-free Hogwild updates); 0 = all cores")
    lr: float | None = option(
        None, "learning rate; empty = the engine's default (numpy 0.3, fast 0.025 skipgram / 0.05 cbow)"
    )
    min_lr: float | None = option(None, "final learning rate of the linear decay (epochs); empty = lr/1e4")
    batch_size: int = option(50, "windows per SGD step (numpy engine; fast steps by ~10,000-word chunks)")
    epochs: int = option(5, "passes over the corpus (ignored when iterations is set)")
    iterations: int | None = option(None, "SGD steps of random windows instead of epochs; empty = use epochs")
    anneal_every: int = option(20000, "with iterations: halve the learning rate every this many steps")
    seed: int = option(1, "random seed: with threads 1 (or the numpy engine), same seed, same vectors")
    init_from: str | None = option(
        None, "start the words this run shares with an earlier model.npz from its vectors (both matrices), new "
        "words as usual: a warm start, not an update (that model is not changed, and the new space drifts from it: "
        "old and new vectors are not promised to stay comparable); empty = none"
    )
    # outputs
    checkpoint_every: int = option(5000, "save a checkpoint every this many steps (0 = only at the end)")
    save: str = option(DEFAULT_SAVE, "vector files to write, comma-separated: txt (vectors.txt), bin (vectors.bin)")
    explore: bool = option(True, "write explore.html: the vocabulary's first 5,000 words to search in a browser")
    quiet: bool = option(False, "no progress bar")

    def __post_init__(self):
        check_types(self)
        positive = ("dim", "window", "batch_size", "epochs", "anneal_every")
        for key in positive:
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be at least 1 (got {getattr(self, key)})")
        for key in ("min_count", "negative", "checkpoint_every", "threads"):
            if getattr(self, key) < 0:
                raise ConfigError(f"{key} must be 0 or more (got {getattr(self, key)})")
        if self.lr is not None and not 0 < self.lr < math.inf:  # also rejects NaN
            raise ConfigError(f"lr must be a number greater than 0 (got {self.lr})")
        if self.min_lr is not None and not 0 <= self.min_lr <= self.effective_lr:
            raise ConfigError(f"min_lr must be between 0 and lr={self.effective_lr} (got {self.min_lr})")
        if self.window > 10_000:
            raise ConfigError(f"window must be at most 10,000, the longest sentence trained (got {self.window})")
        if not 0 <= self.ns_exponent < math.inf:
            raise ConfigError(f"ns_exponent must be a number, 0 or more (got {self.ns_exponent})")
        if not 0 <= self.sample < math.inf:
            raise ConfigError(f"sample must be 0 or more (got {self.sample})")
        if self.max_vocab is not None and self.max_vocab < 2:
            raise ConfigError(f"max_vocab must be at least 2 (got {self.max_vocab})")
        if self.iterations is not None and self.iterations < 1:
            raise ConfigError(f"iterations must be at least 1 (got {self.iterations})")
        check_save(self.save)
        if self.loss == "neg" and self.negative < 1:
            raise ConfigError("negative must be at least 1 with loss: neg")
        if self.engine == "fast":
            if self.loss == "softmax":
                raise ConfigError(
                    "loss softmax is not available with engine: fast (negative sampling and hierarchical softmax "
                    "only); use --loss neg or --loss hs, or --engine numpy for the full softmax"
                )
            if self.iterations is not None:
                raise ConfigError(
                    "iterations is not available with engine: fast, which trains by epochs (--epochs) with "
                    "word2vec's linear decay; use --engine numpy for the iterations schedule"
                )

    @property
    def effective_lr(self) -> float:
        """The learning rate this run starts from: lr, or the engine's default when lr is empty. Kept apart
        from lr so that a config file without lr still means "the default" after --engine or --model change."""
        return default_lr(self.engine, self.model) if self.lr is None else self.lr

    @property
    def final_lr(self) -> float:
        return self.effective_lr * 1e-4 if self.min_lr is None else self.min_lr

    @property
    def vector_files(self) -> list[str]:
        """The vector files this run writes, in VECTOR_FORMATS' order: save "bin,txt" → vectors.txt, vectors.bin."""
        chosen = set(save_formats(self.save))
        return [name for fmt, name in VECTOR_FORMATS.items() if fmt in chosen]


def save_formats(save: str) -> list[str]:
    """The formats of a `save` value: "txt, bin" → ["txt", "bin"] (spaces ignored)."""
    return [part.strip() for part in save.split(",")]


def check_save(save: str) -> None:
    """Raise ConfigError unless save lists one or more of VECTOR_FORMATS, e.g. "bin" or "txt,bin"."""
    if any(fmt not in VECTOR_FORMATS for fmt in save_formats(save)):
        raise ConfigError(f"save must be one or more of {', '.join(VECTOR_FORMATS)} separated by commas, e.g. "
                          f"txt,bin (got {save!r})")


def default_lr(engine: str, model: str) -> float:
    """The learning rate used when lr is not given: numpy 0.3 (batch-mean step); fast as word2vec C's -alpha
    (0.025 skip-gram, 0.05 CBOW: the per-pair step)."""
    if engine == "fast":
        return 0.05 if model == "cbow" else 0.025
    return 0.3


FIELDS = {f.name: f for f in dataclasses.fields(TrainConfig)}
_HINTS = typing.get_type_hints(TrainConfig)


def field_help(name: str) -> str:
    return FIELDS[name].metadata["help"]


def field_type(name: str):
    """(base type or tuple of Literal choices, whether None is allowed) of a config key."""
    hint = _HINTS[name]
    optional = False
    if typing.get_origin(hint) in (typing.Union, types.UnionType):  # Optional[X] and X | None alike
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        hint, optional = args[0], True
    if typing.get_origin(hint) is Literal:
        return typing.get_args(hint), optional
    return hint, optional


def check_types(config: TrainConfig) -> None:
    """Raise ConfigError naming the first key whose value has the wrong type. Ints are accepted as floats."""
    for name in FIELDS:
        value = getattr(config, name)
        base, optional = field_type(name)
        if value is None and optional:
            continue
        if isinstance(base, tuple):
            ok = value in base
            wanted = "one of " + ", ".join(map(str, base))
        elif base is float:
            ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            if ok:
                setattr(config, name, float(value))
            wanted = "a number"
        elif base is int:
            ok = isinstance(value, int) and not isinstance(value, bool)
            wanted = "a whole number"
        elif base is bool:
            ok = isinstance(value, bool)
            wanted = "true or false"
        else:
            ok = isinstance(value, base)
            wanted = "text"
        if not ok:
            raise ConfigError(f"{name} must be {wanted} (got {value!r})")


class _ConfigLoader(yaml.SafeLoader):
    """PyYAML's safe loader, also reading `1e-5` (no dot) as a number, as YAML 1.2 does."""


_ConfigLoader.add_implicit_resolver(
    "tag:yaml.org,2002:float", re.compile(r"^[-+]?[0-9][0-9_]*(\.[0-9_]*)?[eE][-+]?[0-9]+$"), list("-+0123456789")
)


def read_config_file(path) -> dict:
    """The key/value pairs of a YAML config file, keys checked against TrainConfig (values checked later)."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError(f"config file {path} cannot be read: {err}") from None
    try:
        data = yaml.load(text, Loader=_ConfigLoader)
    except yaml.YAMLError as err:
        where = getattr(err, "problem_mark", None)
        line = f" line {where.line + 1}" if where is not None else ""
        reason = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise ConfigError(f"config file {path}{line}: invalid YAML: {reason}") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise ConfigError(f"config file {path} must be a mapping of key: value lines")
    for key in data:
        check_known_key(key, f"config file {path}")
    return data


def check_known_key(key, where: str) -> None:
    if key not in FIELDS:
        close = difflib.get_close_matches(str(key), FIELDS, n=1)
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ConfigError(f"{where}: unknown key {key!r}{hint}")


def resolve_config(file_values: dict | None = None, cli_values: dict | None = None) -> TrainConfig:
    """Defaults, overridden by the file's values, overridden by command-line values that were given (not None)."""
    merged = dict(file_values or {})
    for key, value in (cli_values or {}).items():
        check_known_key(key, "command line")
        if value is not None:
            merged[key] = value
    return TrainConfig(**merged)


def config_to_yaml(config: TrainConfig) -> str:
    """The resolved config as YAML, each key followed by a comment saying what it does."""
    lines = ["# w2v train: resolved configuration (w2v train --config this-file reproduces the run)"]
    for name in FIELDS:
        value = yaml.safe_dump(getattr(config, name), default_flow_style=True).strip()
        value = value.removesuffix("\n...").removesuffix("...").strip()
        note = f" (this run: {config.effective_lr:g})" if name == "lr" and config.lr is None else ""
        lines.append(f"{name}: {value}  # {field_help(name)}{note}")
    return "\n".join(lines) + "\n"


def config_from_dict(data: dict) -> TrainConfig:
    """A TrainConfig from a plain mapping (e.g. one stored in a checkpoint), keys checked."""
    for key in data:
        check_known_key(key, "stored config")
    return TrainConfig(**data)

"""TrainConfig: defaults, precedence, checking, YAML in and out, the shipped configs, and the CLI's errors."""
from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from w2vcli.config import (
    DEFAULT_SAVE,
    FIELDS,
    TrainConfig,
    config_from_dict,
    config_to_yaml,
    read_config_file,
    resolve_config,
)
from w2vcli.errors import ConfigError, W2VError

CONFIGS = sorted((Path(__file__).resolve().parent.parent / "configs").glob("*.yaml"))


def write(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


# --- defaults and precedence ------------------------------------------------------------------------------------


def test_defaults():
    c = TrainConfig()
    assert c.corpus is None
    assert c.format == "auto"
    assert c.lowercase is True
    assert c.min_count == 5
    assert c.max_vocab is None
    assert c.read_vocab is None and c.init_from is None  # count the corpus; start from word2vec's init
    assert c.sample == 1e-3
    assert c.sample_rule == "mikolov"
    assert c.model == "skipgram"
    assert c.loss == "neg"
    assert c.dim == 100
    assert c.window == 5
    assert c.negative == 5
    assert c.ns_exponent == 0.75
    assert c.engine == "fast"
    assert c.lr is None and c.effective_lr == 0.025  # the fast engine's default (word2vec's skip-gram alpha)
    assert c.min_lr is None
    assert c.final_lr == pytest.approx(0.025e-4)
    assert c.batch_size == 50
    assert c.epochs == 5
    assert c.iterations is None
    assert c.anneal_every == 20000
    assert c.seed == 1
    assert c.checkpoint_every == 5000
    assert c.save == DEFAULT_SAVE == "bin" and c.vector_files == ["vectors.bin"]
    assert c.quiet is False
    assert resolve_config() == c
    assert resolve_config({}, {}) == c


def test_every_field_has_help():
    for name, f in FIELDS.items():
        assert f.metadata["help"].strip(), name


def test_precedence_cli_over_file_over_defaults():
    file_values = {"dim": 20, "window": 3, "lr": 0.1}
    cli_values = {"dim": 7, "window": None, "seed": 9, "lowercase": None, "corpus": None}
    c = resolve_config(file_values, cli_values)
    assert c.dim == 7  # CLI beats file
    assert c.window == 3  # CLI None = not given: file wins
    assert c.lr == 0.1  # file beats default
    assert c.seed == 9  # CLI beats default
    assert c.lowercase is True  # neither: default
    assert c.batch_size == 50


def test_cli_false_is_given_not_missing():
    c = resolve_config({"lowercase": True, "quiet": True}, {"lowercase": False, "quiet": False})
    assert c.lowercase is False and c.quiet is False
    c = resolve_config({"checkpoint_every": 100}, {"checkpoint_every": 0})
    assert c.checkpoint_every == 0


def test_resolve_does_not_mutate_inputs():
    file_values = {"dim": 20}
    cli_values = {"dim": 7}
    resolve_config(file_values, cli_values)
    assert file_values == {"dim": 20} and cli_values == {"dim": 7}


def test_int_accepted_for_float_and_converted():
    c = resolve_config({"lr": 1, "sample": 0})
    assert c.lr == 1.0 and isinstance(c.lr, float)
    assert c.sample == 0.0 and isinstance(c.sample, float)


def test_final_lr_uses_min_lr():
    assert TrainConfig(lr=0.5, min_lr=0.01).final_lr == 0.01
    assert TrainConfig(lr=0.5, min_lr=0.0).final_lr == 0.0


# Optional keys (`X | None`) keep their base type: ints/bools are checked, ints become floats, and the CLI
# parses --max-vocab/--min-lr/--iterations as numbers.


def test_optional_fields_keep_their_base_type():
    from w2vcli.config import field_type

    assert field_type("corpus") == (str, True)
    assert field_type("max_vocab") == (int, True)
    assert field_type("min_lr") == (float, True)
    assert field_type("iterations") == (int, True)
    assert field_type("dim") == (int, False)


def test_optional_float_accepts_an_int():
    c = TrainConfig(lr=0.5, min_lr=0)
    assert c.min_lr == 0.0 and isinstance(c.min_lr, float)


@pytest.mark.parametrize("key", ["max_vocab", "iterations"])
def test_optional_int_rejects_a_bool(key):
    with pytest.raises(ConfigError, match=f"^{key} must be a whole number"):
        TrainConfig(**{key: True})


# --- unknown keys -----------------------------------------------------------------------------------------------


def test_unknown_key_in_file_with_hint(tmp_path):
    f = write(tmp_path / "c.yaml", "dim: 10\nmin_cout: 3\n")
    with pytest.raises(ConfigError) as err:
        read_config_file(f)
    message = str(err.value)
    assert "'min_cout'" in message
    assert "did you mean 'min_count'" in message
    assert str(f) in message


def test_unknown_key_without_close_match_has_no_hint(tmp_path):
    f = write(tmp_path / "c.yaml", "zzzzqqq: 1\n")
    with pytest.raises(ConfigError) as err:
        read_config_file(f)
    assert "'zzzzqqq'" in str(err.value)
    assert "did you mean" not in str(err.value)


def test_unknown_key_on_the_command_line():
    with pytest.raises(ConfigError) as err:
        resolve_config({}, {"dimm": 5})
    assert "command line" in str(err.value)
    assert "'dimm'" in str(err.value)
    assert "did you mean 'dim'" in str(err.value)
    with pytest.raises(ConfigError, match="'bogus'"):
        resolve_config({}, {"bogus": None})  # unknown even when not given


def test_unknown_key_in_stored_config():
    with pytest.raises(ConfigError, match="'windw'"):
        config_from_dict({"windw": 3})
    assert config_from_dict({"dim": 3}).dim == 3


def test_config_error_is_a_usage_error():
    assert issubclass(ConfigError, W2VError)
    assert ConfigError.exit_code == 2


# --- types and values -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key, value",
    [
        ("dim", "ten"),
        ("dim", 2.5),
        ("dim", True),
        ("window", False),
        ("seed", True),
        ("min_count", "5"),
        ("iterations", 1.5),
        ("lowercase", 3),
        ("lowercase", "yes"),
        ("quiet", 0),
        ("lr", "fast"),
        ("lr", True),
        ("sample", [0.1]),
        ("format", "csv"),
        ("model", "glove"),
        ("loss", "hinge"),
        ("engine", "torch"),
        ("sample_rule", "other"),
        ("corpus", 5),
        ("save", ["txt", "bin"]),
        ("save", None),
        ("dim", None),
        ("lowercase", None),
    ],
)
def test_wrong_type_names_the_key(key, value):
    with pytest.raises(ConfigError) as err:
        resolve_config({key: value})
    assert str(err.value).startswith(f"{key} must be")
    assert repr(value) in str(err.value)


@pytest.mark.parametrize(
    "values, key",
    [
        ({"dim": 0}, "dim"),
        ({"dim": -3}, "dim"),
        ({"window": 0}, "window"),
        ({"batch_size": 0}, "batch_size"),
        ({"epochs": 0}, "epochs"),
        ({"anneal_every": 0}, "anneal_every"),
        ({"lr": 0}, "lr"),
        ({"lr": -1}, "lr"),
        ({"negative": 0, "loss": "neg"}, "negative"),
        ({"negative": -1, "loss": "softmax"}, "negative"),
        ({"min_count": -1}, "min_count"),
        ({"checkpoint_every": -1}, "checkpoint_every"),
        ({"min_lr": 0.5, "lr": 0.3}, "min_lr"),
        ({"min_lr": -0.1}, "min_lr"),
        ({"sample": -1}, "sample"),
        ({"max_vocab": 1}, "max_vocab"),
        ({"max_vocab": 0}, "max_vocab"),
        ({"iterations": 0}, "iterations"),
    ],
)
def test_impossible_values_name_the_key(values, key):
    with pytest.raises(ConfigError) as err:
        resolve_config(values)
    assert str(err.value).startswith(key + " ")


def test_boundary_values_are_accepted():
    c = resolve_config(
        {"engine": "numpy", "negative": 0, "loss": "softmax", "min_count": 0, "checkpoint_every": 0, "sample": 0,
         "max_vocab": 2,
         "min_lr": 0.3, "lr": 0.3, "iterations": 1, "dim": 1, "window": 1}
    )
    assert (c.negative, c.min_count, c.max_vocab, c.min_lr, c.iterations) == (0, 0, 2, 0.3, 1)


@pytest.mark.parametrize("engine", ["numpy", "fast"])
@pytest.mark.parametrize("negative", [0, 5])
def test_loss_hs_with_either_engine_and_any_negative(engine, negative):
    """Hierarchical softmax draws no negatives: negative 0 is fine with it (train.py says a set one is ignored)."""
    c = resolve_config({"loss": "hs", "engine": engine, "negative": negative})
    assert (c.loss, c.engine, c.negative) == ("hs", engine, negative)


def test_fast_engine_rejects_only_the_full_softmax():
    with pytest.raises(ConfigError) as err:
        resolve_config({"loss": "softmax", "engine": "fast"})
    assert str(err.value) == (
        "loss softmax is not available with engine: fast (negative sampling and hierarchical softmax only); use "
        "--loss neg or --loss hs, or --engine numpy for the full softmax"
    )
    assert resolve_config({"loss": "softmax", "engine": "numpy"}).loss == "softmax"


def test_unknown_loss_lists_the_three():
    with pytest.raises(ConfigError) as err:
        resolve_config({"loss": "hierarchical"})
    assert str(err.value) == "loss must be one of neg, softmax, hs (got 'hierarchical')"


def test_nan_learning_rate_is_rejected():
    with pytest.raises(ConfigError, match="lr"):
        resolve_config({"lr": float("nan")})


# --- reading YAML -----------------------------------------------------------------------------------------------


def test_read_config_file_values(tmp_path):
    f = write(tmp_path / "c.yaml", "dim: 12  # comment\nlowercase: false\nsample: 1.0e-4\nmax_vocab: null\n")
    values = read_config_file(f)
    assert values == {"dim": 12, "lowercase": False, "sample": 1e-4, "max_vocab": None}
    c = resolve_config(values)
    assert (c.dim, c.lowercase, c.sample, c.max_vocab) == (12, False, 1e-4, None)


def test_read_config_file_accepts_a_string_path(tmp_path):
    f = write(tmp_path / "c.yaml", "dim: 12\n")
    assert read_config_file(str(f)) == {"dim": 12}


def test_scientific_notation_without_dot_is_a_number(tmp_path):
    f = write(tmp_path / "c.yaml", "sample: 1e-5\n")
    assert resolve_config(read_config_file(f)).sample == 1e-5


def test_wrong_type_from_yaml_names_the_key(tmp_path):
    f = write(tmp_path / "c.yaml", "dim: ten\n")
    with pytest.raises(ConfigError, match=r"^dim must be a whole number \(got 'ten'\)"):
        resolve_config(read_config_file(f))


def test_empty_file_is_all_defaults(tmp_path):
    f = write(tmp_path / "c.yaml", "# nothing here\n")
    assert read_config_file(f) == {}
    assert resolve_config(read_config_file(f)) == TrainConfig()


@pytest.mark.parametrize(
    "text, line",
    [
        ("dim: 10\nwindow: 5\n  bad: 3\n", 3),
        ("dim: 10\nwindow: [1, 2\nlr: 3\n", 3),
        ("dim: 10\n\tlr: 1\n", 2),
    ],
)
def test_invalid_yaml_names_the_line(tmp_path, text, line):
    f = write(tmp_path / "c.yaml", text)
    with pytest.raises(ConfigError) as err:
        read_config_file(f)
    message = str(err.value)
    assert f"line {line}:" in message
    assert "invalid YAML" in message
    assert str(f) in message


@pytest.mark.parametrize("text", ["- dim\n- 10\n", "just a string\n", "42\n"])
def test_non_mapping_yaml_is_an_error(tmp_path, text):
    f = write(tmp_path / "c.yaml", text)
    with pytest.raises(ConfigError, match="mapping"):
        read_config_file(f)


def test_missing_file_is_an_error(tmp_path):
    missing = tmp_path / "missing.yaml"
    with pytest.raises(ConfigError) as err:
        read_config_file(missing)
    assert str(missing) in str(err.value)
    assert "does not exist" in str(err.value)


def test_non_utf8_file_is_an_error(tmp_path):
    f = tmp_path / "c.yaml"
    f.write_bytes(b"corpus: caf\xe9.txt\n")
    with pytest.raises(ConfigError, match="cannot be read"):
        read_config_file(f)


# --- writing YAML -----------------------------------------------------------------------------------------------

KEY_LINE = re.compile(r"^(?P<key>[a-z_]+):\s*(?P<value>.*?)\s+# \S")


def roundtrip(config: TrainConfig, tmp_path: Path) -> TrainConfig:
    f = write(tmp_path / "rt.yaml", config_to_yaml(config))
    return resolve_config(read_config_file(f))


def test_config_to_yaml_roundtrips_defaults(tmp_path):
    c = TrainConfig()
    assert roundtrip(c, tmp_path) == c


def test_config_to_yaml_roundtrips_non_defaults(tmp_path):
    c = TrainConfig(
        corpus="some dir/with: colon #and hash.txt", format="sst", lowercase=False, min_count=1, max_vocab=1000,
        sample=1e-5, sample_rule="assignment", model="cbow", loss="softmax", dim=10, window=2, negative=0,
        ns_exponent=0.5, lr=0.025, min_lr=1e-6, batch_size=7, epochs=3, iterations=40000, anneal_every=20000,
        seed=31415, checkpoint_every=0, quiet=True, engine="numpy", threads=2, read_vocab="runs/a/vocab.txt",
        init_from="runs/a b/model.npz",
    )
    back = roundtrip(c, tmp_path)
    assert back == c
    assert dataclasses.asdict(back) == dataclasses.asdict(c)


def test_config_to_yaml_has_a_comment_on_every_key_line():
    text = config_to_yaml(TrainConfig(corpus="x.txt", min_lr=0.001))
    key_lines = [line for line in text.splitlines() if line and not line.startswith("#")]
    keys = []
    for line in key_lines:
        m = KEY_LINE.match(line)
        assert m, f"no `# comment` on: {line!r}"
        keys.append(m["key"])
        comment = line.split("  # ", 1)[1]
        if m["key"] == "lr":  # an empty lr says which value the run used
            assert comment == FIELDS["lr"].metadata["help"] + " (this run: 0.025)"
        else:
            assert comment == FIELDS[m["key"]].metadata["help"]
    assert keys == list(FIELDS)


@settings(max_examples=40, deadline=None)
@given(
    corpus=st.one_of(st.none(), st.text(min_size=1, max_size=30)),
    dim=st.integers(1, 10**6),
    lr=st.floats(1e-9, 1e3, allow_nan=False),
    sample=st.floats(0, 1, allow_nan=False),
    lowercase=st.booleans(),
    max_vocab=st.one_of(st.none(), st.integers(2, 10**7)),
)
def test_config_to_yaml_roundtrip_property(tmp_path_factory, corpus, dim, lr, sample, lowercase, max_vocab):
    c = TrainConfig(corpus=corpus, dim=dim, lr=lr, sample=sample, lowercase=lowercase, max_vocab=max_vocab)
    assert roundtrip(c, tmp_path_factory.mktemp("rt")) == c


# --- the shipped configs ----------------------------------------------------------------------------------------


def test_configs_exist():
    names = [p.name for p in CONFIGS]
    assert "sst.yaml" in names


@pytest.mark.parametrize("path", CONFIGS, ids=lambda p: p.name)
def test_shipped_config_keys_have_comments_and_load(path):
    lines = path.read_text(encoding="utf-8").splitlines()
    keys = []
    for line in lines:
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = KEY_LINE.match(line)
        assert m, f"{path.name}: key line without a `# comment`: {line!r}"
        keys.append(m["key"])
    values = read_config_file(path)
    assert sorted(keys) == sorted(values)
    config = resolve_config(values)
    assert isinstance(config, TrainConfig)
    for key, value in values.items():
        assert getattr(config, key) == value


def test_sst_config_has_the_assignment_values():
    path = next((p for p in CONFIGS if p.name == "sst.yaml"), None)
    assert path is not None
    c = resolve_config(read_config_file(path))
    assert c.min_count == 1
    assert c.lowercase is True
    assert c.dim == 10
    assert c.window == 5
    assert c.negative == 10
    assert c.lr == 0.3
    assert c.batch_size == 50
    assert c.iterations == 40000
    assert c.anneal_every == 20000
    assert c.engine == "numpy"
    assert c.model == "skipgram"
    assert c.loss == "neg"
    assert c.sample_rule == "assignment"
    assert c.sample == pytest.approx(1e-5)
    assert c.corpus == "sst"


# --- through the CLI --------------------------------------------------------------------------------------------


@pytest.fixture
def run_cli():
    from w2vcli.cli import main

    def run(*args):
        return CliRunner().invoke(main, list(args))

    return run


def test_cli_train_dim_zero(run_cli):
    result = run_cli("train", "--dim", "0")
    assert result.exit_code == 2, result.output
    error_lines = [line for line in result.output.splitlines() if line.startswith("Error:")]
    assert len(error_lines) == 1
    assert "dim" in error_lines[0]
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_cli_train_help_lists_loss_hs(run_cli):
    result = run_cli("train", "--help")
    assert result.exit_code == 0
    text = " ".join(result.output.split())  # help lines are wrapped
    assert "--loss [neg|softmax|hs]" in text
    assert "hs: hierarchical softmax over the Huffman tree of the counts (negative is then ignored)" in text


def test_cli_train_not_a_number(run_cli):
    result = run_cli("train", "--dim", "ten")
    assert result.exit_code == 2
    assert "--dim" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize("option, value", [("--max-vocab", "100"), ("--iterations", "10"), ("--min-lr", "0.001")])
def test_cli_optional_options_are_parsed_as_numbers(run_cli, option, value):
    # --dim 0 stops the run at the config check; the error must be about dim, not about the optional option
    result = run_cli("train", option, value, "--dim", "0")
    assert result.exit_code == 2
    assert result.output.startswith("Error: dim must be at least 1"), result.output


def test_cli_train_unknown_key_in_config(run_cli, tmp_path):
    bad = write(tmp_path / "bad.yaml", "dim: 10\nmin_cout: 3\n")
    result = run_cli("train", "--config", str(bad))
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    assert "min_cout" in result.output
    assert "did you mean 'min_count'" in result.output
    assert "Traceback" not in result.output


def test_cli_train_invalid_value_in_config(run_cli, tmp_path):
    bad = write(tmp_path / "bad.yaml", "window: 0\n")
    result = run_cli("train", "--config", str(bad))
    assert result.exit_code == 2
    assert "window" in result.output


def test_cli_train_missing_config(run_cli, tmp_path):
    result = run_cli("train", "--config", str(tmp_path / "missing.yaml"))
    assert result.exit_code == 2, result.output
    assert "Error:" in result.output
    assert "missing.yaml" in result.output
    assert "Traceback" not in result.output


@pytest.mark.parametrize(
    "options, key",
    [
        ({"window": 10_001}, "window"),
        ({"ns_exponent": float("nan")}, "ns_exponent"),
        ({"ns_exponent": -0.5}, "ns_exponent"),
    ],
)
def test_window_and_ns_exponent_bounds(options, key):
    with pytest.raises(ConfigError, match=key):
        resolve_config(options)


# --- save: the vector files a run writes ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "save, files",
    [
        ("bin", ["vectors.bin"]),
        ("txt", ["vectors.txt"]),
        ("txt,bin", ["vectors.txt", "vectors.bin"]),
        ("bin,txt", ["vectors.txt", "vectors.bin"]),  # always in the same order
        (" txt , bin ", ["vectors.txt", "vectors.bin"]),
        ("bin,bin", ["vectors.bin"]),
    ],
)
def test_save_lists_the_vector_files(save, files):
    assert resolve_config({"save": save}).vector_files == files


@pytest.mark.parametrize("save", ["csv", "", "txt,", ",bin", "txt;bin", "TXT", "txt bin", "npz"])
def test_unknown_save_value_is_one_error_naming_the_key(save):
    with pytest.raises(ConfigError) as err:
        resolve_config({"save": save})
    assert str(err.value) == (
        f"save must be one or more of txt, bin separated by commas, e.g. txt,bin (got {save!r})"
    )


def test_save_round_trips_through_yaml_and_a_stored_config(tmp_path):
    c = TrainConfig(save="txt,bin")
    assert roundtrip(c, tmp_path) == c
    assert config_from_dict(dataclasses.asdict(c)).vector_files == ["vectors.txt", "vectors.bin"]
    old = dataclasses.asdict(TrainConfig())
    del old["save"]  # a checkpoint's config from before the key existed
    assert config_from_dict(old).save == DEFAULT_SAVE


def test_cli_save_option(run_cli):
    result = run_cli("train", "--save", "txt,csv")
    assert result.exit_code == 2, result.output
    assert result.output == "Error: save must be one or more of txt, bin separated by commas, e.g. txt,bin " \
        "(got 'txt,csv')\n"


def test_read_vocab_and_init_from_are_config_keys_and_options(tmp_path):
    f = write(tmp_path / "c.yaml", "read_vocab: runs/a/vocab.txt  # the vocabulary\ninit_from: runs/a/model.npz\n")
    c = resolve_config(read_config_file(f), {"init_from": "runs/b/model.npz"})
    assert (c.read_vocab, c.init_from) == ("runs/a/vocab.txt", "runs/b/model.npz")  # the command line wins
    text = config_to_yaml(c)
    assert "read_vocab: runs/a/vocab.txt  # read the vocabulary from this `word count` file" in text
    assert "init_from: runs/b/model.npz  # start the words this run shares with an earlier model.npz" in text
    with pytest.raises(ConfigError, match="read_vocab must be text"):
        TrainConfig(read_vocab=3)


def test_a_resumed_run_may_not_change_read_vocab_or_init_from(tmp_path, monkeypatch):
    """They choose the vocabulary and the start, so --resume refuses new values (checkpoint.resume_config)."""
    import w2vcli.checkpoint as checkpoint_module

    stored = TrainConfig(read_vocab="v.txt", init_from="m.npz")
    fake = type("Stored", (), {"config": stored})()
    monkeypatch.setattr(checkpoint_module, "checkpoint_to_resume", lambda out_dir: fake)
    config, _ = checkpoint_module.resume_config(tmp_path, {"read_vocab": "v.txt", "init_from": "m.npz"})
    assert (config.read_vocab, config.init_from) == ("v.txt", "m.npz")
    for key, value in (("read_vocab", "w.txt"), ("init_from", "n.npz")):
        with pytest.raises(ConfigError, match=f"drop --{key.replace('_', '-')}"):
            checkpoint_module.resume_config(tmp_path, {key: value})

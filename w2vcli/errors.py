"""The errors the library raises for bad input; the CLI turns each into one `Error: ...` line and an exit code."""


class W2VError(Exception):
    """Bad data or a failed run: the message says what is wrong and what would fix it. Exit code 1."""

    exit_code = 1


class ConfigError(W2VError):
    """An impossible option or config value: the message names the key. Exit code 2 (a usage error)."""

    exit_code = 2


class TrainingInterrupted(W2VError):
    """Training stopped by a signal after saving a checkpoint. Exit code 128 + signal number (130 for Ctrl-C)."""

    def __init__(self, message: str, exit_code: int = 130):
        super().__init__(message)
        self.exit_code = exit_code

"""`python -m w2vcli` is the same as `w2v`."""
from w2vcli.cli import main

main()

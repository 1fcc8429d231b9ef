"""`python -m pyref.cli ...`: the `pyref` command."""

import sys

from pyref.cli.parser import main

sys.exit(main())

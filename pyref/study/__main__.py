"""``python -m pyref.study --worker FILE``: a local worker process of ``pyref search``."""

import sys

from pyref.study.worker import worker_main

if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"] and len(sys.argv) == 3:
        sys.exit(worker_main(sys.argv[2]))
    sys.exit("python -m pyref.study is pyref search's worker process; run `pyref search`")

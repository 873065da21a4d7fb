"""`python -m civdash.sample.helper`: the helper process of `load_sample`.

It reads from stdin a pickled list of (ledger kind, as-of date) jobs and the settings, and writes
to stdout, pickled and in order, `week_parts(kind, as_of, settings)` of each: the district parts
(and the office's whole-city files: the contacts list, the 测评 reports) `load_sample` commits
while this process makes the next ones. Only `load_sample` starts it.
"""

from __future__ import annotations

import pickle
import sys

from civdash.sample.loader import week_parts


def main() -> None:
    jobs, settings = pickle.load(sys.stdin.buffer)
    out = sys.stdout.buffer
    for kind, as_of in jobs:
        pickle.dump(week_parts(kind, as_of, settings), out, protocol=pickle.HIGHEST_PROTOCOL)
        out.flush()


if __name__ == "__main__":
    main()

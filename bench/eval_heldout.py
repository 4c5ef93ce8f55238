"""The never-tuned splits alone: an alias of ``bench/eval_conversations.py --split heldout``
(and ``--split heldout_b`` with ``-b``); the player lives in bench/conversation_player.py.

    .venv/bin/python bench/eval_heldout.py [-b] [-v] [--json]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script from any checkout: measure this checkout's atende, not an installed one.
_REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(_REPO / "src"), str(_REPO)]


from bench.eval_conversations import main

if __name__ == "__main__":
    args = sys.argv[1:]
    split = "heldout_b" if "-b" in args else "heldout"
    sys.exit(main(["--split", split, *[a for a in args if a != "-b"]]))

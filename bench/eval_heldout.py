"""The never-tuned splits alone: an alias of ``bench/eval_conversations.py --split
heldout_c --split heldout_d --split heldout_e``; the player lives in
bench/conversation_player.py. Their failures are never printed (reading them would be
tuning on them).

    .venv/bin/python bench/eval_heldout.py [--json]
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script from any checkout: measure this checkout's atende, not an installed one.
_REPO = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(_REPO / "src"), str(_REPO)]


from bench.eval_conversations import main

if __name__ == "__main__":
    sys.exit(
        main(
            ["--split", "heldout_c", "--split", "heldout_d", "--split", "heldout_e", *sys.argv[1:]]
        )
    )

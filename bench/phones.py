"""Cost of the webhook hot path's phone normalization and credential decryption, each as a
ratio against a baseline measured in the same run (a bare regex digit strip, as atende
did before it used phonenumbers; a JSON parse of the same credentials).

    PYTHONPATH=src .venv/bin/python bench/phones.py [--calls 100000]
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import timeit
from collections.abc import Callable

from cryptography.fernet import Fernet

from atende.domain.phones import normalize_phone
from atende.storage.secrets import SecretBox

SENDER = "whatsapp:+5511999990001"
CREDENTIALS = json.dumps({"account_sid": "AC" + "0" * 32, "auth_token": "f" * 32})
_NON_DIGITS = re.compile(r"\D+")


def per_call(fn: Callable[[], object], calls: int) -> float:
    return timeit.timeit(fn, number=calls) / calls


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=100_000)
    calls = parser.parse_args().calls
    baseline = per_call(lambda: "+" + _NON_DIGITS.sub("", SENDER.split(":", 1)[1]), calls)
    cached = per_call(lambda: normalize_phone(SENDER), calls)
    fresh = itertools.count()
    uncached = per_call(
        lambda: normalize_phone.__wrapped__(f"whatsapp:+55119{next(fresh) % 10**8:08d}"),
        calls // 10,
    )
    box = SecretBox([Fernet.generate_key()])
    sealed = box.seal(CREDENTIALS)
    parse = per_call(lambda: json.loads(CREDENTIALS), calls // 10)
    opened = per_call(lambda: json.loads(box.open(sealed)), calls // 10)
    print(f"regex baseline      {baseline * 1e6:7.2f} us")
    print(f"normalize (cached)  {cached * 1e6:7.2f} us  ratio {cached / baseline:5.2f}")
    print(f"normalize (new id)  {uncached * 1e6:7.2f} us  ratio {uncached / baseline:5.2f}")
    print(f"json credentials    {parse * 1e6:7.2f} us")
    print(f"sealed credentials  {opened * 1e6:7.2f} us  ratio {opened / parse:5.2f}")


if __name__ == "__main__":
    main()

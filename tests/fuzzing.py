"""How many examples the property and fuzz tests try: a short run in `make test`, a long one in
`make probe` (FUZZ_SCALE=10 multiplies every count)."""

import os

SCALE = float(os.environ.get("FUZZ_SCALE", "1"))


def examples(count: int) -> int:
    return max(1, int(count * SCALE))

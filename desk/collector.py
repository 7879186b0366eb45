"""Python's garbage collector during a bulk import (``import_transcripts``, ``import_documents``)."""

import gc
from contextlib import contextmanager

YOUNG_OBJECTS_COLLECTED = 10_000  # the collector's first threshold during an import (Python's is 700)


@contextmanager
def collected_for_bulk_work():
    """What the process start made (Django, the models) outlives the work: kept out of the
    collector's full walks, which took a tenth of a 20,000-line import (bench/RESULTS.md). And the
    work's own objects (a batch's records and rows, tens of thousands alive until it is written)
    are walked every 10,000 new objects rather than every 700. Worker processes forked inside
    inherit both. Restored afterwards: the process may go on (a test, a shell)."""
    gc.freeze()
    thresholds = gc.get_threshold()
    gc.set_threshold(YOUNG_OBJECTS_COLLECTED, *thresholds[1:])
    try:
        yield
    finally:
        gc.set_threshold(*thresholds)
        gc.unfreeze()

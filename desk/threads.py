"""Threads that work on the database beside the caller (the importers' writers).

Django opens a connection per thread, and only the thread that opened a connection may close it:
a pool of such threads is shut down by having every thread close its own first.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

from django.db import connections


class ConnectionThreads(ThreadPoolExecutor):
    """A pool of ``count`` threads, each on connections of its own, closed with the pool (``close``)."""

    def __init__(self, count: int, name: str):
        super().__init__(max_workers=count, thread_name_prefix=name)
        self.count = count

    def close(self):
        """Wait for the work given, have each thread close its connections, and stop the threads."""
        # The barrier holds each thread to one of these until all have theirs: every thread closes its own.
        barrier = threading.Barrier(self.count)
        for _ in range(self.count):
            self.submit(_close_own_connections, barrier)
        self.shutdown(wait=True)


def _close_own_connections(barrier: threading.Barrier):
    barrier.wait(timeout=60)
    connections.close_all()

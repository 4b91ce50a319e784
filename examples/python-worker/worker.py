"""Counts the words of a text: a job type `word-count` run by a Python worker.

    JOBLINE_URL=http://127.0.0.1:8080 JOBLINE_TOKEN=jl_... python3 worker.py
"""

import os
import sys

from jobline_worker import NonRetryableError, Worker


def count_words(ctx):
    text = ctx.input.get("text") if isinstance(ctx.input, dict) else None
    if not isinstance(text, str):
        raise NonRetryableError('input needs "text", a string', "bad_input")
    lines = text.splitlines() or [""]
    words = 0
    for done, line in enumerate(lines, start=1):
        if ctx.cancelled.is_set():
            raise Exception("cancelled")
        words += len(line.split())
        ctx.progress(round(100 * done / len(lines)), "line %d of %d" % (done, len(lines)))
    return {"words": words, "lines": len(lines)}


if __name__ == "__main__":
    url = os.environ.get("JOBLINE_URL", "http://127.0.0.1:8080")
    token = os.environ.get("JOBLINE_TOKEN")
    if not token:
        sys.exit("Set JOBLINE_TOKEN to a token with the jobs:work scope (see README.md).")
    concurrency = int(os.environ.get("WORKER_CONCURRENCY", "4"))
    lease_seconds = int(os.environ.get("WORKER_LEASE_SECONDS", "60"))
    print("word-count worker on %s, %d at a time" % (url, concurrency), flush=True)
    Worker(url, token, {"word-count": count_words}, concurrency=concurrency, lease_seconds=lease_seconds).run()
    print("word-count worker stopped", flush=True)

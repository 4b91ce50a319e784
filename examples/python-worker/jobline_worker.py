"""A Jobline worker in Python, on the standard library only (docs/workers.md).

    worker = Worker(url, token, {"word-count": count_words}, concurrency=2)
    worker.run()  # until SIGTERM or SIGINT; running jobs finish first

A handler takes a Context and returns the job's output (anything JSON can hold). Raising
NonRetryableError fails the job at once; any other exception fails the attempt, which is retried
while attempts are left.
"""

import json
import os
import signal
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request


class ApiError(Exception):
    """A problem+json answer from the server."""

    def __init__(self, status, problem):
        super().__init__(problem.get("detail") or problem.get("title") or "HTTP %d" % status)
        self.status = status
        self.problem = problem


class NonRetryableError(Exception):
    """Trying again cannot help: the job fails without using its remaining attempts."""

    def __init__(self, message, code="non_retryable"):
        super().__init__(message)
        self.code = code


class Client:
    def __init__(self, url, token):
        self.url = url.rstrip("/")
        self.token = token

    def call(self, method, path, body=None, headers=None, timeout=60):
        data = body if isinstance(body, bytes) else None if body is None else json.dumps(body).encode()
        request = urllib.request.Request(self.url + path, data=data, method=method)
        request.add_header("Authorization", "Bearer " + self.token)
        request.add_header("Accept", "application/json")
        if body is not None and not isinstance(body, bytes):
            request.add_header("Content-Type", "application/json")
        for key, value in (headers or {}).items():
            request.add_header(key, value)
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as error:
            text = error.read()
            raise ApiError(error.code, json.loads(text) if text else {}) from None
        return json.loads(text) if text else None


class Context:
    """What a handler sees of its job."""

    def __init__(self, client, job):
        self.client = client
        self.id = job["id"]
        self.type = job["type"]
        self.input = job["input"]
        self.attempt = job["attempt"]
        self.lease = job["lease"]["token"]
        # Set when the job is cancelled or its lease is lost: the handler should stop soon.
        self.cancelled = threading.Event()
        self.lease_lost = False

    def _post(self, what, body):
        try:
            return self.client.call("POST", "/v1/worker/jobs/%s/%s" % (self.id, what), dict(body, lease=self.lease))
        except ApiError as error:
            if error.status == 409:  # the lease is not ours any more: someone else may run the job
                self.lease_lost = True
                self.cancelled.set()
            raise

    def progress(self, percent, message=None):
        self._post("progress", {"percent": percent} if message is None else {"percent": percent, "message": message})

    def write_file(self, name, data, content_type="application/octet-stream"):
        body = data.encode() if isinstance(data, str) else data
        path = "/v1/worker/jobs/%s/files/%s" % (self.id, urllib.parse.quote(name, safe=""))
        return self.client.call("PUT", path, body, {"Content-Type": content_type, "Jobline-Lease": self.lease})


class Worker:
    def __init__(self, url, token, handlers, concurrency=1, name=None, lease_seconds=60, wait_seconds=5):
        self.client = Client(url, token)
        self.handlers = handlers
        self.concurrency = concurrency
        self.name = name or "%s:%d" % (socket.gethostname(), os.getpid())
        self.lease_seconds = lease_seconds
        self.wait_seconds = wait_seconds
        self.stopping = threading.Event()
        self.slots = threading.Semaphore(concurrency)
        self.running = []
        self.held = {}  # job id -> Context of the jobs running now, whose leases the heartbeat thread keeps
        self.held_lock = threading.Lock()
        self.finished = threading.Event()

    def stop(self, *_):
        self.stopping.set()

    def run(self):
        """Claims and runs jobs until stop() (or SIGTERM/SIGINT); returns when running jobs are done."""
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGTERM, self.stop)
            signal.signal(signal.SIGINT, self.stop)
        claimer = threading.Thread(target=self._claim_loop, daemon=True)
        claimer.start()
        threading.Thread(target=self._heartbeats, daemon=True).start()
        # The main thread only waits, so a signal is handled at once even during a long poll.
        while claimer.is_alive():
            claimer.join(0.2)
        for thread in list(self.running):
            thread.join()
        self.finished.set()

    def _claim_loop(self):
        while not self.stopping.is_set():
            self.slots.acquire()
            free = 1
            while free < self.concurrency and self.slots.acquire(blocking=False):
                free += 1
            body = {"worker": self.name, "types": list(self.handlers), "limit": free,
                    "wait": self.wait_seconds, "lease_seconds": self.lease_seconds}
            try:
                jobs = self.client.call("POST", "/v1/worker/claims", body, timeout=self.wait_seconds + 30)["data"]
            except ApiError as error:
                if error.status in (400, 401, 403):
                    print("jobline worker: claim refused: %s" % error, flush=True)
                    self.stopping.set()
                    jobs = []
                else:
                    jobs = []
                    self.stopping.wait(1)
            except OSError as error:
                print("jobline worker: claim failed, trying again: %s" % error, flush=True)
                jobs = []
                self.stopping.wait(1)
            for job in jobs:
                if self.stopping.is_set():  # claimed while we were told to stop: give it back
                    self._quietly(lambda: Context(self.client, job)._post("release", {}))
                    self.slots.release()
                    continue
                thread = threading.Thread(target=self._run_job, args=(job,))
                self.running.append(thread)
                thread.start()
            for _ in range(free - len(jobs)):
                self.slots.release()

    def _run_job(self, job):
        ctx = Context(self.client, job)
        with self.held_lock:
            self.held[ctx.id] = ctx
        try:
            try:
                output = self.handlers[job["type"]](ctx)
            except NonRetryableError as error:
                self._report(ctx, "fail", {"error": {"message": str(error) or "failed", "code": error.code}, "retryable": False})
            except Exception as error:  # any other failure: the attempt is retried while attempts are left
                self._report(ctx, "fail", {"error": {"message": (str(error) or type(error).__name__)[:2000]}, "retryable": True})
            else:
                self._report(ctx, "complete", {"output": output})
        finally:
            with self.held_lock:
                del self.held[ctx.id]
            self.running.remove(threading.current_thread())
            self.slots.release()

    def _report(self, ctx, what, body):
        if not ctx.lease_lost:
            self._quietly(lambda: ctx._post(what, body))

    def _heartbeats(self):
        """Keeps the leases of all running jobs at a third of the lease: one call a round, 100 jobs a call."""
        while not self.finished.wait(self.lease_seconds / 3):
            with self.held_lock:
                held = list(self.held.values())
            for start in range(0, len(held), 100):
                chunk = held[start:start + 100]
                body = {"lease_seconds": self.lease_seconds, "data": [{"id": c.id, "lease": c.lease} for c in chunk]}
                try:
                    answers = self.client.call("POST", "/v1/worker/heartbeats", body)["data"]
                except (ApiError, OSError) as error:
                    print("jobline worker: heartbeats failed: %s" % error, flush=True)
                    continue
                for ctx, answer in zip(chunk, answers):
                    problem = answer.get("problem")
                    if problem is None:
                        if answer["cancel_requested"]:
                            ctx.cancelled.set()
                    elif problem.get("status") == 409:  # the lease is lost: someone else may run the job
                        ctx.lease_lost = True
                        ctx.cancelled.set()
                    else:
                        print("jobline worker: heartbeat of %s failed: %s" % (ctx.id, problem.get("detail")), flush=True)

    @staticmethod
    def _quietly(call):
        try:
            call()
        except ApiError as error:
            if error.status != 409:  # 409: the server already settled the attempt (timeout, lost lease)
                print("jobline worker: %s" % error, flush=True)
        except OSError as error:
            print("jobline worker: %s" % error, flush=True)

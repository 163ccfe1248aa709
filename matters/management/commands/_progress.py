import sys
import time


class Progress:
    """A one-line progress bar on stderr: 1234/5000 [#####.....] 24.7% 310/s."""

    def __init__(self, stream=None, width: int = 30):
        self.stream, self.width, self.started, self.last = stream or sys.stderr, width, time.monotonic(), 0.0

    def __call__(self, done: int, total: int) -> None:
        now = time.monotonic()
        if done != total and now - self.last < 0.2:
            return
        self.last = now
        share = done / total if total else 1
        filled = int(self.width * share)
        rate = done / max(now - self.started, 1e-6)
        bar = "#" * filled + "." * (self.width - filled)
        self.stream.write(f"\r{done}/{total} [{bar}] {share:6.1%} {rate:,.0f}/s")
        if done == total:
            self.stream.write("\n")
        self.stream.flush()

"""Progress as an operator sees it: a bar on a terminal, plain lines otherwise."""

from __future__ import annotations

import time
from typing import IO

from orders.imports.runner import ImportStats


class Progress:
    """A tqdm bar on a terminal; otherwise a plain line every few seconds."""

    PLAIN_EVERY = 5.0

    def __init__(self, stream: IO[str], *, total_bytes: int | None, enabled: bool):
        self.stream = stream
        self.enabled = enabled
        self.bar = None
        self.last_plain = time.monotonic()
        self.done_bytes = 0
        if enabled and stream.isatty():
            from tqdm import tqdm

            self.bar = tqdm(total=total_bytes, unit="B", unit_scale=True, file=stream,
                            desc="importing", dynamic_ncols=True)

    def update(self, bytes_read: int, stats: ImportStats) -> None:
        if not self.enabled:
            return
        rate = stats.order_lines / stats.seconds
        if self.bar is not None:
            self.bar.update(bytes_read - self.done_bytes)
            self.bar.set_postfix(orders=stats.orders, lines=stats.order_lines,
                                 lines_s=f"{rate:,.0f}", rejected=stats.rejected, refresh=False)
        elif time.monotonic() - self.last_plain >= self.PLAIN_EVERY:
            self.last_plain = time.monotonic()
            self.stream.write(
                f"... {stats.orders} orders, {stats.order_lines} order lines, "
                f"{stats.rejected} rejected, {rate:,.0f} order lines/s\n"
            )
            self.stream.flush()
        self.done_bytes = bytes_read

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

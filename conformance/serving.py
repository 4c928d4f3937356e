"""The uvicorn servers of the harness (the mock DMP, the e-prescription service, the capture relay, the manual
console), stopped as soon as they are asked.

uvicorn's server looks at `should_exit` on a 0.1 s tick, and a run stops its servers one after the other as
its session ends: 0.2 to 0.25 s each with every core idle (half a second at the end of a parallel run's
e-prescription worker, which runs the mock DMP for the cross-socle scenarios). `PromptServer` waits on an
event instead of the tick: `stop_soon` wakes it at once. The Date header is still refreshed at least once a
second (uvicorn refreshes it every tenth tick). Its shutdown pauses 0.1 s for open connections to close; with
none open it has nothing to wait for, and with some, the shutdown is uvicorn's own (connections asked to close,
then waited for up to the configured graceful timeout).
"""

from __future__ import annotations

import asyncio
import contextlib
import socket

import uvicorn

WAKE_EVERY = 1.0  # seconds between two refreshes of the Date header while nothing asks the server to stop


class PromptServer(uvicorn.Server):
    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._asked: asyncio.Event | None = None

    async def main_loop(self) -> None:
        self._loop, self._asked = asyncio.get_running_loop(), asyncio.Event()
        # tick 0: uvicorn's on_tick refreshes the Date header on ticks that are multiples of ten
        while not await self.on_tick(0):
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._asked.wait(), WAKE_EVERY)

    async def shutdown(self, sockets: list[socket.socket] | None = None) -> None:
        """uvicorn's shutdown, without its fixed 0.1 s pause for connections to close when none is open (the
        harness's clients have ended their exchanges by the time a service stops): the listeners closed, the
        application told (lifespan), as uvicorn does."""
        if self.server_state.connections or self.server_state.tasks:
            await super().shutdown(sockets)
            return
        for server in self.servers:
            server.close()
        for sock in sockets or []:
            sock.close()
        for server in self.servers:
            await server.wait_closed()
        if not self.force_exit:
            await self.lifespan.shutdown()

    def stop_soon(self) -> None:
        """Ask the server to stop, from any thread; its thread ends once uvicorn has shut it down."""
        self.should_exit = True
        loop, asked = self._loop, self._asked
        if loop is not None and asked is not None:
            with contextlib.suppress(RuntimeError):  # its loop has already ended
                loop.call_soon_threadsafe(asked.set)

"""A visitor without a browser: Streamlit's own websocket protocol, to time the server alone.

A browser tab spends seconds of its own CPU loading and rendering the app; when many tabs share
one core, their rendering, not the server, sets the pace. This client opens the app's websocket,
asks for one page run (a ``BackMsg`` with ``rerun_script``: the page name and the link's query
string, as the browser sends them) and reads the ``ForwardMsg`` stream: the time to the first
element carrying a Plotly chart and to the end of the run, with nothing rendered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import time


@dataclasses.dataclass
class ProtocolVisit:
    page: str
    query: str
    chart: float | None = None  # seconds from connecting to the first Plotly chart element
    done: float | None = None  # seconds from connecting to the end of the script run
    error: str | None = None


async def protocol_visit(url: str, page: str, query: str, timeout_s: float = 300.0) -> ProtocolVisit:
    """One run of ``page`` (its name in the address bar, e.g. "Context") with ``query`` (no "?")."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    visit = ProtocolVisit(page, query)
    start = time.perf_counter()
    ws_url = url.replace("http://", "ws://", 1).rstrip("/") + "/_stcore/stream"
    try:
        async with websockets.connect(ws_url, subprotocols=["streamlit"], max_size=None, open_timeout=60) as ws:
            back = BackMsg()
            back.rerun_script.query_string = query
            back.rerun_script.page_name = page
            await ws.send(back.SerializeToString())
            while True:
                raw = await asyncio.wait_for(ws.recv(), timeout=timeout_s)
                msg = ForwardMsg()
                msg.ParseFromString(raw)
                kind = msg.WhichOneof("type")
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element
                    if element.WhichOneof("type") == "plotly_chart" and visit.chart is None:
                        visit.chart = time.perf_counter() - start
                    elif element.WhichOneof("type") == "exception":
                        visit.error = f"exception: {element.exception.message[:200]}"
                elif kind == "script_finished":
                    visit.done = time.perf_counter() - start
                    return visit
    except Exception as exc:  # a benchmark row says what went wrong instead of stopping the run
        visit.error = f"{type(exc).__name__}: {exc}"[:300]
    return visit


async def protocol_visits(url: str, plans: list[tuple[str, str]]) -> list[ProtocolVisit]:
    """All ``plans`` (page, query) at the same moment."""
    return list(await asyncio.gather(*(protocol_visit(url, page, query) for page, query in plans)))

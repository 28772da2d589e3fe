"""Two app processes behind nginx (deploy/run_local.py), driven through the proxy in Chromium.

Each browser context is one visitor: its requests (the page, the websocket, the upload) must all
reach one process, or Streamlit refuses the upload ("Invalid session_id", streamlit#4173); a new
visitor may land on the other process. The proxy names the process that answered in the
``X-Explorer-Replica`` header and in its access log, with the process's address.
"""

from __future__ import annotations

import asyncio
import csv
import json
import random
import re
import urllib.error
import urllib.parse
import urllib.request
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import expect

from deploy.run_local import COOKIE, MARKER, Layout, local_layout
from tests.browser_helpers import assert_healthy, screenshot, wait_for_app

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _corpus(lines: int = 400, seed: int = 3) -> bytes:
    """A small course corpus with two topics whose words co-occur, so training has something to learn."""
    rng = random.Random(seed)
    topics = [
        ["river", "water", "boat", "fish", "shore", "stream"],
        ["money", "loan", "bank", "account", "interest", "credit"],
    ]
    out = []
    for i in range(lines):
        words = topics[i % 2]
        out.append("the " + " and ".join(rng.sample(words, 4)) + " were near the " + rng.choice(words) + ".")
    return ("\n".join(out) + "\n").encode()


CORPUS = _corpus()


@pytest.fixture(scope="module")
def layout() -> Iterator[Layout]:
    with local_layout(2) as running:
        yield running


def _new_visitor(browser):
    """A browser context (its own cookies: one visitor) whose responses' process markers are recorded."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    seen: list[str] = []
    context.on("response", lambda response: seen.append(response.headers.get(MARKER.lower(), "")))
    return context, seen


def _affinity_cookie(context) -> str:
    return next(c["value"] for c in context.cookies() if c["name"] == COOKIE)


def _upstreams_of_streams(layout: Layout) -> dict[str, set[str]]:
    """From nginx's access log: for each affinity cookie, the processes its websockets reached."""
    reached: dict[str, set[str]] = {}
    for line in layout.access_log.read_text().splitlines():
        if '"GET /_stcore/stream' in line:
            cookie = re.search(r"cookie=(\S+)", line).group(1)
            upstream = re.search(r"upstream=(\S+)", line).group(1)
            reached.setdefault(cookie, set()).add(upstream)
    return reached


def test_each_visitor_stays_on_one_process_and_the_next_lands_on_the_other(browser, layout: Layout) -> None:
    visitors = []
    for _ in range(2):
        context, seen = _new_visitor(browser)
        page = context.new_page()
        page.goto(layout.url)
        wait_for_app(page)
        assert_healthy(page)
        page.goto(f"{layout.url}/Context?context.source=preset&context.preset=bank")  # a second page load
        wait_for_app(page)
        visitors.append((context, page, seen))
    served = []
    for context, _page, seen in visitors:
        names = set(seen)
        assert len(names) == 1, f"one visitor's requests reached several processes: {names}"
        (name,) = names
        assert name in {"r1", "r2"}
        assert _affinity_cookie(context) == name
        served.append(name)
    # New visitors take turns: the second went to the other process.
    assert served[0] != served[1], served
    for context, page, _seen in visitors:
        screenshot(page, f"replicas_visitor_{_affinity_cookie(context)}")
        context.close()  # closes the websockets: nginx logs them
    reached = _upstreams_of_streams(layout)
    for name in served:
        assert reached.get(name) == {f"127.0.0.1:{layout.replica(name).port}"}, reached


def _sidebar_upload(page, name: str, data: bytes) -> None:
    sidebar = page.locator('[data-testid="stSidebar"]')
    expect(sidebar).to_contain_text("tokens", timeout=120_000)
    sidebar.locator('[data-testid="stSelectbox"]').filter(has_text="Corpus").first.click()
    page.get_by_role("option", name="Upload your own…").click()
    wait_for_app(page)
    sidebar.locator('input[type="file"]').set_input_files({"name": name, "mimeType": "text/plain", "buffer": data})
    wait_for_app(page)


def test_an_upload_and_a_training_work_through_the_proxy_on_both_processes(browser, layout: Layout) -> None:
    served = set()
    for _ in range(2):  # visitors take turns, so the two land on the two processes
        context, seen = _new_visitor(browser)
        page = context.new_page()
        page.goto(f"{layout.url}/Train?train.method=sgns&train.watch=river,money")
        wait_for_app(page)
        _sidebar_upload(page, "course.txt", CORPUS)
        summary = page.locator('[data-testid="stSidebar"]').get_by_text(re.compile(r"course\.txt: [\d,]+ tokens"))
        expect(summary.first).to_be_visible(timeout=60_000)
        page.get_by_role("button", name="Step ×100").click()
        page.wait_for_selector("text=running mean", timeout=120_000)  # the loss chart's legend
        wait_for_app(page)
        assert_healthy(page)
        main = page.locator('[data-testid="stMain"]')
        expect(main).to_contain_text("Nearest neighbours of watched words")
        assert "Invalid session_id" not in page.content()
        name = _affinity_cookie(context)
        assert set(seen) == {name}, set(seen)
        served.add(name)
        screenshot(page, f"replicas_upload_train_{name}")
        context.close()
    assert served == {"r1", "r2"}


# ----- the same without a browser: why affinity matters ------------------------------------------------
async def _open_session(layout: Layout, cookie_header: str, xsrf: str) -> str:
    """Open a Streamlit session through the proxy (websocket, as the browser does); return its id."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    url = layout.url.replace("http://", "ws://") + "/_stcore/stream"
    async with websockets.connect(
        url, subprotocols=["streamlit", xsrf], additional_headers={"Cookie": cookie_header}, open_timeout=60
    ) as ws:
        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_name = ""
        await ws.send(back.SerializeToString())
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await asyncio.wait_for(ws.recv(), timeout=120))
            if msg.WhichOneof("type") == "new_session":
                session_id = msg.new_session.initialize.session_id
                break
        return await _upload_while_open(layout, session_id, cookie_header, xsrf)


async def _upload_while_open(layout: Layout, session_id: str, cookie_header: str, xsrf: str) -> str:
    results = {}
    for replica in ("r1", "r2"):
        headers = {"Cookie": re.sub(rf"{COOKIE}=\w+", f"{COOKIE}={replica}", cookie_header), "X-Xsrftoken": xsrf}
        results[replica] = await asyncio.to_thread(_put_file, layout, session_id, headers)
    return json.dumps({"session": session_id, **results})


def _put_file(layout: Layout, session_id: str, headers: dict[str, str]) -> str:
    boundary = uuid.uuid4().hex
    body = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="a.txt"\r\n'
        f"Content-Type: text/plain\r\n\r\nriver bank money\r\n--{boundary}--\r\n"
    ).encode()
    request = urllib.request.Request(
        f"{layout.url}/_stcore/upload_file/{session_id}/{uuid.uuid4()}",
        data=body,
        method="PUT",
        headers={**headers, "Content-Type": f"multipart/form-data; boundary={boundary}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return f"{response.status} {response.headers.get(MARKER)}"
    except urllib.error.HTTPError as exc:
        return f"{exc.code} {exc.headers.get(MARKER)} {exc.read().decode(errors='replace')[:200]}"


def test_an_upload_reaches_the_session_only_on_its_own_process(layout: Layout) -> None:
    """The session lives in the process the cookie names; the same upload sent to the other process
    is refused with Streamlit's "Invalid session_id", which is what the affinity cookie prevents."""
    with urllib.request.urlopen(f"{layout.url}/_stcore/health", timeout=30) as response:
        cookies = [h.split(";", 1)[0] for h in response.headers.get_all("Set-Cookie")]
    jar = dict(c.split("=", 1) for c in cookies)
    own = jar[COOKIE]
    other = "r2" if own == "r1" else "r1"
    xsrf = jar["_streamlit_xsrf"]
    session = _open_session(layout, f"{COOKIE}={own}; _streamlit_xsrf={xsrf}", xsrf)
    with ThreadPoolExecutor(1) as pool:  # its own event loop: Playwright's sync API may hold this thread's
        result = json.loads(pool.submit(asyncio.run, session).result())
    assert result[own].startswith(("200", "204")), result
    assert result[own].split()[1] == own
    assert result[other].startswith("400"), result
    assert "Invalid session_id" in result[other]


def _neighbours_csv(page) -> dict[str, str]:
    """The Project map's Data (CSV), downloaded (from the process's media store): word -> its neighbours."""
    button = page.locator(".st-key-project-chart-csv button").first
    button.scroll_into_view_if_needed()
    with page.expect_download(timeout=120_000) as info:
        button.click()
    path = info.value.path()
    assert path is not None, f"the CSV download failed: {info.value.failure()}"
    with open(path, newline="", encoding="utf-8") as fh:
        return {row["word"]: row["neighbours"] for row in csv.DictReader(fh)}


def _open_shared_on_project(page, layout: Layout, shared: str, context) -> dict[str, str]:
    page.goto(f"{layout.url}/Project?project.vectors={urllib.parse.quote(shared)}&project.method=pca")
    wait_for_app(page)
    assert_healthy(page)
    main = page.locator('[data-testid="stMain"]')
    caption = main.get_by_text("A shared set").first
    expect(caption).to_be_visible(timeout=60_000)
    expect(main).to_contain_text("course.txt")  # its provenance: the corpus it was trained on
    caption.scroll_into_view_if_needed()
    screenshot(page, f"replicas_share_opened_{_affinity_cookie(context)}")
    return _neighbours_csv(page)


def test_a_link_shared_on_one_process_opens_the_same_set_on_the_other(browser, layout: Layout) -> None:
    teacher, teacher_seen = _new_visitor(browser)
    page = teacher.new_page()
    # 100 epochs of the small corpus fit in Step x100 and move the vectors apart (5 leave them all alike)
    page.goto(f"{layout.url}/Train?train.method=sgns&train.sgns.epochs=100&train.watch=river,money")
    wait_for_app(page)
    _sidebar_upload(page, "course.txt", CORPUS)
    page.get_by_role("button", name="Step ×100").click()
    page.wait_for_selector("text=running mean", timeout=120_000)
    wait_for_app(page)
    page.get_by_role("button", name="Share these vectors").click()
    wait_for_app(page)
    main = page.locator('[data-testid="stMain"]')
    expect(main).to_contain_text("Shared as shared:", timeout=60_000)
    shared = re.search(r"Shared as (shared:[A-Za-z0-9_-]+)", main.inner_text()).group(1)
    screenshot(page, "replicas_share_train")
    teacher_neighbours = _open_shared_on_project(page, layout, shared, teacher)
    teacher_process = _affinity_cookie(teacher)
    assert set(teacher_seen) == {teacher_process}

    student = student_seen = None
    for _ in range(4):  # new visitors take turns; the next one lands on the other process
        context, seen = _new_visitor(browser)
        context.request.get(f"{layout.url}/_stcore/health")  # first contact: the cookie is set
        if _affinity_cookie(context) != teacher_process:
            student, student_seen = context, seen
            break
        context.close()
    assert student is not None, "no new visitor landed on the other process"
    student_page = student.new_page()
    student_neighbours = _open_shared_on_project(student_page, layout, shared, student)
    student_process = _affinity_cookie(student)
    assert set(student_seen) == {student_process} != {teacher_process}
    # The same set on both processes: the same words, and every word with the same neighbours.
    assert student_neighbours == teacher_neighbours
    river = teacher_neighbours["river"].split("; ")
    assert len(river) == 10, river
    assert not {"money", "loan", "bank"} & {n.split()[0] for n in river[:3]}, f"the topics did not separate: {river}"
    teacher.close()
    student.close()


def test_a_visitor_of_a_stopped_process_is_handed_to_the_other(layout: Layout) -> None:
    """Last in this module: it stops a process. Its visitors reach the other one (their session is
    lost, the page still opens) and their cookie is rewritten to it."""
    stopped, other = layout.replicas[0], layout.replicas[1]
    stopped.process.terminate()
    stopped.process.wait(timeout=30)
    request = urllib.request.Request(f"{layout.url}/_stcore/health", headers={"Cookie": f"{COOKIE}={stopped.name}"})
    with urllib.request.urlopen(request, timeout=30) as response:
        assert response.status == 200
        assert response.headers[MARKER] == other.name
        assert f"{COOKIE}={other.name};" in " ".join(response.headers.get_all("Set-Cookie"))

"""Browser load test: concurrent chat sessions in real browser tabs, loopback only, bounded in time.

    python -m eval.benchmarks.load_browser [--sessions 50] [--seconds 60] [--concurrency 2]

Where eval.benchmarks.load_test drives the stateless /ask API, this drives the chat window
itself: one headless Chromium, one browser context (so one Gradio session) per
chat, each typing golden-set questions into the window and waiting until the
streamed answer has finished, with its conversation history growing as a
person's would. After the time is up every tab is checked for cross-talk: its
chat must hold exactly the questions it asked, in order, each with one answer.
Latency is from the click to the finished answer as the page shows it, so it
includes the browser's own work on the same 2 cores.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from pathlib import Path

from ..harness import golden
from .load_test import Tally, cli, serve

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
BROWSER_ARGS = ["--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
                "--disable-component-update", "--disable-sync", "--disable-quic", "--disable-extensions"]
BOT = "#chat [data-testid='bot']"
USER = "#chat [data-testid='user']"
# Finished: one more bot message than before, no placeholder or cursor left in the chat.
DONE = ("([n]) => document.querySelectorAll(\"" + BOT + "\").length >= n + 1"
        " && !document.querySelector('#chat').textContent.includes('Searching the documents')"
        " && !document.querySelector('#chat').textContent.includes('▌')")  # textContent: no layout per poll


async def open_tab(browser, url: str):
    """A new browser context (its own Gradio session) with the window loaded."""
    context = await browser.new_context(viewport={"width": 1200, "height": 900})
    page = await context.new_page()
    await page.goto(url, timeout=300_000)
    await page.wait_for_selector("#question textarea", timeout=300_000)
    return context, page


async def session(context, page, questions: list[str], stop_at: float, tally: Tally) -> dict:
    asked: list[str] = []
    seen_errors = 0
    try:
        for q in questions:
            if time.monotonic() >= stop_at:
                break
            before = await page.locator(BOT).count()
            t = time.perf_counter()
            await page.fill("#question textarea", q)
            await page.click("#ask")
            try:
                await page.wait_for_function(DONE, arg=[before], polling=500, timeout=120_000)
            except Exception as exc:
                tally.error(f"no answer: {type(exc).__name__}")
                break
            asked.append(q)
            errors = await page.locator("#chat .rag-error").all_inner_texts()
            if len(errors) > seen_errors:
                seen_errors = len(errors)
                tally.error(f"error message in the chat: {errors[-1][:120]}")
            else:
                tally.ok((time.perf_counter() - t) * 1e3)
        users = [" ".join(u.split()) for u in await page.locator(USER).all_inner_texts()]
        bots = await page.locator(BOT).count()
        return {"asked": len(asked), "own_history": users == [" ".join(q.split()) for q in asked] and bots == len(asked)}
    except Exception as exc:
        tally.error(f"session: {type(exc).__name__}")
        return {"asked": len(asked), "own_history": False}
    finally:
        await context.close()


async def drive(url: str, sessions: int, seconds: float, tally: Tally) -> tuple[list[dict], float]:
    from playwright.async_api import async_playwright

    pool = [q.question for q in golden.questions("all")]
    async with async_playwright() as p:
        browser = await p.chromium.launch(executable_path=CHROMIUM, args=BROWSER_ARGS)
        tabs = []
        for _ in range(sessions):  # one at a time: the clock starts once every window is open
            tabs.append(await open_tab(browser, url))
        tally.start()  # serving 50 page loads is not answering questions
        stop_at = time.monotonic() + seconds

        async def sample() -> None:
            while time.monotonic() < stop_at:
                tally.sample()
                await asyncio.sleep(1)

        t0 = time.monotonic()
        # Each session walks the question pool from its own starting point, as far as time allows.
        orders = [pool[i % len(pool):] + pool[: i % len(pool)] for i in range(sessions)]
        results, _ = await asyncio.gather(
            asyncio.gather(*(session(c, pg, order, stop_at, tally) for (c, pg), order in zip(tabs, orders, strict=True))),
            sample())
        elapsed = time.monotonic() - t0
        await browser.close()
    return list(results), elapsed


def run(sessions: int, seconds: float, concurrency: int) -> dict:
    if not Path(CHROMIUM).exists():
        raise SystemExit("the browser load test needs Chromium: apt-get install chromium")
    with serve(concurrency) as (url, pid):
        tally = Tally(pid)
        results, elapsed = asyncio.run(drive(url, sessions, seconds, tally))
        row = tally.report(sessions, elapsed, concurrency)
    row["mode"] = "browser"
    row["sessions_with_own_history"] = sum(r["own_history"] for r in results)
    row["questions_per_session"] = sorted(r["asked"] for r in results)
    return row


def main() -> None:
    cli(run, __doc__.splitlines()[0])


if __name__ == "__main__":
    main()

"""Printing a scorecard page to an A4 PDF with Debian's Chromium, driven by Playwright."""

from __future__ import annotations

import os
import queue
import threading
from concurrent.futures import Future
from pathlib import Path

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


def _launch(playwright):
    executable = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if not Path(executable).exists():
        raise RuntimeError(f"Chromium not found at {executable}: run make install")
    return playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)


def _print(browser, html: str) -> bytes:
    page = browser.new_page()
    try:
        page.set_content(html, wait_until="load")
        return page.pdf(
            format="A4",
            print_background=True,
            margin={"top": "14mm", "bottom": "14mm", "left": "12mm", "right": "12mm"},
        )
    finally:
        page.close()


class _Printer:
    """One Chromium kept open in a thread of its own, serving every rendering of a process.

    Playwright's synchronous API runs an event loop in the thread that starts it; Django then
    refuses database calls from that thread. Keeping the browser in a separate thread lets a
    Celery worker reuse it across tasks without that conflict.
    """

    def __init__(self):
        self.jobs: queue.Queue = queue.Queue()
        self.thread = threading.Thread(target=self._run, name="pdf-printer", daemon=True)
        self.thread.start()

    def _run(self) -> None:
        # Playwright (and its driver process) is loaded only by a process that prints a PDF.
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = None
            while True:
                html, result = self.jobs.get()
                try:
                    if browser is None or not browser.is_connected():
                        browser = _launch(playwright)
                    result.set_result(_print(browser, html))
                except Exception as exc:  # handed to the caller
                    result.set_exception(exc)

    def pdf(self, html: str, timeout: float = 120) -> bytes:
        result: Future = Future()
        self.jobs.put((html, result))
        return result.result(timeout=timeout)


_printer: dict[int, _Printer] = {}
_printer_lock = threading.Lock()


def render_pdf(html: str) -> bytes:
    """A4 PDF of the page, rendered by Debian's Chromium (fonts embedded by the browser)."""
    pid = os.getpid()  # a forked worker child must not use its parent's thread
    with _printer_lock:
        if pid not in _printer:
            _printer[pid] = _Printer()
        printer = _printer[pid]
    return printer.pdf(html)

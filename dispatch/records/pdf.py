"""The mission record as a PDF, made by WeasyPrint from the same template and print stylesheet as the page."""

import importlib
import logging
from typing import Any

from django.contrib.staticfiles import finders
from django.http import HttpRequest
from django.template.loader import render_to_string

logger = logging.getLogger(__name__)

# The stylesheets of the printed record: the page's own and its print rules.
STYLESHEETS = ("records/record.css", "records/record-print.css")


class PdfUnavailable(Exception):
    """WeasyPrint cannot load its Debian libraries (Pango) on this server."""


def _weasyprint():
    """WeasyPrint, loaded on the first PDF: importing it costs about 1.5 s of CPU (Pango, fonts),
    which every web and worker process would otherwise pay at start for a rarely used download."""
    try:
        return importlib.import_module("weasyprint")
    except OSError as exc:  # a missing libpango: scripts/_venv.sh ensure_pdf_libraries installs it
        logger.error("WeasyPrint cannot load its libraries: %s", exc)
        raise PdfUnavailable(str(exc)) from exc


def record_pdf(record: dict[str, Any], *, request: HttpRequest | None = None) -> bytes:
    """The record (`record.mission_record`) laid out for A4, as PDF bytes.

    The HTML is never served to a browser, so the stylesheets are handed to WeasyPrint from the
    static files directly; nothing is fetched over the network.
    """
    weasyprint = _weasyprint()
    html = render_to_string("records/record_pdf.html", {"record": record}, request=request)
    stylesheets = [weasyprint.CSS(filename=finders.find(name)) for name in STYLESHEETS]
    return weasyprint.HTML(string=html, base_url=None).write_pdf(stylesheets=stylesheets)

"""What every Word and Excel file of the toolkit says about itself: the application that made
it (not the template's "Microsoft Macintosh Word" nor "openpyxl") and a date the data fix, not
the clock, so a rerun on the same figures writes the same bytes."""

from __future__ import annotations

from datetime import datetime

from ntm_forecast.version import __version__

APPLICATION = f"ntm-forecast {__version__}"
NO_FIGURE_TIME = datetime(2000, 1, 1)  # a file with no figure behind it
APP_PART = "docProps/app.xml"


def document_time(meta: dict | None) -> datetime:
    """The first day of the month of the newest figure (`meta["data_as_of"]`)."""
    newest = (meta or {}).get("data_as_of")
    if not newest:
        return NO_FIGURE_TIME
    year, month = newest
    return datetime(int(year), int(month or 1), 1)


def app_properties() -> bytes:
    """The extended properties part, naming the toolkit and nothing else."""
    return (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/'
        f'extended-properties"><Application>{APPLICATION}</Application></Properties>'
    ).encode()

"""A CSV download, as every report offers one: each text cell made safe
from spreadsheet formulas, sent as an attachment."""
import csv
import io

from flask import make_response


def safe(cell):
    """A cell a spreadsheet will not run as a formula (numbers as they are)."""
    if not isinstance(cell, str):
        return cell
    return "'" + cell if cell[:1] in ("=", "+", "-", "@") else cell


def response(header, rows, filename):
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows([safe(cell) for cell in row] for row in rows)
    sent = make_response(out.getvalue())
    sent.headers["Content-Type"] = "text/csv; charset=utf-8"
    sent.headers["Content-Disposition"] = f"attachment; filename={filename}"
    return sent

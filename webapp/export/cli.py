"""`flask --app wsgi export nboca ...`: the same file the download route
sends, written to a file, validated, counted, and recorded in the audit log."""
import sys
from datetime import datetime

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.domain import validators
from webapp.export import audit, service, versions

export_cli = AppGroup("export", help="The NBOCA submission (COSD XML).")


def _date(ctx, param, value):
    try:
        return datetime.strptime(value, "%Y-%m-%d").date()
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DD") from None


def _clock(ctx, param, value):
    if value is None:
        return None
    try:
        return service.FixedClock(datetime.fromisoformat(value))
    except ValueError:
        raise click.BadParameter("use the form YYYY-MM-DDThh:mm:ss") from None


@export_cli.command("nboca")
@click.option("--version", "version", type=click.Choice(list(versions.VERSIONS)), required=True, help="COSD version.")
@click.option("--start", required=True, callback=_date, help="First day of the reporting period (YYYY-MM-DD).")
@click.option("--end", required=True, callback=_date, help="Last day of the reporting period (YYYY-MM-DD).")
@click.option("--provider", default=None, help="Only this provider organisation (ODS code).")
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, writable=True),
              help="File to write.")
@click.option("--fixed-clock", callback=_clock, default=None,
              help="Pin the creation time (and so the submission id), for reproducible files: YYYY-MM-DDThh:mm:ss.")
def nboca(version, start, end, provider, output, fixed_clock):
    """Write the NBOCA submission as COSD XML, validated against the project XSD."""
    if end < start:
        raise click.BadParameter("the end is before the start", param_hint="--end")
    if provider is not None:
        provider = validators.normalise_ods(provider)
        if provider is None:
            raise click.BadParameter(validators.ODS_MESSAGE, param_hint="--provider")
    request = service.Request(version, start, end, provider)
    export = service.prepare(request, fixed_clock, organisation=current_app.config.get("NBOCA_ORGANISATION"))
    try:
        _report(export, request)
        if not export.valid:
            click.echo(f"error: {export.message}", err=True)
            sys.exit(1)
        with open(output, "wb") as f:
            for piece in export.chunks():
                f.write(piece)
        audit.record_export(export, actor="cli")
        click.echo(f"wrote {output}: {export.exported} records, valid against {export.row['xsd']}, "
                   f"sha256 {export.sha256}")
    finally:
        export.close()


def _shown(value):
    return "(nothing)" if value is None else repr(value)


def _report(export, request):
    """Counts, then every record or item not sent as it is stored, one line each."""
    click.echo(f"in scope: {export.in_scope}  exported: {export.exported}  left out: {len(export.left_out)}  "
               f"for a later version: {len(export.other_version)}  under 18 (not in scope): {export.minors}  "
               f"values changed: {len(export.changes)}  treatments left out: {len(export.dropped)}")
    for item in export.other_version:
        click.echo(f"  not in a v{request.version} file {item['tumour_id']} (episode {item['episode_id']}): "
                   f"{'; '.join(item['reasons'])}")
    for item in export.left_out:
        click.echo(f"  left out {item['tumour_id']} (episode {item['episode_id']}): {'; '.join(item['reasons'])}")
    for item in export.dropped:
        click.echo(f"  treatment left out of {item['tumour_id']} (episode {item['episode_id']}): {item['what']}: "
                   f"{'; '.join(item['reasons'])}")
    for c in export.changes:
        click.echo(f"  changed {c['tumour_id']} {c['field']}: {_shown(c.get('before'))} -> {_shown(c.get('after'))} "
                   f"({c['change']})")
    for item in service.near_misses(request):
        click.echo(f"  not selected {item['tumour_id']} (episode {item['episode_id']}): "
                   f"{'; '.join(item['reasons'])}")
    for item in service.undated(request):
        click.echo(f"  not selected {item['tumour_id']} (episode {item['episode_id']}): "
                   f"{'; '.join(item['reasons'])}")

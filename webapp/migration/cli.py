"""`flask --app wsgi migration status|run|verify|rollback`."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.migration import apply, report, scan, stats
from webapp.migration import rollback as rollback_module
from webapp.migration import verify as verify_module
from webapp.migration.stats import LABELS
from webapp.store import lease

migration_cli = AppGroup("migration", help="Move embedded treatments and tumours into their own collections.")


def _table(before, after=None):
    width = max(len(label) for _, label in LABELS)
    lines = []
    for key, label in LABELS:
        row = f"  {label:<{width}}  {before.get(key, 0):>10}"
        if after is not None:
            row += f"  ->  {after.get(key, 0) if after.get(key) is not None else '?':>10}"
        lines.append(row)
    return "\n".join(lines)


def _summary(doc):
    if doc is None:
        return "  (none)"
    counts = doc.get("counts") or {}
    return (f"  {doc['operation']} {doc['_id']} started {doc['started_at']:%Y-%m-%d %H:%M:%S} UTC by {doc['owner']}: "
            f"{doc['state']}"
            + (f" in {doc['duration_s']} s" if doc.get("duration_s") is not None else "")
            + f"; episodes {counts.get('episodes', 0)}, treatments {counts.get('treatments', 0)}, "
              f"tumours {counts.get('tumours', 0)}, quarantined {counts.get('quarantined', 0)}; "
              f"warnings {len(doc.get('warnings') or [])}, errors {len(doc.get('errors') or [])}, "
              f"anomalies {sum((doc.get('anomaly_counts') or {}).values())}"
            + (f"; report {doc['report_file']}" if doc.get("report_file") else ""))


@migration_cli.command("status")
def status():
    """The before/after table, measured now, and the migration state."""
    state, last = stats.state()
    click.echo(f"Migration state: {state}")
    holder = lease.current_holder()
    if holder:
        click.echo(f"  lease held by {holder['owner']} ({holder.get('operation')}) since "
                   f"{holder['acquired_at']:%Y-%m-%d %H:%M:%S} UTC")
    click.echo(_table(stats.measure()))
    click.echo("Last run or rollback:")
    click.echo(_summary(last))


class _Bar:
    """A progress bar on standard error (items done / total, rate, time left)."""

    def __init__(self, label):
        self.label = label

    def __call__(self, progress):
        p = progress.as_dict()
        total = max(p["items_total"], 1)
        filled = int(30 * min(p["items_done"], total) / total)
        left = f"{p['seconds_left']:.0f} s left" if p["seconds_left"] is not None else "--"
        rate = f"{p['rate_per_s']:.0f} items/s" if p["rate_per_s"] else "--"
        click.echo(f"\r{self.label} [{'#' * filled}{'.' * (30 - filled)}] {p['items_done']}/{p['items_total']} "
                   f"items, {p['episodes_done']}/{p['episodes_total']} episodes, {rate}, {left}   ",
                   nl=False, err=True)

    def done(self):
        click.echo("", err=True)


def _confirm(yes, what):
    if yes:
        return
    if not sys.stdin.isatty():
        raise click.ClickException(f"refusing to {what} without --yes: standard input is not a terminal")
    if not click.confirm(f"Proceed to {what}?", default=False):
        raise click.ClickException("cancelled: nothing was changed")


def _print_report(doc):
    click.echo(f"Report: {doc['state']} in {doc['duration_s']} s"
               + (f" (file {doc['report_file']})" if doc.get("report_file") else ""))
    click.echo(_table(doc["before"] or {}, doc.get("after") or {}))
    for code, n in sorted((doc.get("anomaly_counts") or {}).items()):
        click.echo(f"  anomaly {code}: {n}")
    for warning in doc.get("warnings") or []:
        click.echo(f"  warning: {warning}")
    for error in doc.get("errors") or []:
        click.echo(f"  error: {error}", err=True)


@migration_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Write nothing; report exactly what a run would do.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--batch-size", default=scan.DEFAULT_BATCH, show_default=True, type=click.IntRange(1, scan.MAX_BATCH))
def run(dry_run, yes, batch_size):
    """Move embedded treatments and tumours into their collections."""
    before = stats.measure()
    if not dry_run:
        click.echo("Plan: move every embedded treatment and tumour into its collection (episode_id and patient_id "
                   "filled in, dates as BSON dates, order kept for rollback), quarantine what cannot move, then "
                   "remove the arrays from the episodes. Now:")
        click.echo(_table(before))
        _confirm(yes, "migrate")
    _with_progress("dry run" if dry_run else "migrating", apply.run, dry_run=dry_run, batch_size=batch_size)


def _with_progress(label, operation, **options):
    """Run `operation` under the lock with a progress bar, print its report,
    exit 1 unless it completed."""
    bar = _Bar(label)
    try:
        doc = operation(owner=lease.default_owner("cli"), var_dir=current_app.config["VAR_DIR"],
                        on_progress=bar, **options)
    except lease.LockHeld as held:
        raise click.ClickException(str(held)) from None
    bar.done()
    _print_report(doc)
    if doc["state"] != report.COMPLETED:
        sys.exit(1)


@migration_cli.command("verify")
def verify():
    """Check item by item; exit 1 naming every difference."""
    direction, differences = verify_module.verify()
    if not differences:
        click.echo(f"verify ({direction}): no differences")
        return
    for line in differences:
        click.echo(f"DIFFERENCE: {line}")
    click.echo(f"verify ({direction}): {differences.total} difference(s)", err=True)
    sys.exit(1)


@migration_cli.command("rollback")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--batch-size", default=scan.DEFAULT_BATCH, show_default=True, type=click.IntRange(1, scan.MAX_BATCH))
def rollback(yes, batch_size):
    """Put the items back into their episodes' arrays, in their original order."""
    click.echo("Plan: put every migrated treatment and tumour (and what quarantine holds) back into its episode's "
               "arrays in the original order, append items added since in date order, then remove them from the "
               "collections. Now:")
    click.echo(_table(stats.measure()))
    _confirm(yes, "roll back")
    _with_progress("rolling back", rollback_module.rollback, batch_size=batch_size)

"""`flask --app wsgi migration status|run|verify|rollback`."""
import sys

import click
from flask import current_app
from flask.cli import AppGroup

from webapp.migration import adopt, profile, report, scan, stats, steps
from webapp.migration.stats import LABELS
from webapp.store import lease

migration_cli = AppGroup("migration", help="Move embedded treatments and tumours into their own collections, "
                                           "then adopt legacy shapes (schema version, steps, rollback).")


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
    """The schema version and pending steps, the before/after table measured now, and the state."""
    state, last = stats.state()
    now = steps.status()
    click.echo(f"Schema version: {now['version']} of {now['latest']}")
    for entry in now["applied"]:
        how = "stamped (a new database: nothing ran)" if entry.get("stamped") else f"run {entry.get('run_id')}"
        profile_note = f", profile {entry['profile']}" if entry.get("profile") else ""
        click.echo(f"  applied: {entry['step']} ({how}{profile_note})")
    for step in now["pending"]:
        click.echo(f"  pending: {step.name}: {step.title}")
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
    click.echo(f"Report ({doc.get('step', 'collections')}): {doc['state']} in {doc['duration_s']} s"
               + (f" (file {doc['report_file']})" if doc.get("report_file") else ""))
    click.echo(_table(doc["before"] or {}, doc.get("after") or {}))
    for code, n in sorted((doc.get("anomaly_counts") or {}).items()):
        click.echo(f"  anomaly {code}: {n}")
    if doc.get("adopt"):
        _print_adoption(doc["adopt"])
    for note in doc.get("notes") or []:
        click.echo(f"  note: {note}")
    for warning in doc.get("warnings") or []:
        click.echo(f"  warning: {warning}")
    for error in doc.get("errors") or []:
        click.echo(f"  error: {error}", err=True)


def _print_adoption(found):
    for collection, n in found["documents_changed"].items():
        click.echo(f"  {collection}: {n} of {found['documents_read'].get(collection, 0)} documents change")
    click.echo("  unmapped:" if found["unmapped_fields"] or found["unmapped_values"] else "  unmapped: none")
    for row in found["unmapped_fields"]:
        click.echo(f"    field {row['collection']}.{row['field']}: {row['documents']} document(s), kept as it is")
    for row in found["unmapped_values"]:
        click.echo(f"    value {row['collection']}.{row['field']} = {row['value']!r}: {row['documents']} "
                   "document(s), kept for a person to choose a code")
    for row in found.get("defaults", []):
        click.echo(f"  set where the record said nothing: {row['collection']}.{row['field']} = {row['value']!r} "
                   f"({row['documents']} document(s)), as the profile states for the whole source system")
    if found["unlinked_total"]:
        click.echo(f"  not linked: {found['unlinked_total']}")
        for row in found["unlinked"]:
            click.echo(f"    {row['collection']} {row['id']}: {row['reason']}")
    if found["needs_key_total"]:
        click.echo(f"  patients needing the decryption key: {found['needs_key_total']}")


@migration_cli.command("run")
@click.option("--dry-run", is_flag=True, help="Write nothing; report exactly what a run would do.")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--batch-size", default=scan.DEFAULT_BATCH, show_default=True, type=click.IntRange(1, scan.MAX_BATCH))
@click.option("--profile", "profile_name", default=profile.DEFAULT, show_default=True,
              type=click.Choice(profile.names()), help="How the adopt step reads the legacy data.")
def run(dry_run, yes, batch_size, profile_name):
    """Apply the pending steps in order (moving embedded items, then adopting legacy shapes)."""
    pending = steps.pending()
    if not pending:
        click.echo(f"Nothing to do: the database is at schema version {steps.LATEST}, the newest.")
        return
    try:
        key = adopt.key_from(current_app.config)
    except ValueError as exc:
        raise click.ClickException(f"{exc}. Nothing was changed.") from None
    if not dry_run:
        click.echo("Plan: " + "; then ".join(f"{s.name} ({s.title})" for s in pending)
                   + (f". Adopting with profile {profile_name!r}." if any(s.name == "adopt" for s in pending) else ".")
                   + " Now:")
        click.echo(_table(stats.measure()))
        _confirm(yes, "migrate")
    _with_progress("dry run" if dry_run else "migrating", steps.run_pending, dry_run=dry_run, batch_size=batch_size,
                   options={"profile_name": profile_name, "key": key})


def _with_progress(label, operation, **options):
    """Run `operation` (the steps) under the lease with a progress bar,
    print each step's report, exit 1 unless all completed."""
    bar = _Bar(label)
    try:
        docs = operation(owner=lease.default_owner("cli"), var_dir=current_app.config["VAR_DIR"],
                         on_progress=bar, **options)
    except lease.LockHeld as held:
        raise click.ClickException(str(held)) from None
    except steps.NothingToRollBack as nothing:
        raise click.ClickException(str(nothing)) from None
    bar.done()
    for doc in docs:
        _print_report(doc)
    if any(doc["state"] != report.COMPLETED for doc in docs):
        sys.exit(1)


@migration_cli.command("verify")
def verify():
    """Check item by item, for each applied step; exit 1 naming every difference."""
    total = 0
    for name, label, differences in steps.verify_all():
        prefix = "DIFFERENCE" if name == "collections" else f"DIFFERENCE ({name})"
        for line in differences:
            click.echo(f"{prefix}: {line}")
        total += len(differences)
        click.echo(f"verify ({label}): " + (f"{len(differences)} difference(s)" if differences else "no differences"),
                   err=bool(differences))
    if total:
        sys.exit(1)


@migration_cli.command("rollback")
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@click.option("--batch-size", default=scan.DEFAULT_BATCH, show_default=True, type=click.IntRange(1, scan.MAX_BATCH))
def rollback(yes, batch_size):
    """Undo the applied steps, newest first: adopted documents back as they were, items back into their arrays."""
    click.echo("Plan: put every adopted document back exactly as it was, then every migrated treatment and tumour "
               "(and what quarantine holds) back into its episode's arrays in the original order, items added "
               "since appended in date order. Documents the migration did not move stay where they are. Now:")
    click.echo(_table(stats.measure()))
    _confirm(yes, "roll back")
    _with_progress("rolling back", steps.rollback_applied, batch_size=batch_size)

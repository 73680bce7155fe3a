"""`flask --app wsgi ...` commands: db, users, seed. The migration and export
groups live beside their code and are added here."""
import secrets
import sys

import click
from flask.cli import AppGroup
from pymongo.errors import DuplicateKeyError

from webapp import db, demo
from webapp.migration import schema, steps
from webapp.security import ROLES
from webapp.store import storage, users

db_cli = AppGroup("db", help="Database set-up.")
users_cli = AppGroup("users", help="People who may sign in.")
seed_cli = AppGroup("seed", help="Synthetic demo data.")

DEMO_USERS = {"clinician": "demo-clinician", "manager": "demo-manager",
              "data_officer": "demo-data-officer", "admin": "demo-admin"}


@db_cli.command("init")
def db_init():
    """Create every index (idempotent), and the validators once the data is adopted."""
    refused = db.init_indexes()
    for name, models in db.INDEXES.items():
        click.echo(f"{name}: {', '.join(m.document['name'] for m in models)}")
    for problem in refused:
        click.echo(f"not created yet: {problem['collection']}.{problem['index']}: {problem['problem']}; correct "
                   "these, then run db init again:", err=True)
        for dup in problem["duplicates"]:
            click.echo(f"  {dup['value']} is held by {dup['count']} documents: {', '.join(dup['ids'])}", err=True)
    if steps.adopted():
        db.init_validators()
        click.echo("validators: " + ", ".join(db.validators_on()))


@db_cli.command("stats")
@click.option("--record", is_flag=True, help="Also keep the figures as a snapshot (to watch growth).")
def db_stats(record):
    """Each collection's documents and the bytes of its data and indexes."""
    rows = storage.current()
    for r in rows:
        click.echo(f"{r['collection']:<12} {r['documents']:>10} documents {r['data_bytes']:>14} data bytes "
                   f"{r['index_bytes']:>14} index bytes")
    if record:
        storage.record("cli")
        click.echo("snapshot kept")


def read_password(prompt_text="Password"):
    """From a prompt on a terminal, else the first line of standard input."""
    if sys.stdin.isatty():
        return click.prompt(prompt_text, hide_input=True, confirmation_prompt=True)
    return sys.stdin.readline().rstrip("\r\n")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
def users_create(username, role):
    """Add a user; the password comes from a prompt or standard input."""
    password = read_password()
    if len(password) < 10:
        raise click.ClickException("the password must be at least 10 characters")
    try:
        users.create(username, password, role, actor="cli")
    except DuplicateKeyError:
        raise click.ClickException(f"a user named {username!r} already exists") from None
    click.echo(f"created {username} ({role})")


@seed_cli.command("demo")
@click.option("--patients", default=50, show_default=True, type=click.IntRange(1, 1_000_000))
@click.option("--seed", "seed_value", default=1, show_default=True, type=int)
@click.option("--legacy", is_flag=True, help="Write the old shape: arrays embedded in episodes.")
def seed_demo(patients, seed_value, legacy):
    """Write synthetic colorectal data."""
    db.init_indexes()
    fresh = db.collection(db.EPISODES).estimated_document_count() == 0
    counts = demo.write(demo.generate(patients=patients, seed=seed_value), legacy=legacy)
    if fresh and not legacy:
        schema.stamp([step.name for step in steps.STEPS])  # made in this shape: nothing to migrate
    shape = "legacy (treatments and tumours embedded in episodes)" if legacy else "separate collections"
    click.echo(f"wrote {shape}: " + ", ".join(f"{n} {k}" for k, n in counts.items()))


@seed_cli.command("bootstrap")
@click.option("--patients", default=60, show_default=True)
def seed_bootstrap(patients):
    """For `make run`: indexes, and on an empty database demo data and one
    demo user per role with a one-time password printed here."""
    db.init_indexes()
    if db.collection(db.PATIENTS).estimated_document_count() == 0:
        counts = demo.write(demo.generate(patients=patients, seed=1))
        schema.stamp([step.name for step in steps.STEPS])  # made in this shape: nothing to migrate
        click.echo("loaded demo data: " + ", ".join(f"{n} {k}" for k, n in counts.items()))
    if users.count() == 0:
        click.echo("demo users (passwords shown once; keep them):")
        for role, name in DEMO_USERS.items():
            password = secrets.token_urlsafe(12)
            users.create(name, password, role, actor="bootstrap")
            click.echo(f"  {name:<20} role={role:<13} password={password}")


def init_app(app):
    for group in (db_cli, users_cli, seed_cli):
        app.cli.add_command(group)
    from webapp.export.cli import export_cli
    from webapp.migration.cli import migration_cli

    app.cli.add_command(migration_cli)
    app.cli.add_command(export_cli)

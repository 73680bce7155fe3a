"""`flask --app wsgi ...` commands: db, users, seed. The migration and export
groups live beside their code and are added here."""
import secrets
import sys

import click
from flask.cli import AppGroup

from webapp import db, demo
from webapp.domain import accounts
from webapp.migration import schema, steps
from webapp.security import ROLES
from webapp.store import protocols, storage, users

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


def _done(change, username, message):
    """Run one account change for the CLI: refusals exit 1 with the reason."""
    try:
        result = change()
    except users.UserError as exc:
        raise click.ClickException(str(exc)) from None
    click.echo(message.format(name=accounts.normalise_username(username)))
    return result


@users_cli.command("list")
def users_list():
    """Every user: name, role, active, and whether a one-time password waits to be changed."""
    for u in users.list_all():
        flags = ("" if u.active else " inactive") + (" one-time-password" if u.must_change_password else "")
        click.echo(f"{u.username:<30} {u.role:<13}{flags}")


@users_cli.command("create")
@click.argument("username")
@click.option("--role", type=click.Choice(ROLES), required=True)
@click.option("--one-time", is_flag=True, help="The password must be changed at the first sign-in.")
def users_create(username, role, one_time):
    """Add a user; the password comes from a prompt or standard input, and is
    the user's own unless --one-time says it must be changed."""
    password = read_password()
    _done(lambda: users.create(username, password, role, actor="cli", one_time=one_time), username,
          f"created {{name}} ({role})")


@users_cli.command("deactivate")
@click.argument("username")
def users_deactivate(username):
    """No more sign-ins; every open session of the user ends."""
    _done(lambda: users.deactivate(username, "cli"), username, "deactivated {name}; their sessions have ended")


@users_cli.command("reactivate")
@click.argument("username")
def users_reactivate(username):
    _done(lambda: users.reactivate(username, "cli"), username, "reactivated {name}")


@users_cli.command("role")
@click.argument("username")
@click.argument("role", type=click.Choice(ROLES))
def users_role(username, role):
    """Give the user another role (applies to their open sessions at once)."""
    _done(lambda: users.set_role(username, role, "cli"), username, f"{{name}} is now {role}")


@users_cli.command("reset-password")
@click.argument("username")
def users_reset_password(username):
    """Print a one-time password the user must change at the next sign-in."""
    password = _done(lambda: users.reset_password(username, "cli"), username,
                     "one-time password for {name} (shown once; it must be changed at sign-in):")
    click.echo(password)


@users_cli.command("unlock")
@click.argument("username")
def users_unlock(username):
    """Clear the user's failed sign-ins."""
    _done(lambda: users.unlock(username, "cli"), username, "unlocked {name}")


@users_cli.command("sign-out-everywhere")
@click.argument("username")
def users_sign_out(username):
    """End every open session of the user."""
    _done(lambda: users.sign_out_everywhere(username, "cli"), username, "signed {name} out everywhere")


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
    _seed_protocols()


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
    _seed_protocols()
    if users.count() == 0:
        click.echo("demo users (one-time passwords shown once; each must be changed at the first sign-in):")
        for role, name in DEMO_USERS.items():
            password = secrets.token_urlsafe(12)
            users.create(name, password, role, actor="bootstrap", one_time=True)
            click.echo(f"  {name:<20} role={role:<13} password={password}")


def _seed_protocols():
    """The default protocol templates, into an empty collection only (an
    admin's retirements are never undone by a restart)."""
    added = protocols.seed_defaults()
    if added:
        click.echo(f"added {added} default protocol templates")


def init_app(app):
    for group in (db_cli, users_cli, seed_cli):
        app.cli.add_command(group)
    from webapp.export.cli import export_cli
    from webapp.migration.cli import migration_cli

    app.cli.add_command(migration_cli)
    app.cli.add_command(export_cli)

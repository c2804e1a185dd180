"""Flask commands: ``flask users create``, ``flask seed-demo``, ``flask demo-code``,
``flask backup create`` and ``flask backup restore``."""

import time
from pathlib import Path

import click
from flask import current_app

from kapms.auth.demo import DEMO_TOTP_SECRETS
from kapms.extensions import db


@click.group("users")
def users_group():
    """Manage user accounts."""


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", "full_name", default=None, help="Full name (defaults to the email).")
@click.option("--role", "roles", multiple=True, required=True,
              type=click.Choice(["therapist", "prescriber", "billing", "admin"]),
              help="Repeat for several roles.")
@click.option("--credentials", default=None)
@click.password_option(help="Prompted when not given (never echoed).")
def create_user_command(email, full_name, roles, credentials, password):
    """Create a user account."""
    from kapms.auth.services import create_user
    from kapms.errors import DomainError

    try:
        user = create_user(db.session, None, email=email, full_name=full_name or email,
                           roles=roles, password=password, credentials=credentials)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from error
    db.session.commit()
    click.echo(f"Created {user.email} with roles {', '.join(sorted(user.roles))}.")


@click.command("seed-demo")
def seed_demo_command():
    """Seed the demo network when the database is empty, then print the demo logins."""
    from kapms.demo import DEMO_LOGINS, seed_demo

    started = [time.monotonic()]

    def progress(step: str, number: int, total: int) -> None:
        if number > 1:
            click.echo(f" {time.monotonic() - started[0]:.1f} s")
        started[0] = time.monotonic()
        click.echo(f"Seeding the demo network ({number}/{total}): {step}...", nl=False)

    created = seed_demo(db.session, progress=progress)
    if created:
        click.echo(f" {time.monotonic() - started[0]:.1f} s")
    db.session.commit()
    click.echo("Demo network " + ("created." if created else "already present; nothing seeded."))
    click.echo(f"\nKAPMS is at http://127.0.0.1:5000 ({current_app.config['CLINIC_NAME']})")
    click.echo("Demo logins (one per role):")
    for role, email, password in DEMO_LOGINS:
        click.echo(f"  {role:<11} {email:<32} {password}")
    from kapms.portal.demo import DEMO_PATIENT_LOGINS

    click.echo("Patient portal (same sign-in page):")
    for _, email, password in DEMO_PATIENT_LOGINS:
        click.echo(f"  {'patient':<11} {email:<32} {password}")
    click.echo("\nThe admin and the prescriber also enter a code from an authenticator app.")
    click.echo("Get the current one with `.venv/bin/flask demo-code admin` (or prescriber),")
    click.echo("or add the published demo key to any authenticator app (time-based, 6 digits):")
    for role, secret in DEMO_TOTP_SECRETS.items():
        click.echo(f"  {role:<11} {secret}")


@click.command("demo-code")
@click.argument("role", type=click.Choice(sorted(DEMO_TOTP_SECRETS)))
def demo_code_command(role):
    """Print the current authenticator code of a demo login (demo secrets only)."""
    from kapms.auth import otp
    from kapms.database import utcnow

    step = otp.time_step(utcnow())
    seconds_left = otp.STEP_SECONDS - int(utcnow().timestamp()) % otp.STEP_SECONDS
    click.echo(f"{otp.code_at(DEMO_TOTP_SECRETS[role], step)}   "
               f"(valid for about {seconds_left + otp.STEP_SECONDS * otp.DRIFT_STEPS} s)")


@click.group("backup")
def backup_group():
    """Back up and restore the database (see kapms/backup.py)."""


@backup_group.command("create")
@click.option("--output", "output", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="File to write (default: instance/backups/kapms-<time>.*).")
def backup_create_command(output):
    """Write a consistent backup of the database while the app keeps running."""
    from kapms import backup

    path = output or backup.default_path(db.engine, Path(current_app.instance_path) / "backups")
    try:
        written = backup.create(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Backup written: {written.path} ({written.size} bytes, "
               f"sha256 {written.sha256}). It holds patient data: store it encrypted.")


@backup_group.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
def backup_restore_command(path, yes):
    """Replace the whole database with a backup (stop the app first)."""
    from kapms import backup

    if not yes:
        click.confirm(f"Replace the whole database with {path}? Everything written since "
                      "that backup is lost", abort=True)
    db.session.remove()
    try:
        restored = backup.restore(db.engine, path)
    except backup.BackupError as error:
        raise click.ClickException(str(error)) from error
    click.echo(f"Restored from {restored.path} (sha256 {restored.sha256}). "
               "Run `flask audit verify` to check the audit log, then start the app.")


def init_app(app) -> None:
    """Register commands with the app."""
    app.cli.add_command(users_group)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(demo_code_command)
    app.cli.add_command(backup_group)

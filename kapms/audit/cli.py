"""``flask audit verify`` and ``flask audit seal``: check and extend the audit hash chain."""

import click

from kapms.audit import sealing
from kapms.extensions import db


@click.command("verify")
@click.option("--anchor", default=None, metavar="SEQ:SEAL",
              help="A head printed by an earlier run: also detects rows removed from the end.")
def verify_command(anchor):
    """Check every sealed audit row against the chain; exit 1 if anything was tampered."""
    expected = None
    if anchor:
        try:
            seq, seal = anchor.split(":", 1)
            expected = (int(seq), seal.strip())
        except ValueError as error:
            raise click.BadParameter("use SEQ:SEAL, as printed by an earlier run") from error
    with db.engine.connect() as conn:
        report = sealing.verify(conn, anchor=expected)
    for problem in report.problems:
        click.echo(f"TAMPERED: {problem}")
    click.echo(f"{report.sealed} sealed rows checked; {report.unsealed} not sealed yet"
               + (f" (oldest {report.oldest_unsealed:%Y-%m-%d %H:%M} UTC)"
                  if report.oldest_unsealed else "") + ".")
    click.echo(f"Head: {report.head_seq}:{report.head_hash}")
    if not report.ok:
        raise SystemExit(1)
    click.echo("The audit chain is intact.")


@click.command("seal")
def seal_command():
    """Seal every audit row not yet in the chain (e.g. a backlog after an upgrade)."""
    total = sealing.seal_pending(db.engine, batch=5000, max_batches=10 ** 9)
    click.echo(f"Sealed {total} audit rows.")

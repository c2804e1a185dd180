"""``flask measures load-mbi-text FILE``: load the licensed MBI-GS item wording.

The command hangs off the measures blueprint's CLI group (Flask registers blueprint
commands under the blueprint's name), so no shared file needs to know about it.
"""

import click

from kapms.errors import DomainError
from kapms.extensions import db
from kapms.measures.instruments import load_licensed_item_text
from kapms.measures.services import load_item_texts


@click.command("load-mbi-text")
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
def load_mbi_text_command(path):
    """Load the MBI-GS item text from PATH (format: kapms/measures/instruments.py)."""
    try:
        texts = load_licensed_item_text(path)
        count = load_item_texts(db.session, None, "MBI-GS", texts)
    except (ValueError, DomainError) as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from error
    db.session.commit()
    click.echo(f"Loaded MBI-GS text for {count} items.")

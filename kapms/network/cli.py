"""``flask network expire-offers``: record the care-team offers that lapsed unanswered.

Run it daily (cron or a systemd timer). An offer is treated as expired from its
``expires_at`` on whether or not this has run (it holds no place and cannot be answered);
the command writes the lapse into the record and the audit log. It hangs off the network
blueprint's CLI group, so no shared file needs to know about it.
"""

import click

from kapms.extensions import db
from kapms.network.services.referrals import expire_offers


@click.command("expire-offers")
def expire_offers_command():
    """Mark every offer unanswered past its expiry (OFFER_EXPIRY_DAYS) as expired."""
    count = expire_offers(db.session, None)  # the clock acts: nobody to name
    db.session.commit()
    click.echo(f"{count} unanswered offer{'s' if count != 1 else ''} expired.")

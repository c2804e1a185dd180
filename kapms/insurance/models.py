"""Payers (insurance companies) and their plans."""

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from kapms.extensions import db

# The longest payer or plan name (the columns, the forms and the service share it).
NAME_MAX = 120


class Payer(db.Model):
    """An insurance company, e.g. "Aetna"."""

    __tablename__ = "payers"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX), unique=True)
    active: Mapped[bool] = mapped_column(default=True)
    # The payer's electronic id for claims (837P 2010BB), and whether it takes several dates
    # of service on one claim (otherwise one claim per date of service and clinician).
    payer_code: Mapped[str | None] = mapped_column(String(20))
    batches_claims: Mapped[bool] = mapped_column(default=False, server_default="0")

    plans: Mapped[list["InsurancePlan"]] = relationship(
        back_populates="payer", order_by="InsurancePlan.name")

    def __repr__(self) -> str:
        return f"<Payer {self.name}>"


class InsurancePlan(db.Model):
    """One plan of a payer, e.g. Aetna "Open Access PPO"."""

    __tablename__ = "insurance_plans"
    __table_args__ = (UniqueConstraint("payer_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    payer_id: Mapped[int] = mapped_column(ForeignKey("payers.id"), index=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX))
    plan_type: Mapped[str | None] = mapped_column(String(20))  # PPO, HMO, EPO, POS, Medicare...
    active: Mapped[bool] = mapped_column(default=True)

    payer: Mapped[Payer] = relationship(back_populates="plans", lazy="joined")

    @property
    def label(self) -> str:
        """"Payer — Plan" as shown in lists."""
        return f"{self.payer.name} — {self.name}"

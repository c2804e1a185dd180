"""The payer and plan list through its services: unique names, choices, switching off."""

import pytest
from sqlalchemy import select

from kapms.audit.models import AuditEvent
from kapms.errors import DomainError, NotFound, RuleViolation
from kapms.insurance import services


def test_payers_and_plans_have_unique_names(db):
    aetna = services.add_payer(db, None, "  Aetna ")
    assert aetna.name == "Aetna"
    with pytest.raises(DomainError, match="already exists"):
        services.add_payer(db, None, "Aetna")
    ppo = services.add_plan(db, None, aetna, "PPO", "PPO")
    with pytest.raises(DomainError, match="already has a plan named PPO"):
        services.add_plan(db, None, aetna, " PPO ")
    cigna = services.add_payer(db, None, "Cigna")
    services.add_plan(db, None, cigna, "PPO")  # the same plan name at another payer is fine
    assert ppo.label == "Aetna — PPO"
    actions = db.scalars(select(AuditEvent.entity_type)).all()
    assert actions.count("payer") == 2 and actions.count("insurance_plan") == 2


def test_choices_list_active_plans_of_active_payers_in_order(db):
    blue = services.add_payer(db, None, "Blue Shield")
    aetna = services.add_payer(db, None, "Aetna")
    gold = services.add_plan(db, None, blue, "Gold")
    hmo = services.add_plan(db, None, aetna, "HMO")
    ppo = services.add_plan(db, None, aetna, "PPO")
    assert services.plan_choices(db) == [(0, "Self-pay (no insurance)"), (hmo.id, hmo.label),
                                         (ppo.id, ppo.label), (gold.id, gold.label)]
    services.set_active(db, None, ppo, False)
    services.set_active(db, None, blue, False)
    assert services.plan_choices(db, self_pay_label=None) == [(hmo.id, hmo.label)]
    assert [p.name for p in services.list_payers(db)] == ["Aetna", "Blue Shield"]
    services.set_active(db, None, blue, True)
    assert (gold.id, gold.label) in services.plan_choices(db)


def test_unknown_ids_are_not_found(db):
    with pytest.raises(NotFound):
        services.get_payer(db, 999)
    with pytest.raises(NotFound):
        services.get_plan(db, 999)


def test_names_are_given_and_fit(db):
    for bad, message in [("   ", "Give the payer's name."),
                         ("x" * 121, "A payer name has at most 120 characters.")]:
        with pytest.raises(RuleViolation) as refused:
            services.add_payer(db, None, bad)
        assert str(refused.value) == message and refused.value.field == "name"
    aetna = services.add_payer(db, None, "x" * 120)
    with pytest.raises(RuleViolation, match="Give the plan's name."):
        services.add_plan(db, None, aetna, "")


def test_switching_off_is_audited_and_keeps_the_plan(db):
    aetna = services.add_payer(db, None, "Aetna")
    ppo = services.add_plan(db, None, aetna, "PPO")
    services.set_active(db, None, ppo, False)
    services.set_active(db, None, aetna, False)
    assert services.get_plan(db, ppo.id) is ppo and not ppo.active and not aetna.active
    assert services.active_plans(db) == [] and services.list_payers(db) == [aetna]
    details = db.execute(select(AuditEvent.entity_type, AuditEvent.detail)
                         .where(AuditEvent.action == "update")).all()
    assert sorted(details) == [("insurance_plan", "deactivated"), ("payer", "deactivated")]

"""Demo payers and plans, with the payer ids their claims go to."""

from kapms.insurance.services import add_payer, add_plan

# Electronic payer ids as published by the payers for professional claims.
PAYER_CODES = {"Aetna": "60054", "Blue Shield of California": "94036", "Cigna": "62308",
               "UnitedHealthcare": "87726"}

DEMO_PLANS = {
    "Aetna": [("Open Access PPO", "PPO"), ("HMO Select", "HMO")],
    "Blue Shield of California": [("PPO Gold", "PPO"), ("Trio HMO", "HMO")],
    "Cigna": [("LocalPlus", "EPO")],
    "UnitedHealthcare": [("Choice Plus", "PPO")],
}


def seed(session, ctx: dict) -> None:
    """Four payers with a plan or two each; ctx["plans"] maps "Payer/Plan" to plans."""
    ctx["plans"], admin = {}, ctx["users"]["admin"]
    for payer_name, plans in DEMO_PLANS.items():
        payer = add_payer(session, admin, payer_name)
        payer.payer_code = PAYER_CODES[payer_name]
        for plan_name, plan_type in plans:
            ctx["plans"][f"{payer_name}/{plan_name}"] = add_plan(
                session, admin, payer, plan_name, plan_type)

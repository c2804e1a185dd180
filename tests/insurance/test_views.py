"""Admin pages for payers and plans."""

from sqlalchemy import select

from kapms.insurance.models import InsurancePlan, Payer


def test_admin_adds_a_payer_and_a_plan(client, login_as, db):
    login_as("admin")
    response = client.post("/admin/payers/new", data={"name": "Kaiser"})
    assert response.status_code == 302
    payer = db.scalar(select(Payer).where(Payer.name == "Kaiser"))
    response = client.post(f"/admin/payers/{payer.id}", data={"name": "Gold HMO",
                                                              "plan_type": "HMO"})
    assert response.status_code == 302
    plan = db.scalar(select(InsurancePlan))
    assert (plan.name, plan.plan_type, plan.payer_id) == ("Gold HMO", "HMO", payer.id)
    duplicate = client.post(f"/admin/payers/{payer.id}", data={"name": "Gold HMO"})
    assert "already has a plan named Gold HMO" in duplicate.get_data(as_text=True)
    client.post(f"/admin/payers/plans/{plan.id}/active")
    db.expire_all()
    assert plan.active is False
    page = client.get("/admin/payers/").get_data(as_text=True)
    assert "Kaiser" in page and "Gold HMO" in page and "inactive" in page

"""The flask commands: users create and seed-demo."""

import re

from kapms.auth.models import User
from kapms.demo import DEMO_LOGINS


def test_users_create(app, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "cli.person@example.com", "--role", "therapist",
        "--role", "prescriber", "--name", "Cli Person", "--password", "cli long passphrase"])
    assert result.exit_code == 0, result.output
    user = db.query(User).filter_by(email="cli.person@example.com").one()
    assert user.roles == {"therapist", "prescriber"}
    assert "cli long passphrase" not in result.output


def test_users_create_refuses_weak_password_with_a_message(app, db):
    result = app.test_cli_runner().invoke(args=[
        "users", "create", "--email", "weak@example.com", "--role", "billing",
        "--password", "short"])
    assert result.exit_code != 0 and "at least 12" in result.output
    assert db.query(User).filter_by(email="weak@example.com").count() == 0


def test_seed_demo_is_idempotent_and_prints_one_login_per_role(app, db):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    assert first.exit_code == 0, first.output
    # Progress, step by step: the staff first, then each domain's demo, each with its time.
    steps = re.findall(r"Seeding the demo network \((\d+)/(\d+)\): (\w+)\.\.\. [\d.]+ s",
                       first.output)
    assert [s[2] for s in steps[:2]] == ["staff", "auth"] and "patients" in [s[2] for s in steps]
    assert [int(s[0]) for s in steps] == list(range(1, len(steps) + 1))
    assert {int(s[1]) for s in steps} == {len(steps)}
    count = db.query(User).count()
    second = runner.invoke(args=["seed-demo"])
    assert "nothing seeded" in second.output
    assert db.query(User).count() == count
    for _role, email, password in DEMO_LOGINS:
        assert email in second.output and password in second.output
    assert {r for r, _, _ in DEMO_LOGINS} == {"therapist", "prescriber", "billing", "admin"}


def test_demo_logins_work(app, db, client):
    app.test_cli_runner().invoke(args=["seed-demo"])
    for _, email, password in DEMO_LOGINS:
        response = client.post("/login", data={"email": email, "password": password})
        assert response.status_code == 302, email
        client.post("/logout")

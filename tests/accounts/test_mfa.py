"""Two-step sign-in with TOTP (ADM-1)."""

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice

from parlons.accounts.models import SecurityEvent, User

pytestmark = pytest.mark.django_db
PASSWORD = "Correct-Horse-Battery-42"


@pytest.fixture(autouse=True)
def _fast_hasher(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def code_for(device: TOTPDevice) -> str:
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    return f"{totp.token():06d}"


@pytest.fixture
def user(db):
    return User.objects.create_user(username="claire", password=PASSWORD)


def sign_in(client, username="claire", password=PASSWORD):
    return client.post("/accounts/login/", {"username": username, "password": password})


def enrol(client, user) -> TOTPDevice:
    assert client.get("/accounts/mfa/setup/").status_code == 200
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    r = client.post("/accounts/mfa/setup/", {"code": code_for(device)})
    assert r.status_code == 302
    device.refresh_from_db()
    assert device.confirmed
    return device


def test_setup_shows_qr_and_key_and_wrong_code_is_refused_req_adm1(client, user):
    sign_in(client)
    r = client.get("/accounts/mfa/setup/")
    body = r.content.decode()
    assert "<svg" in body
    device = TOTPDevice.objects.get(user=user)
    r = client.post("/accounts/mfa/setup/", {"code": "000000" if code_for(device) != "000000" else "111111"})
    assert r.status_code == 200
    assert 'role="alert"' in r.content.decode()
    device.refresh_from_db()
    assert not device.confirmed


def test_after_enrolment_sign_in_needs_a_code_req_adm1(user):
    browser = Client()
    sign_in(browser)
    device = enrol(browser, user)
    assert SecurityEvent.objects.filter(kind="mfa.enrolled", target_user=user).exists()
    second = Client()
    assert sign_in(second).status_code == 302
    # password alone reaches nothing but the second step, in the UI and in the API
    r = second.get("/")
    assert r.status_code == 302 and r["Location"].startswith("/accounts/mfa/verify/")
    assert second.get("/api/v1/me").status_code == 401
    bad = second.post("/accounts/mfa/verify/", {"code": "12"})
    assert bad.status_code == 200 and "6" in bad.content.decode()
    device.refresh_from_db()
    device.throttling_failure_count = 0
    device.throttling_failure_timestamp = None
    device.last_t = -1
    device.save()
    r = second.post("/accounts/mfa/verify/", {"code": code_for(device), "next": "/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert second.get("/api/v1/me").status_code == 200


def test_mfa_required_setting_forces_enrolment_req_adm1(client, user, settings):
    settings.PARLONS_MFA_REQUIRED = True
    sign_in(client)
    r = client.get("/")
    assert r.status_code == 302 and r["Location"] == "/accounts/mfa/setup/"


def test_verify_next_cannot_leave_the_site(user):
    browser = Client()
    sign_in(browser)
    device = enrol(browser, user)
    other = Client()
    sign_in(other)
    device.last_t = -1
    device.save()
    r = other.post("/accounts/mfa/verify/", {"code": code_for(device), "next": "https://evil.example/"})
    assert r["Location"] == "/"

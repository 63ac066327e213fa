"""The argon2 cost: production and development use the real parameters, only the test suite a
cheap one (PASSWORD_HASH_COST), and unknown emails cost the same as known ones in each."""

from __future__ import annotations

import pytest
from argon2 import PasswordHasher, Type, extract_parameters, profiles
from flask import Flask

from portal.accounts import passwords
from portal.config import ConfigError, check_production, load_settings
from tests.test_config import GOOD_PRODUCTION


def app_for(settings: dict) -> Flask:
    app = Flask(__name__)
    app.config.update(settings)
    return app


@pytest.fixture(params=["production", "development"])
def real_app(request, tmp_path) -> Flask:
    environ = GOOD_PRODUCTION if request.param == "production" else {"PORTAL_ENV": "development"}
    return app_for(load_settings(environ, str(tmp_path)))


def test_production_and_development_hash_with_argon2id_rfc_9106(real_app):
    with real_app.app_context():
        hashed = passwords.hash_password("calm-lavender-pillow-42")
        assert passwords.verify_password(hashed, "calm-lavender-pillow-42")
        assert not passwords.needs_rehash(hashed)
    parameters = extract_parameters(hashed)
    assert parameters.type is Type.ID
    assert parameters == profiles.RFC_9106_LOW_MEMORY
    assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (3, 65536, 4)


def test_without_an_app_the_real_parameters_are_used():
    assert extract_parameters(passwords.hash_password("calm-lavender-pillow-42")) == profiles.RFC_9106_LOW_MEMORY


def test_a_hash_made_in_the_test_suite_is_rehashed_by_production(real_app, app, password_hash):
    with app.app_context():
        assert not passwords.needs_rehash(password_hash)
    with real_app.app_context():
        assert passwords.needs_rehash(password_hash)


def test_the_test_app_hashes_cheaply_and_keeps_its_hashes(app, password_hash):
    with app.app_context():
        hashed = passwords.hash_password("calm-lavender-pillow-42")
        assert passwords.verify_password(hashed, "calm-lavender-pillow-42")
        assert not passwords.verify_password(hashed, "calm-lavender-pillow-43")
        # Not rehashed at every test log-in: the suite's own hash has the suite's cost.
        assert not passwords.needs_rehash(hashed) and not passwords.needs_rehash(password_hash)
    for parameters in (extract_parameters(hashed), extract_parameters(password_hash)):
        assert parameters.type is Type.ID
        assert (parameters.time_cost, parameters.memory_cost, parameters.parallelism) == (1, 8, 1)
        # Same lengths as the real hashes: only the cost differs.
        assert (parameters.salt_len, parameters.hash_len) == (16, 32)


@pytest.mark.parametrize("where", ["real", "test"])
def test_unknown_emails_verify_against_a_hash_with_the_real_hashes_parameters(where, real_app, app, monkeypatch):
    verified = []
    real_verify = PasswordHasher.verify
    monkeypatch.setattr(PasswordHasher, "verify",
                        lambda self, hashed, password: verified.append(hashed) or real_verify(self, hashed, password))
    with (real_app if where == "real" else app).app_context():
        assert passwords.verify_password(None, "not-a-real-password-for-timing") is False
        real_hash = passwords.hash_password("calm-lavender-pillow-42")
    [dummy] = verified
    assert extract_parameters(dummy) == extract_parameters(real_hash)


def test_production_refuses_the_test_suites_hash_cost(tmp_path):
    settings = load_settings(GOOD_PRODUCTION, str(tmp_path))
    assert settings["PASSWORD_HASH_COST"] == "standard"
    check_production(settings)
    settings["PASSWORD_HASH_COST"] = "testing"
    with pytest.raises(ConfigError, match="PASSWORD_HASH_COST"):
        check_production(settings)

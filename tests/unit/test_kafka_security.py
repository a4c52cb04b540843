"""Kafka client security from settings: what cannot work is refused at start with
the setting to fix, and every client gets the same options."""

from __future__ import annotations

import ssl

import pytest

from services.eventlog.kafka_security import KafkaSecurity, KafkaSecurityError
from services.runtime.adapters import kafka_security
from services.runtime.settings import Settings


def test_plaintext_by_default_and_nothing_else_sent() -> None:
    assert KafkaSecurity().client_options() == {"security_protocol": "PLAINTEXT"}


def test_sasl_ssl_with_scram_gives_tls_and_credentials_to_every_client() -> None:
    settings = Settings(kafka_security_protocol="SASL_SSL",
                        kafka_sasl_mechanism="SCRAM-SHA-512", kafka_sasl_username="parlons",
                        kafka_sasl_password="s3cret")  # type: ignore[arg-type]
    options = kafka_security(settings).client_options()
    assert options["security_protocol"] == "SASL_SSL"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED
    assert (options["sasl_mechanism"], options["sasl_plain_username"],
            options["sasl_plain_password"]) == ("SCRAM-SHA-512", "parlons", "s3cret")
    assert "s3cret" not in repr(settings)  # a secret, never printed with the settings


@pytest.mark.parametrize(("given", "says"), [
    ({"protocol": "TLS"}, "PARLONS_KAFKA_SECURITY_PROTOCOL"),
    ({"protocol": "SASL_SSL", "sasl_mechanism": "GSSAPI", "username": "u", "password": "p"},
     "PARLONS_KAFKA_SASL_MECHANISM"),
    ({"protocol": "SASL_SSL", "sasl_mechanism": "SCRAM-SHA-256", "username": "u"},
     "PARLONS_KAFKA_SASL_PASSWORD"),
    ({"protocol": "SASL_PLAINTEXT", "sasl_mechanism": "PLAIN", "username": "u",
      "password": "p"}, "in clear"),
    ({"protocol": "SSL", "username": "u"}, "use SASL_SSL"),
    ({"protocol": "SSL", "certfile": "/etc/parlons/client.pem"}, "PARLONS_KAFKA_SSL_KEYFILE"),
], ids=["unknown protocol", "unknown mechanism", "no password", "plain in clear",
        "sasl without sasl protocol", "certificate without key"])
def test_settings_that_cannot_work_are_refused_with_what_to_fix(
        given: dict[str, str], says: str) -> None:
    with pytest.raises(KafkaSecurityError, match=says):
        KafkaSecurity(**given)

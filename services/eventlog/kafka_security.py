"""How Parlons' Kafka clients authenticate and encrypt: one value given to every
client it creates (aiokafka producers, consumers and readers; kafka-python's
admin client for provisioning and group resets), so none of them is left in
plain text by accident.

Protocols are Kafka's: PLAINTEXT (development, or a cluster network closed by
NetworkPolicies), SSL (TLS, optionally with a client certificate), SASL_SSL
(TLS + SASL: SCRAM-SHA-512 or SCRAM-SHA-256 for production, PLAIN refused over
an unencrypted link) and SASL_PLAINTEXT (SCRAM only, for a test cluster).
"""

from __future__ import annotations

import ssl
from dataclasses import dataclass
from typing import Any

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = ("SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN")


class KafkaSecurityError(ValueError):
    """A security setting that cannot work, said at start rather than at the first
    write."""


@dataclass(frozen=True, slots=True)
class KafkaSecurity:
    protocol: str = "PLAINTEXT"
    sasl_mechanism: str = ""
    username: str = ""
    password: str = ""
    cafile: str = ""  # the CA that signed the brokers' certificates (default: system CAs)
    certfile: str = ""  # client certificate (mutual TLS), with keyfile
    keyfile: str = ""

    def __post_init__(self) -> None:
        if self.protocol not in PROTOCOLS:
            raise KafkaSecurityError(
                f"PARLONS_KAFKA_SECURITY_PROTOCOL: {self.protocol!r} is not one of "
                f"{', '.join(PROTOCOLS)}")
        if self.sasl:
            if self.sasl_mechanism not in MECHANISMS:
                raise KafkaSecurityError(
                    f"PARLONS_KAFKA_SASL_MECHANISM: {self.sasl_mechanism!r} is not one of "
                    f"{', '.join(MECHANISMS)}")
            if not self.username or not self.password:
                raise KafkaSecurityError("SASL needs PARLONS_KAFKA_SASL_USERNAME and "
                                         "PARLONS_KAFKA_SASL_PASSWORD")
            if self.sasl_mechanism == "PLAIN" and not self.tls:
                raise KafkaSecurityError("SASL PLAIN would send the password in clear: "
                                         "use SASL_SSL, or a SCRAM mechanism")
        elif self.sasl_mechanism or self.username:
            raise KafkaSecurityError(f"SASL settings given, but the protocol is "
                                     f"{self.protocol}: use SASL_SSL")
        if bool(self.certfile) != bool(self.keyfile):
            raise KafkaSecurityError("a client certificate needs both "
                                     "PARLONS_KAFKA_SSL_CERTFILE and PARLONS_KAFKA_SSL_KEYFILE")

    @property
    def tls(self) -> bool:
        return self.protocol in ("SSL", "SASL_SSL")

    @property
    def sasl(self) -> bool:
        return self.protocol.startswith("SASL_")

    def ssl_context(self) -> ssl.SSLContext | None:
        if not self.tls:
            return None
        context = ssl.create_default_context(cafile=self.cafile or None)
        if self.certfile:
            context.load_cert_chain(self.certfile, self.keyfile)
        return context

    def client_options(self) -> dict[str, Any]:
        """Options for every client: aiokafka's producers and consumers and
        kafka-python's admin client take the same names."""
        options: dict[str, Any] = {"security_protocol": self.protocol}
        if self.tls:
            options["ssl_context"] = self.ssl_context()
        if self.sasl:
            options.update(sasl_mechanism=self.sasl_mechanism,
                           sasl_plain_username=self.username,
                           sasl_plain_password=self.password)
        return options

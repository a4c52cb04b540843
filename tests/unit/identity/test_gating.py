import pytest

from services.core.errors import DomainError
from services.core.participants import anonymous_allowed, check_participation


@pytest.mark.parametrize(("required", "level"), [
    ("anonymous", "anonymous"), ("anonymous", "verified"), ("email", "email"),
    ("email", "verified"), ("verified", "verified")])
def test_a_sufficient_level_may_participate(required: str, level: str) -> None:
    check_participation(required, level)


@pytest.mark.parametrize(("required", "level", "words"), [
    ("email", "anonymous", "adresse électronique"), ("verified", "email", "FranceConnect"),
    ("verified", "anonymous", "identité vérifiée"), ("nonsense", "email", "FranceConnect"),
    ("email", "forged-level", "adresse électronique")])
def test_an_insufficient_level_gets_a_french_refusal(required: str, level: str,
                                                     words: str) -> None:
    with pytest.raises(DomainError) as refused:
        check_participation(required, level)
    assert refused.value.code == "identity_level_too_low" and words in refused.value.message


def test_anonymous_allowed_only_where_the_consultation_says_so() -> None:
    assert anonymous_allowed("anonymous")
    assert not anonymous_allowed("email") and not anonymous_allowed("verified")

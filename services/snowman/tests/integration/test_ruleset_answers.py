"""Ask ranks the asker's ruleset first: a question both rulesets answer differently gets each ruleset's answer on
top, the other ruleset's answer stays findable, and a bad ruleset is refused naming the field."""
import grpc
import pytest
import sqlalchemy as sa

from ekinerja.snowman.v1 import snowman_pb2 as pb

pytestmark = pytest.mark.integration

QUESTION = "berapa nilai minimal untuk predikat baik"
PP46_ANSWER = "sebutan-nilai"                          # 76-90 = Baik
PERMEN_ANSWER = "pmk-predikat-baik-tanpa-nilai-angka"  # no number: the matrix


def ask(stub, tokens, question, ruleset="", limit=5):
    return stub.Ask(pb.AskRequest(pertanyaan=question, ruleset=ruleset, limit=limit), metadata=tokens["staf"],
                    timeout=10)


def test_each_ruleset_puts_its_own_answer_first(stub, tokens):
    under_pp46 = ask(stub, tokens, QUESTION, "pp46-2011")
    under_permen = ask(stub, tokens, QUESTION, "permenpanrb-6-2022")
    assert under_pp46.status == under_permen.status == "answered"
    assert under_pp46.ruleset == "pp46-2011" and under_permen.ruleset == "permenpanrb-6-2022"
    assert under_pp46.answers[0].id == PP46_ANSWER and under_pp46.answers[0].ruleset == "pp46-2011"
    assert under_permen.answers[0].id == PERMEN_ANSWER
    assert under_permen.answers[0].ruleset == "permenpanrb-6-2022"
    # the other ruleset's answer is lowered, not hidden
    assert PERMEN_ANSWER in [a.id for a in under_pp46.answers]
    assert PP46_ANSWER in [a.id for a in under_permen.answers]


def test_without_a_ruleset_the_setting_applies_the_rule_in_force(stub, tokens):
    response = ask(stub, tokens, QUESTION)
    assert response.ruleset == "permenpanrb-6-2022"
    assert response.answers[0].id == PERMEN_ANSWER


def test_a_question_naming_pp46_finds_pp46_under_the_rule_in_force(stub, tokens):
    response = ask(stub, tokens, "nilai minimal sebutan baik menurut pp 46 brp?", "permenpanrb-6-2022")
    assert response.answers[0].id == PP46_ANSWER


def test_an_unknown_ruleset_is_refused_naming_the_field_and_records_nothing(stub, tokens, snowman_engine):
    def questions():
        with snowman_engine.connect() as conn:
            return conn.execute(sa.text("SELECT count(*) FROM questions")).scalar()
    before = questions()
    with pytest.raises(grpc.RpcError) as err:
        ask(stub, tokens, QUESTION, "pp10-1979")
    assert err.value.code() == grpc.StatusCode.INVALID_ARGUMENT
    assert "ruleset" in err.value.details()
    assert questions() == before

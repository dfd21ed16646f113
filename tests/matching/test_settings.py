"""Match settings: the shipped file is the hub's own matching, a broken file is refused with its name and problem,
and a comparison on a payload field a user adds changes scores and is explained."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest

from matching.blocking import candidate_pairs
from matching.explain import explain_pair
from matching.features import ORGANIZATION, PERSON, build_features, extract_columns
from matching.model import MATCH, POSSIBLE, MatchModel, PartyModel, score_pairs
from matching.online import RecordIndex
from matching.pipeline import resolve_batch, standardise_columns
from matching.settings import (
    SHIPPED_SETTINGS,
    MatchSettings,
    SettingsError,
    load_match_settings,
    read_settings,
    shipped_settings,
)
from matching.standardise import standardise_record
from tests.matching.person_parameters import PERSON_M, PERSON_U

SHIPPED = json.loads(SHIPPED_SETTINGS.read_text())
EMPLOYER = {"name": "employer", "kind": "similar_text", "field": "employer", "scorer": "token_set_ratio",
            "thresholds": [85]}


def _changed(change: Callable[[dict[str, Any]], object]) -> dict[str, Any]:
    document = copy.deepcopy(SHIPPED)
    change(document)
    return document


def _with_employer(document: dict[str, Any]) -> None:
    document["extra_fields"] = [*document["extra_fields"], "employer"]
    document["comparisons"]["person"].append(EMPLOYER)
    document["blocking_rules"]["person"].append({"name": "birth_place_family", "on": ["birth_place", "family_name"],
                                                 "cap": 20})


def _write(tmp_path: Path, document: object) -> Path:
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(document))
    return path


def test_the_shipped_settings_are_the_hubs_own_matching() -> None:
    settings = load_match_settings(SHIPPED_SETTINGS)
    assert (settings.match_probability, settings.possible_probability) == (0.95, 0.5)
    persons = {c.name: c for c in settings.comparisons[PERSON]}
    assert list(persons) == ["name", "birth_date", "national_id", "mobile", "landline", "email", "address", "city",
                             "postal_code", "birth_place", "occupation"]
    national_id = persons["national_id"]
    assert {national_id.levels[level - 1] for level in national_id.vetoes} == {"one_edit_other_given_name",
                                                                               "conflicting_documents"}
    assert persons["city"].levels == ("same", "misspelt", "different")
    # What a household shares says where a client lives, not which member a record is.
    assert {c.name for c in persons.values() if c.shared_by_households} == {"landline", "email", "address", "city"}
    assert persons["name"].term_frequency == "name"
    companies = {c.name: c for c in settings.comparisons[ORGANIZATION]}
    assert {companies["ice"].levels[level - 1] for level in companies["ice"].vetoes} == {"other_establishment",
                                                                                        "different"}
    caps = {rule.name: rule.cap for rule in settings.blocking_rules}
    assert caps["national_id"] == 60 and caps["name_city"] == 20
    assert settings.extra_fields == ("birth_place", "occupation")
    # A household's postcode and its members' town of birth are one fact about it: their evidence counts once.
    assert [list(group) for group in settings.counted_once[PERSON]] == [
        [list(persons).index("postal_code"), list(persons).index("birth_place")]]
    assert ORGANIZATION not in settings.counted_once
    assert settings.sharing_caps["birth_date"] == 400
    assert settings.clusters_apart is not None
    assert (settings.clusters_apart.weight, settings.clusters_apart.share) == (-3, 0.25)


BAD_DOCUMENTS: list[tuple[Callable[[dict[str, Any]], object], str]] = [
    (lambda d: d["comparisons"]["person"][1].update(kind="birthday"), "unknown kind \"birthday\""),
    (lambda d: d["comparisons"].update(persons=d["comparisons"].pop("person")), "unknown party type 'persons'"),
    (lambda d: d["blocking_rules"].update(company=[]), "unknown party type 'company'"),
    (lambda d: d["comparisons"]["person"][2].update(vetoes=["conflicting"]),
     "vetoes 'conflicting', which is not one of its levels"),
    (lambda d: d["blocking_rules"]["person"].append({"name": "job", "on": ["employer"], "cap": 20}),
     "names \"employer\", which is not a feature"),
    (lambda d: d["comparisons"]["person"].append(EMPLOYER), "names \"employer\", which is not a text feature"),
    (lambda d: d["counted_once"]["person"][0].update(comparisons=["postal_code", "birthplace"]),
     "counted_once names 'birthplace', which is not a person comparison"),
    (lambda d: d["counted_once"]["person"][0].update(comparisons=["postal_code"]), "needs two comparisons or more"),
    (lambda d: d["counted_once"]["person"].append({"comparisons": ["city", "birth_place"]}),
     "counted_once puts the person comparison 'birth_place' in two groups"),
    (lambda d: d["counted_once"]["person"][0].update(comparison=["city"]), "has an unknown key 'comparison'"),
    (lambda d: d["counted_once"].update(company=[]), "counted_once names an unknown party type 'company'"),
    (lambda d: d["thresholds"].update(possible=0.97), "possible threshold (0.97) is above the match threshold"),
    (lambda d: d["thresholds"].update(match=1), "match threshold must be a probability between 0 and 1"),
    (lambda d: d["thresholds"].update(possible=0), "possible threshold must be a probability between 0 and 1"),
    (lambda d: d["comparisons"]["person"].append({"name": "email", "kind": "exact", "field": "email"}),
     "person comparison name 'email' is used twice"),
    (lambda d: d["blocking_rules"]["organization"].append({"name": "email", "on": ["email"], "cap": 60}),
     "blocking rule name 'email' is used twice"),
    (lambda d: d["comparisons"]["person"][7].update(levels=["same", "different"]), "names 2 levels"),
    (lambda d: d["comparisons"]["person"][0].update(levels=["a", "b"]), "cannot be renamed"),
    (lambda d: d["comparisons"]["person"][6].update(thresholds=[65, 85]), "highest first"),
    (lambda d: d["comparisons"]["person"][6].update(scorer="cosine"), "unknown scorer \"cosine\""),
    (lambda d: d["comparisons"]["person"][6].pop("field"), "needs 'field'"),
    (lambda d: d["comparisons"]["person"][3].update(feild="mobile_1"), "unknown key 'feild'"),
    (lambda d: d["blocking_rules"]["person"][0].update(cap=1), "cap must be a whole number of records of at least 2"),
    (lambda d: d.update(extra_fields=["city"]), "extra field 'city' is already a standard feature"),
    (lambda d: d.pop("thresholds"), "'thresholds' is missing"),
    (lambda d: d["placeholder_sharing_caps"].update(passport=3), "names \"passport\", which is not a feature"),
    (lambda d: d["comparisons"]["person"][4].update(shared_by_households="yes"),
     "shared_by_households is true or false"),
    (lambda d: d["clusters_apart"].update(weight=2), "clusters_apart weight must be a negative number"),
    (lambda d: d["clusters_apart"].update(share=0), "clusters_apart share must be above 0 and at most 1"),
    (lambda d: d["clusters_apart"].update(share="half"), "clusters_apart share must be above 0 and at most 1"),
    (lambda d: d["clusters_apart"].update(weigth=-3), "clusters_apart has an unknown key 'weigth'"),
    (lambda d: d.update(clusters_apart=[-3, 0.25]), "clusters_apart must be an object with a weight and a share"),
    (lambda d: d["comparisons"]["person"][3].update(shown=["mobile_3"]), "names \"mobile_3\", which is not a feature"),
]


@pytest.mark.parametrize(("change", "problem"), BAD_DOCUMENTS)
def test_settings_that_name_what_does_not_exist_are_refused(
        tmp_path: Path, change: Callable[[dict[str, Any]], object], problem: str) -> None:
    path = _write(tmp_path, _changed(change))
    with pytest.raises(SettingsError) as refused:
        load_match_settings(path)
    assert str(path) in str(refused.value) and problem in str(refused.value)


@pytest.mark.parametrize(("content", "problem"), [
    (b'{"thresholds": {"match": 0.95, "possible": 0.5}', "not valid JSON"),
    (b'{"thresholds": {"match": 0.95, "match": 0.9}}', "'match' appears more than once"),
    (b'{"thresholds": {"match": NaN}}', "NaN is not a JSON number"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[]", "must be a JSON object of settings"),
])
def test_a_file_that_is_not_strict_json_is_refused(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "settings.json"
    path.write_bytes(content)
    with pytest.raises(SettingsError) as refused:
        load_match_settings(path)
    assert str(path) in str(refused.value) and problem in str(refused.value)


def test_an_unreadable_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(SettingsError, match="cannot be read"):
        load_match_settings(tmp_path / "absent.json")


def test_extra_fields_are_kept_folded_only_when_the_settings_ask_for_them() -> None:
    raw = {"party_type": "person", "last_name": "Roux", "occupation": "  médecin   généraliste ", "birth_place": 75}
    assert standardise_record(raw).extra == ()
    kept = standardise_record(raw, extra_fields=("occupation", "birth_place", "nickname")).extra
    assert kept == (("occupation", "MEDECIN GENERALISTE"), ("birth_place", "75"))


def test_a_blocking_rule_on_an_extra_field_pairs_records_that_share_it(tmp_path: Path) -> None:
    # A register known by name and birth place only: two records of one person, a namesake born elsewhere.
    settings = load_match_settings(_write(tmp_path, _changed(_with_employer)))
    records = [{"party_type": "person", "first_name": first, "last_name": "Moreau", "birth_place": place}
               for first, place in (("Louis", "Nantes"), ("Lucien", "nantes"), ("Louis", "Lille"))]
    columns = standardise_columns(records, extra_fields=settings.extra_fields)
    features = build_features(columns, overused=frozenset())
    rule = tuple(rule for rule in settings.blocking_rules if rule.name == "birth_place_family")
    assert candidate_pairs(features, rule).tolist() == [[0, 1]]


def _model(settings: MatchSettings) -> MatchModel:
    # Parameters by hand, so that only the settings differ: the employer comparison where the settings have it.
    names = tuple(c.name for c in settings.comparisons[PERSON])
    employer = len(names) > len(PERSON_M)
    m = (*PERSON_M, (0, .8, .1, .1)) if employer else PERSON_M
    u = (*PERSON_U, (0, .02, .03, .95)) if employer else PERSON_U
    # A prior such that name, birth date and city agreeing leave a pair possible, no more.
    return MatchModel("fs-hand", {PERSON: PartyModel(PERSON, names, m, u, 4e-8, 1_000, {"name": {}}, 1)}, settings)


def test_a_comparison_on_an_extra_field_changes_scores_and_is_explained(tmp_path: Path) -> None:
    shipped = load_match_settings(SHIPPED_SETTINGS)
    settings = load_match_settings(_write(tmp_path, _changed(_with_employer)))
    # A form that asks for the employer: a name and a birth date, and where the person works.
    person = {"party_type": "person", "first_name": "Pierre", "last_name": "Lefebvre", "birth_date": "1952-04-02",
              "city": "Lille"}
    records = [person, {**person, "employer": "Boulangerie Paul"}, {**person, "employer": "boulangerie  Paul"},
               {**person, "employer": "Etude notariale Roux"}]
    extra = settings.extra_fields
    features = build_features(extract_columns([standardise_record(r, extra_fields=extra) for r in records], extra),
                              overused=frozenset())
    pairs = np.array([[1, 2], [1, 3], [0, 1]], dtype=np.int64)
    before = score_pairs(_model(shipped), features, pairs)
    after = score_pairs(_model(settings), features, pairs)
    # The same employer twice is now a match; two employers push apart; a missing employer says nothing.
    assert list(before.bands) == [POSSIBLE, POSSIBLE, POSSIBLE]
    assert list(after.bands) == [MATCH, "non_match", POSSIBLE]
    assert after.weights[0] > before.weights[0] and after.weights[1] < before.weights[1]
    assert after.weights[2] == pytest.approx(before.weights[2])
    explanation = explain_pair(_model(settings), features, 1, 3)
    employer = next(item for item in explanation.evidence if item.comparison == "employer")
    assert (employer.level, employer.left, employer.right) == ("different", ("BOULANGERIE PAUL",),
                                                               ("ETUDE NOTARIALE ROUX",))
    assert EMPLOYER in explanation.settings["comparisons"]["person"]


def test_a_model_keeps_its_settings_and_its_version_tells_them_apart(tmp_path: Path) -> None:
    shipped = load_match_settings(SHIPPED_SETTINGS)
    settings = load_match_settings(_write(tmp_path, _changed(_with_employer)))
    stored = MatchModel.from_json(_model(settings).to_json())
    assert stored.settings == settings and stored.trained_with(settings) and not stored.trained_with(shipped)
    records = [{"party_type": "person", "first_name": "Anne", "last_name": f"Martin{i % 7}", "birth_date":
                f"19{50 + i % 9}-0{1 + i % 9}-1{i % 10}", "employer": ("Etude Roux", "Boulangerie Paul")[i % 2],
                "birth_place": ("Nantes", "Lille", "Brest")[i % 3]} for i in range(60)]
    with_employer = resolve_batch(records, settings=settings).model
    assert with_employer.parties[PERSON].comparisons[-1] == "employer"
    assert with_employer.version != resolve_batch(records).model.version
    with pytest.raises(ValueError, match="other match settings"):
        resolve_batch(records, with_employer, settings=shipped)


def test_a_stored_model_whose_comparison_has_gained_a_level_is_refused() -> None:
    # A model stored before a kind of comparison gained a level cannot score with it: it is trained again.
    stored = orjson.loads(_model(shipped_settings()).to_json())
    stored["parties"][str(PERSON)]["m"][0] = stored["parties"][str(PERSON)]["m"][0][:-1]
    with pytest.raises(ValueError, match="other levels than its comparisons have now"):
        MatchModel.from_json(orjson.dumps(stored))


def test_the_online_index_reads_the_extra_fields_of_its_model(tmp_path: Path) -> None:
    settings = load_match_settings(_write(tmp_path, _changed(_with_employer)))
    person = {"party_type": "person", "first_name": "Pierre", "last_name": "Lefebvre", "birth_date": "1952-04-02",
              "employer": "Boulangerie Paul", "birth_place": "Lille"}
    index = RecordIndex(_model(settings))
    index.add(standardise_columns([person], extra_fields=settings.extra_fields))
    scored = index.score({**person, "birth_date": None, "first_name": "Pierrot"})
    assert scored.candidates == [0]  # found by birth place and family name alone
    assert scored.features.value("employer", 1) == "BOULANGERIE PAUL"


def _person_address(change: Callable[[dict[str, Any]], object]) -> Callable[[dict[str, Any]], object]:
    return lambda d: change(next(c for c in d["comparisons"]["person"] if c["name"] == "address"))


@pytest.mark.parametrize(("change", "threshold"), [
    (lambda d: None, 65),
    (_person_address(lambda c: c.update(thresholds=[95, 90])), 90),
    (_person_address(lambda c: c.update(levels=["same", "close", "alike", "different"])), None),
    (lambda d: d["comparisons"]["person"].remove(next(c for c in d["comparisons"]["person"] if c["name"] == "address")),
     None),
])
def test_the_similarity_a_text_level_starts_from_is_read_from_the_settings(
        change: Callable[[dict[str, Any]], object], threshold: float | None) -> None:
    assert read_settings(_changed(change)).similarity_threshold("person", "address", "similar") == threshold


def test_a_level_without_a_threshold_has_no_similarity() -> None:
    # The name comparison has a "similar" level of its own, decided by its kind, not by a threshold.
    assert read_settings(SHIPPED).similarity_threshold("person", "name", "similar") is None


def test_a_stored_document_is_checked_like_a_file() -> None:
    with pytest.raises(ValueError, match="unknown kind"):
        read_settings(_changed(lambda d: d["comparisons"]["person"][0].update(kind="soundex")))


# A trade written with its feminine ending is the same trade, whichever way closeness is scored; another is not.
@pytest.mark.parametrize("scorer", ["jaro_winkler", "ratio", "token_set_ratio", "token_sort_ratio"])
def test_each_scorer_a_settings_file_names_measures_closeness(tmp_path: Path, scorer: str) -> None:
    comparison = {"name": "trade", "kind": "similar_text", "field": "trade", "scorer": scorer, "thresholds": [88]}

    def change(document: dict[str, Any]) -> None:
        document["extra_fields"] = [*document["extra_fields"], "trade"]
        document["comparisons"]["person"].append(comparison)

    settings = load_match_settings(_write(tmp_path, _changed(change)))
    trade = settings.comparisons[PERSON][-1]
    records = [standardise_record({"party_type": "person", "trade": text}, extra_fields=settings.extra_fields)
               for text in ("Boulanger", "Boulangère", "Notaire")]
    features = build_features(extract_columns(records, settings.extra_fields), overused=frozenset())
    levels = trade.compute(features, np.array([0, 0]), np.array([1, 2]))
    assert [trade.levels[value - 1] for value in levels] == ["close", "different"]

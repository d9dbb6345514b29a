"""The learned answer models: what they are made of, that the committed ones
fit the features the code computes, and that training and leave-one-out
scoring run over real datasets and a real index."""
from __future__ import annotations

import json

import numpy as np
import pytest

from qa.answerability import MODELS_PATH, QUESTION_FEATURES, SENTENCE_FEATURES, AnswerModels, fit_linear


def test_a_fitted_model_separates_what_it_was_shown_and_round_trips(tmp_path):
    rng = np.random.default_rng(0)
    rows = rng.normal(size=(200, 2))
    labels = rows[:, 0] + 0.2 * rng.normal(size=200) > 0
    model = fit_linear(rows, labels, ("a", "b"))
    assert model.coef[0] > 1 and abs(model.coef[1]) < model.coef[0] / 3
    assert model.probabilities(np.array([[2.0, 0.0]]))[0] > 0.9 > 0.1 > model.probabilities(np.array([[-2.0, 0.0]]))[0]
    models = AnswerModels(model, model, 0.4, 6, ("x",))
    models.save(tmp_path / "m.json")
    loaded = AnswerModels.load(tmp_path / "m.json")
    assert loaded == models
    assert AnswerModels.load(tmp_path / "missing.json") is None


def test_the_committed_models_match_the_features_and_their_report():
    models = AnswerModels.load(MODELS_PATH)
    assert models is not None, "run `policyqa train` to build qa/data/answer_models.json"
    assert models.accept.features == QUESTION_FEATURES and models.select.features == SENTENCE_FEATURES
    assert 0 < models.accept.threshold < 1 and 0 < models.relative_cutoff <= 1 and models.max_sentences >= 1
    report = MODELS_PATH.with_name(MODELS_PATH.stem + "_report.md").read_text(encoding="utf-8")
    for dataset in models.trained_on:
        assert f"| {dataset} |" in report  # each dataset scored when left out


def test_evidence_checks_weigh_against_but_do_not_replace_the_model(assistant):
    (analysis,) = assistant.analyse_batch(["个人买电动车能拿多少购车补贴？"])
    features = dict(zip(QUESTION_FEATURES, analysis.question_row))
    assert features["asks_kind"] == 1.0 and features["kind_missing"] == 1.0
    assert not assistant.composer.accepts(analysis)
    (analysis,) = assistant.analyse_batch(["2022年新能源汽车产量要达到多少？"])
    assert assistant.composer.accepts(analysis)


def test_training_and_leave_one_out_on_real_datasets(assistant, tmp_path):
    from eval.train import collect_samples, leave_one_out, loo_table, train_models

    items = [json.loads(line) for line in open("eval/data/dev_qa.jsonl", encoding="utf-8")]
    datasets = {"first": items[:25], "second": items[25:]}
    samples = collect_samples(assistant, datasets)
    assert sum(s.answerable for s in samples) < len(samples)  # both labels present
    assert any(s.sentence_labels.any() for s in samples if s.answerable)
    models = train_models(assistant, samples)
    assert models.trained_on == ("first", "second") and models.accept.features == QUESTION_FEATURES
    table = loo_table(leave_one_out(assistant, datasets, samples))
    rows = [line for line in table.splitlines() if line.startswith("| first") or line.startswith("| second")]
    assert len(rows) >= 1
    assistant_models = assistant.composer.models
    assert assistant_models is None or assistant_models.accept.features == QUESTION_FEATURES  # restored


@pytest.mark.parametrize("question", ["", "   "])
def test_empty_questions_are_refused_before_any_model(assistant, question):
    from indexer.errors import InvalidQuestionError

    with pytest.raises(InvalidQuestionError):
        assistant.analyse_batch([question])

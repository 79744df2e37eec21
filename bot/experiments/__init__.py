"""Experiments (A/B tests) of canned answers and LLM prompts: who sees which variant
(assignment), what they did afterwards (results) and whether it differs (statistics)."""

from bot.experiments.assignment import CONTROL, Experiment, ExperimentError, Variant
from bot.experiments.results import ExperimentResult, VariantResult, report
from bot.experiments.statistics import Test, Verdict

__all__ = ["CONTROL", "Experiment", "ExperimentError", "ExperimentResult", "Test", "Variant",
           "VariantResult", "Verdict", "report"]  # fmt: skip

"""The story model: two logistic regressions over pair features, fitted by bench/train_stories.py."""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources

from plugins.similarity import FEATURES


@dataclass(frozen=True)
class Probabilities:
    """How likely a known article is another story, the same one written independently, or the source."""

    none: float
    related: float
    rewrite: float
    cut: float = 0.5  # P(derived | same story) above which the new text is taken as derived

    @property
    def derives(self) -> bool:
        """Whether the new text derives from the known one, if it is the same story."""
        return self.derived > self.cut

    @property
    def same(self) -> float:
        """Probability of the same story, derived or not."""
        return self.related + self.rewrite

    @property
    def derived(self) -> float:
        """Probability that the new text derives from the known one, if it is the same story."""
        return self.rewrite / self.same if self.same else 0.0


@dataclass(frozen=True)
class Head:
    """One logistic regression: which features, their standardisation, the coefficients."""

    columns: tuple[int, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]  # one for each column, then the intercept

    def __call__(self, features: Sequence[float]) -> float:
        """The probability for these features (all of FEATURES, in order)."""
        z = self.coef[-1]
        for column, mean, scale, coef in zip(self.columns, self.mean, self.scale, self.coef, strict=False):
            z += (features[column] - mean) / scale * coef
        return 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, z))))


@dataclass(frozen=True)
class StoryModel:
    """P(same story) from every feature; P(derived | same story) from the reuse features only."""

    same: Head
    derived: Head
    cut: float = 0.5  # fitted with the model: see Probabilities.cut

    @classmethod
    def load(cls, text: str) -> StoryModel:
        """The model from its JSON; the features must be those this code computes, in order."""
        data = json.loads(text)
        if list(data["features"]) != list(FEATURES):
            raise ValueError("story_weights.json was fitted on other features: run bench/train_stories.py")

        def head(part: dict[str, list[float]], names: list[str]) -> Head:
            columns = tuple(FEATURES.index(n) for n in names)
            mean, scale, coef = (tuple(float(v) for v in part[k]) for k in ("mean", "scale", "coef"))
            if not len(mean) == len(scale) == len(columns) == len(coef) - 1:
                raise ValueError(
                    "story_weights.json does not fit its own features: run bench/train_stories.py"
                )
            return Head(columns, mean, scale, coef)

        same = data["same"].get("features", data["features"])
        derived = data["derived"]
        return cls(
            head(data["same"], same), head(derived, derived["features"]), float(derived.get("cut", 0.5))
        )

    def predict(self, features: list[float]) -> Probabilities:
        """The class probabilities of one pair."""
        same, derived = self.same(features), self.derived(features)
        return Probabilities(1.0 - same, same * (1.0 - derived), same * derived, self.cut)


@cache
def shipped() -> StoryModel:
    """The model shipped with the code (read-only, the same for every bot), read when first needed."""
    return StoryModel.load(
        resources.files("plugins").joinpath("story_weights.json").read_text(encoding="utf-8")
    )


def predict(features: list[float], model: StoryModel | None = None) -> Probabilities:
    """The class probabilities of one pair."""
    return (model or shipped()).predict(features)

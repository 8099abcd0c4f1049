"""The algos a parent can be worked by, by name."""

from __future__ import annotations

from engine.algos.base import Algo
from engine.algos.twap import TwapAlgo

ALGOS: dict[str, type[Algo]] = {TwapAlgo.name: TwapAlgo}

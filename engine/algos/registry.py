"""The algos a parent can be worked by, by name (upper case: tickets are matched in upper case)."""

from __future__ import annotations

from engine.algos.base import Algo
from engine.algos.is_ import IsAlgo
from engine.algos.pov import PovAlgo
from engine.algos.twap import TwapAlgo
from engine.algos.vwap import VwapAlgo

ALGOS: dict[str, type[Algo]] = {algo.name: algo for algo in (TwapAlgo, VwapAlgo, PovAlgo, IsAlgo)}

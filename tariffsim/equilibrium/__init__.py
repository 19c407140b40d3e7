"""Equilibrium solvers for normal-form games."""

from .lemke_howson import LemkeHowsonAllResult, LemkeHowsonResult, lemke_howson, lemke_howson_all
from .normal_form import NormalFormGame
from .pure import pure_nash
from .support import MixedResult, support_enumeration

__all__ = [
    "LemkeHowsonAllResult",
    "LemkeHowsonResult",
    "MixedResult",
    "NormalFormGame",
    "lemke_howson",
    "lemke_howson_all",
    "pure_nash",
    "support_enumeration",
]

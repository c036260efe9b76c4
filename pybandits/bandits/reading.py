"""Reading a bandit while another thread may update it: :func:`reads_one_state`."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar

__all__ = ["reads_one_state"]

_Method = TypeVar("_Method", bound=Callable[..., Any])


def reads_one_state(method: _Method) -> _Method:
    """Run a bandit's reading method (``predict``, ``action_probabilities``) on the state it is called in.

    The method runs on :meth:`BaseMab._view`, taken once when it is called: an update that another
    thread completes meanwhile installs new fields in the bandit, not in the view, so the method
    reads every field from one state (the random generator is the bandit's own, shared).

    A call that fails (a refused argument, a price function that raises or gives a bad price, an
    interruption) puts the random generator back in the state it was in when the call began: a
    refused call changes nothing. Arguments are checked before anything is drawn where they can
    be; what can only fail after the draws (the user's price functions) is undone this way. With
    several threads drawing from one bandit at once, the draws other threads made during a call
    that fails are drawn again by later calls.
    """

    @functools.wraps(method)
    def reading(self: Any, *args: Any, **kwargs: Any) -> Any:
        generator = self.__pydantic_private__["_rng"]  # the generator, read directly (a hot path)
        state = generator.bit_generator.state
        try:
            return method(self._view(), *args, **kwargs)
        except BaseException:
            generator.bit_generator.state = state
            raise

    return reading  # type: ignore[return-value]

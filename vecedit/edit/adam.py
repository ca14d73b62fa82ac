"""The editor's optimiser: :class:`torch.optim.Adam` without its first-call import of ``torch._dynamo``.

torch wraps the optimiser's methods (``torch._disable_dynamo``, ``_use_grad_for_differentiable``)
so that ``torch.compile`` does not trace into them; each wrapper imports ``torch._dynamo`` on its
first call whether or not anything is compiled: 2.5 CPU seconds of a command that otherwise
starts its first iteration in under 3. The editor never compiles its optimiser, so
:class:`Adam` calls the functions those wrappers wrap: torch's own code, the same arithmetic and
the same ``state_dict`` (checkpoints of either class load in the other).
"""

from __future__ import annotations

import inspect

import torch

_STEP = inspect.unwrap(torch.optim.Adam.step)


class Adam(torch.optim.Adam):
    """:class:`torch.optim.Adam`, its methods called without torch's compiler wrappers."""

    add_param_group = inspect.unwrap(torch.optim.Adam.add_param_group)
    zero_grad = inspect.unwrap(torch.optim.Adam.zero_grad)
    state_dict = inspect.unwrap(torch.optim.Adam.state_dict)
    load_state_dict = inspect.unwrap(torch.optim.Adam.load_state_dict)

    def step(self, closure=None):
        with torch.set_grad_enabled(self.defaults["differentiable"]):  # what the step's wrapper sets
            return _STEP(self, closure)

__all__ = ["Adam"]

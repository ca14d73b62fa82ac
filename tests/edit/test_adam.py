"""The editor's Adam (vecedit/edit/adam.py) is torch.optim.Adam, step for step, without torch._dynamo."""

import subprocess
import sys

import torch

from vecedit.edit.adam import Adam


def _run(optimizer_class, steps=6):
    generator = torch.Generator().manual_seed(0)
    points = torch.randn(5, 2, generator=generator, requires_grad=True)
    colors = torch.rand(3, 4, generator=generator, requires_grad=True)
    optimizer = optimizer_class([{"params": [points], "lr": 0.3, "name": "points"},
                                 {"params": [colors], "lr": 0.01, "name": "colors"}])
    for k in range(steps):
        optimizer.zero_grad(set_to_none=True)
        loss = (points.sin() * 3).pow(2).sum() + (colors if k % 3 else colors.detach()).pow(3).sum()
        loss.backward()  # every third step: no gradient for colors
        optimizer.step()
        if k == 3:
            optimizer.param_groups[0]["lr"] /= 2  # as the editor lowers a rate after a bad step
    return points, colors, optimizer


def test_same_parameters_and_state_as_torch_adam():
    ours, theirs = _run(Adam), _run(torch.optim.Adam)
    assert torch.equal(ours[0], theirs[0]) and torch.equal(ours[1], theirs[1])
    assert not torch.equal(ours[0], _run(Adam, steps=5)[0])  # the steps do move the parameters
    state, reference = ours[2].state_dict(), theirs[2].state_dict()
    assert state["param_groups"] == reference["param_groups"]
    for key, values in reference["state"].items():
        assert all(torch.equal(state["state"][key][name], value) for name, value in values.items())


def test_checkpoints_load_across_the_two_classes():
    _, _, trained = _run(torch.optim.Adam)
    points, colors, ours = _run(Adam, steps=0)
    ours.load_state_dict(trained.state_dict())
    assert ours.param_groups[0]["lr"] == 0.15 and int(ours.state[points]["step"]) == 6


PROBE = """
import sys
import torch
from vecedit.edit.adam import Adam
weights = torch.ones(4, requires_grad=True)
optimizer = Adam([weights], lr=0.1)
optimizer.zero_grad()
(weights ** 2).sum().backward()
optimizer.step()
optimizer.load_state_dict(optimizer.state_dict())
print("torch._dynamo" in sys.modules, bool((weights < 1).all()))
"""


def test_its_first_steps_do_not_import_torch_dynamo():
    done = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["False", "True"]

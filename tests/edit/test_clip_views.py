"""The view geometry of the ROI CLIP loss: crops, patches, white fill, gradients, seeds."""

import torch

from vecedit.losses.clip_loss import (
    Augmentation, ClipLoss, crop_square, draw_views, identity_view, sample_views, square_region,
    templates_named,
)


def _image(size, seed=0):
    return torch.rand(3, size, size, generator=torch.Generator().manual_seed(seed))


def test_identity_view_reproduces_the_base():
    base = _image(16)
    view = sample_views(base, identity_view(16, 16), 16)
    torch.testing.assert_close(view[0], base, atol=1e-5, rtol=0)


def test_square_crop_is_centred_and_padded_white():
    image = torch.zeros(3, 10, 20)
    assert square_region((0, 2, 20, 8)) == (0, -5, 20)
    crop = crop_square(image, square_region((0, 2, 20, 8)))
    assert crop.shape == (3, 20, 20)
    assert (crop[:, :5] == 1).all() and (crop[:, 5:15] == 0).all() and (crop[:, 15:] == 1).all()


def test_patches_are_padded_with_white_and_cover_the_patch():
    aug = Augmentation(n_patches=3, patch_size=0.5, padding=0.25, distortion=0.0)
    base = torch.zeros(3, 32, 32)
    views = sample_views(base, draw_views(aug, 24, 32, torch.Generator().manual_seed(0)), 24)
    assert views.shape == (4, 3, 24, 24)
    patches = views[1:]
    # padding: 0.25 of the patch side on each edge = 1/6 of the view = 4 px
    assert (patches[:, :, :3] == 1).all() and (patches[:, :, :, -3:] == 1).all()
    assert patches[:, :, 5:-5, 5:-5].abs().max() < 1e-6
    assert views[0].abs().max() < 1e-6  # the ROI view: a 98 % crop, all inside, no white bleed


def test_perspective_fills_with_white_and_draws_are_seeded():
    aug = Augmentation(n_patches=8, padding=0.0, distortion=0.6)
    base = torch.zeros(3, 32, 32)
    a = sample_views(base, draw_views(aug, 32, 32, torch.Generator().manual_seed(1)), 32)
    b = sample_views(base, draw_views(aug, 32, 32, torch.Generator().manual_seed(1)), 32)
    c = sample_views(base, draw_views(aug, 32, 32, torch.Generator().manual_seed(2)), 32)
    assert torch.equal(a, b) and not torch.equal(a, c)
    corners = a[1:, :, [0, 0, -1, -1], [0, -1, 0, -1]]
    assert (corners > 0.5).float().mean() > 0.5  # distorted patches leave white corners


def test_views_are_differentiable():
    aug = Augmentation(n_patches=2, distortion=0.3)
    views = draw_views(aug, 5, 6, torch.Generator().manual_seed(0))
    base = torch.rand(3, 6, 6, dtype=torch.float64, requires_grad=True)
    assert torch.autograd.gradcheck(lambda x: sample_views(x, views, 5), (base,))


def test_text_directions_average_the_templates(encoder):
    assert len(templates_named("imagenet")) == 80 and templates_named("none") == ["{}"]
    loss = ClipLoss(encoder, [], templates="imagenet")
    red = loss.text_features("red")
    torch.testing.assert_close(red, torch.tensor([1.0, 0.0, 0.0]))
    assert loss.text_features("red") is red  # encoded once

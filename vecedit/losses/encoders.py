"""Image/text encoders behind one small protocol, and the open_clip implementation.

The losses only need an object with

* ``image_size`` (int): the square side the image tower takes,
* ``mean`` / ``std`` (3 floats each): the normalisation the model was trained with,
* ``encode_image(batch)``: ``(B, 3, S, S)`` *normalised* float tensor → ``(B, D)`` features,
  differentiable with respect to ``batch``,
* ``encode_text(texts)``: ``list[str]`` → ``(T, D)`` features (no gradient needed),

so CLIP is one implementation (:class:`OpenClipEncoder`) and tests plug in encoders of
known meaning. Features come back as float32 whatever precision the model runs in
(``precision``: ``auto`` is float16 on CUDA; on a CPU, bfloat16 autocast where the CPU
has native bfloat16 arithmetic, else float32 — see :func:`resolve_precision`).

The image tower is run in a faster memory layout than open_clip builds it, with the same
arithmetic (:func:`fast_layout`): self-attention projects batch-first tensors (torch's
batch-first ``MultiheadAttention`` transposes them, and a transposed input that needs a
gradient makes ``matmul`` fall back to one small matrix product per token), and the
patch-embedding convolution, whose stride equals its kernel, is one matrix product.

:func:`load_clip` builds the open_clip model once per (architecture, weights, device) and
keeps it for the process, so every ROI of a run and every later run share one copy. It
refuses, in one line that says how to provide weights, when none can be had::

    load_clip("ViT-B-32", pretrained="openai")          # cache, or download where there is network
    load_clip("ViT-B-32", checkpoint="vitb32.pt")       # a state_dict saved from that architecture
    load_clip("tiny.json", checkpoint="tiny.pt")        # an architecture given as an open_clip JSON config
"""

from __future__ import annotations

import contextlib
import copy
import functools
import json
import logging
import os
import socket
import sys
from pathlib import Path
from typing import Callable, Optional, Protocol, Sequence, Union, runtime_checkable
from urllib.parse import urlparse

import torch
import torch.nn.functional as F

from vecedit import allocator
from vecedit.errors import InputError, OptionError
from vecedit.losses.openclip_import import import_open_clip

DEFAULT_MODEL = "ViT-B-32"
DEFAULT_PRETRAINED = "openai"
_LOADED: dict[tuple, "OpenClipEncoder"] = {}


@runtime_checkable
class Encoder(Protocol):
    """What the CLIP losses need from an image/text model."""

    image_size: int
    mean: Sequence[float]
    std: Sequence[float]

    def encode_image(self, batch: torch.Tensor) -> torch.Tensor:  # (B, 3, S, S) → (B, D)
        ...

    def encode_text(self, texts: list[str]) -> torch.Tensor:  # T strings → (T, D)
        ...


class OpenClipEncoder:
    """An open_clip model (frozen, eval mode) seen through the :class:`Encoder` protocol."""

    def __init__(self, model: torch.nn.Module, tokenizer, mean: Sequence[float], std: Sequence[float],
                 image_size: int, description: str, precision: str = "auto"):
        fast_layout(getattr(model, "visual", model))
        self.model = model
        self.tokenizer = tokenizer
        self.mean = tuple(float(v) for v in mean)
        self.std = tuple(float(v) for v in std)
        self.image_size = int(image_size)
        self.description = description
        self.device, self.dtype = next(model.parameters()).device, input_dtype(getattr(model, "visual", model))
        self._cut_matches: Optional[bool] = None  # see encode_text
        self._sized_for = 0  # the largest batch of views whose blocks the allocator reuses (encode_image)
        self.cache_identity: Optional[str] = None  # names model + weights for the text-feature cache
        self.precision = resolve_precision(precision, self.device, self.dtype)

    def with_precision(self, precision: str) -> "OpenClipEncoder":
        """This encoder (the same model, shared) run at ``precision`` (fp32, bf16 or auto)."""
        chosen = resolve_precision(precision, self.device, self.dtype)
        if chosen == self.precision:
            return self
        twin = copy.copy(self)
        twin.precision = chosen
        return twin

    def encode_image(self, batch: torch.Tensor) -> torch.Tensor:
        autocast = self.precision == "bf16" and self.dtype == torch.float32
        with torch.autocast(self.device.type, dtype=torch.bfloat16, enabled=autocast):
            if self._sizes_blocks(batch):
                with _largest_output(getattr(self.model, "visual", self.model)) as largest:
                    features = self.model.encode_image(batch.to(self.device, self.dtype)).float()
                # the backward pass allocates gradients the size of the activations it reads
                allocator.reuse_blocks_up_to(2 * largest[0])
                return features
            return self.model.encode_image(batch.to(self.device, self.dtype)).float()

    def _sizes_blocks(self, batch: torch.Tensor) -> bool:
        """Whether this call measures the blocks a step allocates: the largest batch of views so far, with
        gradients, on a CPU, in a process whose freed memory is reused (see :mod:`vecedit.allocator`)."""
        if batch.shape[0] <= self._sized_for or not torch.is_grad_enabled() or self.device.type != "cpu" \
                or not allocator.in_effect():
            return False
        self._sized_for = batch.shape[0]
        return True

    @torch.no_grad()
    def encode_text(self, texts: list[str]) -> torch.Tensor:
        """``(T, D)`` float32 text features.

        A CLIP text tower is causal and reads its features at the end-of-text token, so
        the padding after it (most of the 77 positions for short prompts) changes
        nothing: where the model has that form, only the positions up to the last
        end-of-text token are run (the 80 templates of a prompt several times faster on a
        CPU), after checking once that this gives what ``encode_text`` gives.
        """
        tokens = self.tokenizer(list(texts)).to(self.device)
        if self._cut_matches is False or not _cuttable(self.model):
            return self.model.encode_text(tokens).float()
        cut = _encode_cut(self.model, tokens[:, : int(tokens.argmax(-1).max()) + 1]).float()
        if self._cut_matches is None:
            full = self.model.encode_text(tokens[:1]).float()
            self._cut_matches = bool(torch.allclose(cut[:1], full, rtol=1e-3, atol=1e-3 * float(full.abs().max())))
            if not self._cut_matches:
                return self.model.encode_text(tokens).float()
        return cut

    def __repr__(self) -> str:
        return f"OpenClipEncoder({self.description}, {self.device}, {self.precision})"


PRECISIONS = ("auto", "fp32", "bf16")


def native_bf16_cpu() -> bool:
    """Whether this CPU does bfloat16 arithmetic in hardware (AVX512-BF16 or AMX).

    Without it torch emulates bfloat16 matrix products, measured 6.5× slower than float32
    on an AVX2-only EPYC (``benchmarks/edit_bench.py --compare fp32,bf16``).
    """
    probes = [getattr(torch._C._cpu, name, None) for name in ("_is_avx512_bf16_supported", "_is_amx_tile_supported")]
    if any(probe is not None and probe() for probe in probes):
        return True
    try:
        flags = Path("/proc/cpuinfo").read_text(errors="replace")
    except OSError:
        return False
    return any(flag in flags.split() for flag in ("avx512_bf16", "amx_bf16"))


def resolve_precision(precision: Optional[str], device, weights: torch.dtype = torch.float32) -> str:
    """``auto``/``fp32``/``bf16`` → what an image tower on ``device`` with ``weights`` runs in.

    A model loaded in half precision (CUDA) keeps its own: ``fp16`` or ``bf16``. A float32
    model runs as asked; ``auto`` is bf16 autocast on CUDA only where the model was loaded
    for it, and on a CPU only where the CPU has native bfloat16 (:func:`native_bf16_cpu`):
    elsewhere it would be slower, not faster.
    """
    precision = (precision or "auto").lower()
    if precision not in PRECISIONS:
        raise OptionError(f"--precision {precision!r}: choose one of {', '.join(PRECISIONS)}")
    if weights in (torch.float16, torch.bfloat16):
        return "fp16" if weights == torch.float16 else "bf16"
    if precision == "auto":
        return "bf16" if torch.device(device).type == "cpu" and native_bf16_cpu() else "fp32"
    return precision


def fast_layout(tower: torch.nn.Module) -> int:
    """Run ``tower``'s self-attention and patch embedding in a faster layout, and an open_clip ViT's
    last block at the class token only (same arithmetic for what is read).

    Each qualifying module (the tower itself, for the last block) becomes an instance of a subclass
    overriding ``forward`` only
    (weights, state_dict and ``isinstance`` are unchanged; :class:`as_built` undoes it).
    Returns how many modules changed.
    """
    changed = 0
    for module in tower.modules():
        if type(module) is torch.nn.MultiheadAttention and _plain_self_attention(module):
            module.__class__ = BatchFirstAttention
            changed += 1
        elif type(module) is torch.nn.Conv2d and _patchify(module):
            module.__class__ = PatchEmbedding
            changed += 1
    if _reads_class_token_only(tower):
        tower.__class__ = _class_token_tower(type(tower))
        changed += 1
    return changed


class as_built:
    """Context: ``tower`` runs with open_clip's own layout (for the before/after benchmark)."""

    def __init__(self, tower: torch.nn.Module):
        self.fast = [(m, type(m)) for m in tower.modules() if getattr(type(m), "fast_layout", False)]

    def __enter__(self):
        for module, fast in self.fast:
            module.__class__ = fast.__bases__[0]

    def __exit__(self, *exc):
        for module, fast in self.fast:
            module.__class__ = fast


def _plain_self_attention(m: torch.nn.MultiheadAttention) -> bool:
    return (m.batch_first and m._qkv_same_embed_dim and m.in_proj_weight is not None and m.bias_k is None
            and not m.add_zero_attn)


class BatchFirstAttention(torch.nn.MultiheadAttention):
    """Batch-first self-attention without weights: the packed projection on the contiguous
    ``(B, N, E)`` input, then scaled dot product attention; anything else as torch does it."""

    fast_layout = True

    def forward(self, query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
                average_attn_weights=True, is_causal=False):
        if key is not query or value is not query or need_weights or key_padding_mask is not None or is_causal \
                or query.dim() != 3:
            return super().forward(query, key, value, key_padding_mask, need_weights, attn_mask,
                                   average_attn_weights, is_causal)
        b, n, e = query.shape
        heads = self.num_heads
        qkv = F.linear(query, self.in_proj_weight, self.in_proj_bias).view(b, n, 3, heads, e // heads)
        q, k, v = qkv.permute(2, 0, 3, 1, 4).unbind(0)
        if attn_mask is not None and attn_mask.dtype == torch.bool:  # MultiheadAttention: True = not allowed
            attn_mask = torch.zeros_like(attn_mask, dtype=q.dtype).masked_fill_(attn_mask, float("-inf"))
        out = F.scaled_dot_product_attention(q, k, v, attn_mask=attn_mask,
                                             dropout_p=self.dropout if self.training else 0.0)
        out = F.linear(out.transpose(1, 2).reshape(b, n, e), self.out_proj.weight, self.out_proj.bias)
        return out, None


def _patchify(m: torch.nn.Conv2d) -> bool:
    return (m.kernel_size == m.stride and m.padding in ((0, 0), "valid") and m.dilation == (1, 1)
            and m.groups == 1 and m.padding_mode == "zeros")


class PatchEmbedding(torch.nn.Conv2d):
    """A convolution whose stride is its kernel, as one matrix product over the patches."""

    fast_layout = True

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if x.dim() != 4:
            return super().forward(x)
        b, c, height, width = x.shape
        kh, kw = self.kernel_size
        gh, gw = height // kh, width // kw
        patches = x[:, :, : gh * kh, : gw * kw].reshape(b, c, gh, kh, gw, kw).permute(0, 2, 4, 1, 3, 5)
        out = F.linear(patches.reshape(b * gh * gw, c * kh * kw), self.weight.reshape(self.out_channels, -1),
                       self.bias)
        return out.view(b, gh, gw, self.out_channels).permute(0, 3, 1, 2)


@contextlib.contextmanager
def _largest_output(model: torch.nn.Module):
    """Context: ``[bytes]``, the largest tensor any submodule of ``model`` returns inside it."""
    largest = [0]

    def record(module, inputs, output):
        first = output[0] if isinstance(output, (tuple, list)) and output else output
        if isinstance(first, torch.Tensor):
            largest[0] = max(largest[0], first.numel() * first.element_size())

    handles = [module.register_forward_hook(record) for module in model.modules()]
    try:
        yield largest
    finally:
        for handle in handles:
            handle.remove()


def _reads_class_token_only(tower: torch.nn.Module) -> bool:
    """Whether ``tower`` is an open_clip ViT whose output is read at the class token alone.

    open_clip's ViT pools with ``pool_type == "tok"`` (``x[:, 0]``, then ``ln_post`` and the
    projection): its last block's other outputs (49 at 224 px, ViT-B/32) are computed and
    dropped, and with them 10 of the block's 12 per-token matrix products (its queries,
    output projection and MLP): 7 % of the tower's arithmetic, forward and backward.
    """
    transformer = getattr(tower, "transformer", None)
    blocks = getattr(transformer, "resblocks", None)
    if not blocks or type(tower).__name__ != "VisionTransformer" or getattr(tower, "pool_type", None) != "tok" \
            or getattr(tower, "attn_pool", None) is not None or getattr(tower, "output_tokens", True) \
            or not getattr(transformer, "batch_first", False) \
            or not all(callable(getattr(tower, name, None)) for name in ("_embeds", "_pool")):
        return False
    last, attn = blocks[-1], getattr(blocks[-1], "attn", None)
    return (type(last).__name__ == "ResidualAttentionBlock" and not hasattr(last, "ln_1_kv")
            and isinstance(attn, torch.nn.MultiheadAttention) and _plain_self_attention(attn)
            and all(hasattr(last, name) for name in ("ln_1", "ls_1", "ln_2", "mlp", "ls_2")))


@functools.lru_cache(maxsize=None)
def _class_token_tower(base: type) -> type:
    """``base`` (open_clip's VisionTransformer) whose ``forward`` runs its last block at the class token
    only; ``forward_intermediates`` and everything else are the base's."""
    return type("ClassTokenTower", (base,), {"forward": _class_token_tower_forward, "fast_layout": True,
                                             "__doc__": _class_token_tower_forward.__doc__})


def _class_token_tower_forward(self, x: torch.Tensor) -> torch.Tensor:
    """The tower's pooled, projected features, its last block run for the class token alone."""
    if getattr(self.transformer, "grad_checkpointing", False) or self.training:
        return super(type(self), self).forward(x)
    x = self._embeds(x)
    blocks = self.transformer.resblocks
    for block in blocks[:-1]:
        x = block(x, attn_mask=None)
    pooled, _ = self._pool(_class_token_block(blocks[-1], x))
    return pooled @ self.proj if self.proj is not None else pooled


def _class_token_block(block: torch.nn.Module, x: torch.Tensor) -> torch.Tensor:
    """open_clip's ResidualAttentionBlock at the class token, ``(B, 1, E)``: its attention reads every
    token; the query, output projection and MLP run for the class token alone (same arithmetic)."""
    attn, y = block.attn, block.ln_1(x)
    b, n, e = y.shape
    heads = attn.num_heads
    weight, bias = attn.in_proj_weight, attn.in_proj_bias
    q = F.linear(y[:, :1], weight[:e], None if bias is None else bias[:e]).view(b, 1, heads, e // heads)
    kv = F.linear(y, weight[e:], None if bias is None else bias[e:]).view(b, n, 2, heads, e // heads)
    k, v = kv.permute(2, 0, 3, 1, 4).unbind(0)
    out = F.scaled_dot_product_attention(q.transpose(1, 2), k, v)
    out = F.linear(out.transpose(1, 2).reshape(b, 1, e), attn.out_proj.weight, attn.out_proj.bias)
    x = x[:, :1] + block.ls_1(out)
    return x + block.ls_2(block.mlp(block.ln_2(x)))


def input_dtype(tower: torch.nn.Module) -> torch.dtype:
    """The dtype ``tower`` takes its input in: that of its first convolution or linear layer.

    Not its first parameter's: open_clip's "fp16" (CUDA) is OpenAI's mixed precision, which
    keeps embeddings and norms in float32 and only the conv/linear weights in float16.
    """
    for module in tower.modules():
        if isinstance(module, (torch.nn.Conv2d, torch.nn.Linear)):
            return module.weight.dtype
    return next(tower.parameters()).dtype


def _cuttable(model) -> bool:
    """Whether ``model`` is an open_clip CLIP whose text tower is causal with end-of-text pooling."""
    return (getattr(model, "text_pool_type", None) == "argmax" and getattr(model, "attn_mask", None) is not None
            and all(hasattr(model, name) for name in ("token_embedding", "transformer", "ln_final"))
            and getattr(model, "positional_embedding", torch.zeros(0)).dim() == 2)


def _encode_cut(model, tokens: torch.Tensor) -> torch.Tensor:
    """open_clip's ``CLIP.encode_text`` run on the first ``tokens.shape[1]`` positions only."""
    n = tokens.shape[1]
    cast = model.transformer.get_cast_dtype()
    x = model.token_embedding(tokens).to(cast) + model.positional_embedding[:n].to(cast)
    x = model.ln_final(model.transformer(x, attn_mask=model.attn_mask[:n, :n]))
    x = x[torch.arange(x.shape[0], device=x.device), tokens.argmax(dim=-1)]
    projection = model.text_projection
    if projection is None:
        return x
    return projection(x) if isinstance(projection, torch.nn.Module) else x @ projection


def default_device() -> str:
    return "cuda" if torch.cuda.is_available() else "cpu"


def check_device(device: Optional[str]) -> Optional[str]:
    """``device`` if torch can run on it here (None stays None); else :class:`OptionError` in one line."""
    if device is None:
        return None
    try:
        kind = torch.device(str(device)).type
    except (RuntimeError, ValueError):
        raise OptionError(f"--device {device!r}: give cpu or cuda (or cuda:N)") from None
    if kind not in ("cpu", "cuda"):  # torch knows mps, xla, meta …, which this build cannot run on
        raise OptionError(f"--device {device!r}: give cpu or cuda (or cuda:N)")
    if kind == "cuda" and not torch.cuda.is_available():
        raise OptionError(f"--device {device}: no CUDA device is available on this machine; use --device cpu")
    return str(device)


def load_clip(
    model: str = DEFAULT_MODEL,
    pretrained: Optional[str] = DEFAULT_PRETRAINED,
    checkpoint: Optional[Union[str, os.PathLike]] = None,
    device: Optional[str] = None,
    cache_dir: Optional[str] = None,
    precision: str = "auto",
    announce: Optional[Callable[[], None]] = None,
) -> OpenClipEncoder:
    """Load (once per process) an open_clip model as an :class:`Encoder`.

    Args:
        model: an open_clip architecture name (``ViT-B-32``, see ``open_clip.list_models()``)
            or the path of an open_clip JSON model config (``embed_dim``, ``vision_cfg``,
            ``text_cfg``), registered under its file stem.
        pretrained: an open_clip pretrained tag (``openai``, ``laion2b_s34b_b79k``…), taken
            from the local cache or downloaded where there is network. Ignored when
            ``checkpoint`` is given.
        checkpoint: a file holding a ``state_dict`` saved from an open_clip model of
            architecture ``model`` (``torch.save(model.state_dict(), path)``).
        device: ``"cuda"``, ``"cpu"``… (default: CUDA when available).
        precision: ``auto`` (float16 on CUDA; on a CPU bfloat16 autocast where the CPU has
            native bfloat16, else float32), ``fp32`` or ``bf16``. On a CPU the weights stay
            float32 whatever is asked, so every precision shares one loaded model.
        announce: called once the weights are known to be at hand, just before the
            (seconds-long) build, so that a status line never precedes a fast refusal.

    Raises:
        OptionError: an unknown architecture or tag.
        InputError: no weights can be had (not cached, no network, no file) or the file does
            not fit the architecture; the message says how to provide them.
    """
    device = check_device(device) or default_device()
    resolve_precision(precision, "cpu")  # refuse an unknown name before any work
    weights = _weights_precision(precision, device)
    if checkpoint is None and pretrained and not model.endswith(".json"):
        host = _nothing_cached_offline(cache_dir)
        if host is not None:
            raise InputError(_how_to_get_weights(model, pretrained, f"there is no weights cache on this machine "
                                                 f"and {host} cannot be reached"))
    open_clip = import_open_clip(model)

    name = _register_architecture(model)
    if checkpoint is not None:
        path = Path(checkpoint)
        if not path.is_file():
            raise InputError(f"--clip-checkpoint {checkpoint}: no such file; give the path of a state_dict saved "
                             f"from an open_clip {name} model")
        key = (name, "file", str(path.resolve()), path.stat().st_mtime_ns, device, weights)
        source, tag_cfg = str(path), {}
        description = f"{name} from {path.name}"
    else:
        if not pretrained:
            raise InputError(_how_to_get_weights(name, None, "no weights were named"))
        tag_cfg = open_clip.get_pretrained_cfg(name, pretrained)
        if not tag_cfg:
            tags = open_clip.list_pretrained_tags_by_model(name)
            known = f"known tags for {name}: {', '.join(tags)}" if tags else f"open_clip has no pretrained tags for {name}"
            raise OptionError(f"--clip-pretrained {pretrained!r} is not an open_clip tag of {name} ({known}); "
                              "or give --clip-checkpoint FILE")
        key = (name, "tag", pretrained, device, weights)
        source, description = None, f"{name} ({pretrained})"
    if key in _LOADED:
        return _LOADED[key].with_precision(precision)
    if source is None:
        source = _cached_weights(tag_cfg, cache_dir)
        if source is None:
            host = _download_host(tag_cfg)
            if not _reachable(host):
                raise InputError(_how_to_get_weights(name, pretrained, f"they are not in the local cache and {host} "
                                                     "cannot be reached"))
            source = pretrained  # let open_clip download it (cached for next time)
    if announce is not None:
        announce()
    encoder = _build(open_clip, name, source, tag_cfg, device, cache_dir, description, weights)
    encoder.cache_identity = _identity(open_clip, model, name, source, pretrained, device, weights)
    _LOADED[key] = encoder
    return encoder.with_precision(precision)


def _identity(open_clip, model: str, name: str, source: str, tag: Optional[str], device: str, weights: str) -> str:
    """What fixes a model's text features: architecture (its JSON file's identity when given as
    one), weights (the file's identity, else the tag), device type, weights precision, versions."""
    from vecedit.losses.text_cache import file_identity

    architecture = f"{name}:{file_identity(model)}" if model.endswith(".json") else name
    weights_file = file_identity(source) if os.path.isfile(str(source)) else f"tag:{tag}"
    versions = f"torch {torch.__version__} open_clip {getattr(open_clip, '__version__', '?')}"
    return "|".join([architecture, weights_file, torch.device(device).type, weights, versions])


def _weights_precision(precision: str, device: str) -> str:
    """open_clip's build precision: float32 on a CPU (bf16 there is autocast), else as asked (auto: fp16)."""
    if torch.device(device).type == "cpu":
        return "fp32"
    return {"auto": "fp16", "fp32": "fp32", "bf16": "bf16"}[(precision or "auto").lower()]


def _build(open_clip, name, source, tag_cfg, device, cache_dir, description, precision) -> OpenClipEncoder:
    """``source``: a weights file, or a pretrained tag for open_clip to download."""
    root = logging.getLogger()
    level = root.level
    root.setLevel(logging.ERROR)  # open_clip logs at INFO/WARNING through the root logger
    try:
        is_file = os.path.isfile(str(source))
        with _no_random_init(is_file):  # every weight comes from the file (loaded strictly)
            model = open_clip.create_model(
                name, pretrained=None if is_file else source, precision=precision, device=device,
                cache_dir=cache_dir, force_quick_gelu=bool(tag_cfg.get("quick_gelu", False)),
            )
        if is_file:
            try:
                _load_weights(open_clip, model, str(source))
            except Exception as error:  # say why in one line: unreadable, or which keys do not fit
                raise InputError(_mismatch(model, str(source), name, error)) from None
    finally:
        root.setLevel(level)
    model.eval()
    for parameter in model.parameters():
        parameter.requires_grad_(False)
    preprocess = open_clip.get_model_preprocess_cfg(model)
    size = preprocess.get("size", getattr(model.visual, "image_size", 224))
    size = size[0] if isinstance(size, (tuple, list)) else size
    mean = tag_cfg.get("mean", preprocess.get("mean", open_clip.OPENAI_DATASET_MEAN))
    std = tag_cfg.get("std", preprocess.get("std", open_clip.OPENAI_DATASET_STD))
    tokenizer = TokenizerOnFirstUse(lambda: open_clip.get_tokenizer(name))
    return OpenClipEncoder(model, tokenizer, mean, std, int(size), description)


class TokenizerOnFirstUse:
    """A tokenizer made by ``make()`` at its first use (call or attribute): open_clip's reads its
    49k BPE merges, 0.3 CPU-s that a run whose text features are all cached never needs."""

    def __init__(self, make: Callable[[], Callable]):
        self._make, self._made = make, None

    @property
    def made(self) -> Callable:
        if self._made is None:
            self._made = self._make()
        return self._made

    def __call__(self, *args, **kwargs):
        return self.made(*args, **kwargs)

    def __getattr__(self, name: str):
        if name.startswith("__") or name in ("_make", "_made"):  # copy/pickle probes; not yet set
            raise AttributeError(name)
        return getattr(self.made, name)


class _no_random_init:
    """Context: ``torch.nn.init``'s in-place initialisers do nothing (when ``active``), also where
    a module bound them by name (``MultiheadAttention``'s ``xavier_uniform_``: 0.2 CPU-s of ViT-B/32).

    Building ViT-B/32 spends about a CPU second drawing random weights that the checkpoint
    then replaces; a strict load (:func:`_load_weights`) guarantees every one is replaced.
    """

    def __init__(self, active: bool):
        self.active = active

    def __enter__(self):
        initialisers = {id(f): f for n, f in vars(torch.nn.init).items() if n.endswith("_") and not n.startswith("_")}
        places = [m for n, m in list(sys.modules.items()) if n.startswith(("torch.nn", "open_clip")) and m is not None]
        self.saved = [(place, name, value) for place in places if self.active
                      for name, value in list(vars(place).items()) if initialisers.get(id(value)) is value]
        for place, name, _ in self.saved:
            setattr(place, name, _keep)

    def __exit__(self, *exc):
        for place, name, function in self.saved:
            setattr(place, name, function)


def _keep(tensor, *args, **kwargs):
    return tensor


def _load_weights(open_clip, model: torch.nn.Module, path: str) -> None:
    """A state_dict file into ``model``, strictly; where it is a plain one of the model's devices
    and dtypes, the parameters *are* the memory-mapped file's tensors (no copy: about 1.3 CPU-s
    less for ViT-B/32, and processes loading one file share its pages), else through open_clip."""
    try:
        state = torch.load(path, map_location="cpu", weights_only=True, mmap=True)
    except Exception:
        state = None
    expected = model.state_dict()
    if isinstance(state, dict) and set(state) == set(expected) and all(
            torch.is_tensor(v) and v.shape == expected[k].shape and v.dtype == expected[k].dtype
            and v.device == expected[k].device for k, v in state.items()):
        model.load_state_dict(state, strict=True, assign=True)
        return
    open_clip.load_checkpoint(model, path)  # prefixes, older layouts; strict


def _mismatch(model: torch.nn.Module, path: str, name: str, error: Exception) -> str:
    advice = f"give a state_dict saved from an open_clip {name} model, or the matching --clip"
    try:
        data = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as load_error:
        first = " ".join(str(load_error).split())[:160]
        return (f"cannot read {path} as a checkpoint ({type(load_error).__name__}: {first}); save one with "
                "torch.save(model.state_dict(), FILE)")
    if isinstance(data, dict) and isinstance(data.get("state_dict"), dict):
        data = data["state_dict"]
    if not isinstance(data, dict) or not all(torch.is_tensor(v) for v in data.values()):
        return f"{path} holds a {type(data).__name__}, not a state_dict of tensors; {advice}"
    data = {k[7:] if k.startswith("module.") else k: v for k, v in data.items()}
    expected = model.state_dict()
    missing = [k for k in expected if k not in data]
    unexpected = [k for k in data if k not in expected]
    shapes = [k for k in expected if k in data and tuple(data[k].shape) != tuple(expected[k].shape)]
    facts = []
    if missing:
        facts.append(f"{len(missing)} missing key(s) (e.g. {missing[0]})")
    if unexpected:
        facts.append(f"{len(unexpected)} unexpected key(s) (e.g. {unexpected[0]})")
    if shapes:
        k = shapes[0]
        facts.append(f"{len(shapes)} shape mismatch(es) (e.g. {k}: {tuple(data[k].shape)} in the file, "
                     f"{tuple(expected[k].shape)} in {name})")
    if not facts:
        facts.append(" ".join(str(error).split())[:160] or type(error).__name__)
    return f"{path} does not fit open_clip {name}: {'; '.join(facts)}; {advice}"


def _nothing_cached_offline(cache_dir: Optional[str]) -> Optional[str]:
    """Before importing open_clip (seconds): when no weights cache exists at all and the hub
    cannot be reached, no tag can load; return the unreachable host, else None."""
    try:
        from huggingface_hub import constants

        hub_cache, endpoint = Path(cache_dir or constants.HF_HUB_CACHE), constants.ENDPOINT
    except ImportError:  # pragma: no cover - open_clip depends on huggingface_hub
        return None
    clip_cache = Path(cache_dir or os.path.expanduser("~/.cache/clip"))
    if (hub_cache.is_dir() and any(hub_cache.glob("models--*"))) or (clip_cache.is_dir() and any(clip_cache.iterdir())):
        return None
    host = urlparse(endpoint).netloc
    return None if _reachable(host) else host


def _register_architecture(model: str) -> str:
    open_clip = import_open_clip(model)

    path = Path(model)
    if model.endswith(".json"):
        if not path.is_file():
            raise InputError(f"--clip {model}: no such model config file")
        try:  # read here first: open_clip's own reader lets a decoding error through as a traceback
            config = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as error:
            raise InputError(f"--clip {model}: cannot read it as a JSON model config ({error})") from None
        if not isinstance(config, dict) or not all(k in config for k in ("embed_dim", "vision_cfg", "text_cfg")):
            raise InputError(f"--clip {model}: not an open_clip model config (it needs embed_dim, vision_cfg "
                             "and text_cfg)")
        open_clip.add_model_config(path)  # registers it: the keys it requires are checked above
        return path.stem
    if model not in open_clip.list_models():
        near = [m for m in open_clip.list_models() if model.lower().replace("/", "-") in m.lower()][:5]
        hint = f" (did you mean {', '.join(near)}?)" if near else " (open_clip.list_models() lists them)"
        raise OptionError(f"--clip {model!r} is not an open_clip architecture{hint}; or give a JSON model config")
    return model


def _cached_weights(cfg: dict, cache_dir: Optional[str]) -> Optional[str]:
    """The weights file for a tag when it is already on this machine, else None (no network)."""
    if cfg.get("file") and os.path.isfile(cfg["file"]):
        return cfg["file"]
    hub = cfg.get("hf_hub", "")
    if hub:
        try:
            from huggingface_hub import try_to_load_from_cache
        except ImportError:  # pragma: no cover - open_clip depends on huggingface_hub
            try_to_load_from_cache = None
        if try_to_load_from_cache is not None:
            repo, filename = os.path.split(hub)
            names = [filename] if filename else ["open_clip_model.safetensors", "open_clip_pytorch_model.bin"]
            if filename.endswith((".bin", ".pth")):
                names.insert(0, filename[:-4] + ".safetensors")
            for candidate in names:
                found = try_to_load_from_cache(repo, candidate, cache_dir=cache_dir)
                if isinstance(found, str) and os.path.isfile(found):
                    return found
    url = cfg.get("url", "")
    if url:
        target = os.path.join(cache_dir or os.path.expanduser("~/.cache/clip"), os.path.basename(url))
        if os.path.isfile(target):
            return target
    return None


def _download_host(cfg: dict) -> str:
    if cfg.get("hf_hub"):
        try:
            from huggingface_hub import constants

            return urlparse(constants.ENDPOINT).netloc or "the Hugging Face hub"
        except ImportError:  # pragma: no cover
            pass
    return urlparse(cfg.get("url", "")).netloc or "the download server"


def _reachable(host: str, timeout: float = 3.0) -> bool:
    """Whether a TCP connection to ``host``:443 opens (offline machines fail at once, not after retries)."""
    if os.environ.get("HF_HUB_OFFLINE", "") not in ("", "0") and "." in host:
        return False
    try:
        with socket.create_connection((host, 443), timeout=timeout):
            return True
    except OSError:
        return False


def _how_to_get_weights(name: str, tag: Optional[str], why: str) -> str:
    named = f"open_clip {name} '{tag}'" if tag else f"open_clip {name}"
    return (f"no CLIP weights for {named}: {why}; run once on a machine with network to cache them "
            f"(~/.cache/huggingface), or pass --clip-checkpoint FILE with a state_dict saved from an open_clip "
            f"{name} model (torch.save(model.state_dict(), FILE))")


__all__ = ["Encoder", "OpenClipEncoder", "check_device", "input_dtype", "load_clip", "default_device",
           "DEFAULT_MODEL", "DEFAULT_PRETRAINED", "PRECISIONS", "resolve_precision", "native_bf16_cpu",
           "fast_layout", "as_built"]

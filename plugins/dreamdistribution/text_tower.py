"""open_clip's text tower with learnable token embeddings in place of placeholder words.

A soft prompt is ``n`` vectors of the tower's width that stand where word embeddings
would: the sequence ``[SOT] v1 … vn <text tokens> [EOT]`` goes through exactly the
layers of ``CLIP.encode_text`` (positional embedding, transformer with its causal mask,
``ln_final``, pooling at the end-of-text token, ``text_projection``), so gradients reach
``v1 … vn`` while every weight of the model stays frozen.

The placeholders are the word ``X`` (as in CoOp): the template is tokenized with ``n``
of them, their embeddings are replaced by the soft tokens, and the token ids still
give the pooling position (the argmax of the ids, or the ``eos`` id). Because the mask
is causal, nothing after the end-of-text token can change the pooled feature, so the
sequence is cut there: 77 positions become about ``n + 3``, the same numbers for a
fraction of the work.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

import torch
from torch import nn

from vecedit.errors import OptionError

PLACEHOLDER = "X"


@dataclass
class _Tower:
    """The pieces of an open_clip text transformer, whichever model class holds them."""

    token_embedding: nn.Embedding
    positional_embedding: torch.Tensor
    transformer: nn.Module
    ln_final: nn.Module
    text_projection: Any  # nn.Linear, a (width, D) tensor, or None
    attn_mask: Optional[torch.Tensor]
    pool_type: str
    eos_id: Optional[int]


def _find_tower(model) -> _Tower:
    """``open_clip.CLIP`` keeps the tower's layers on the model; ``CustomTextCLIP`` in ``model.text``."""
    text = getattr(model, "text", None)
    if hasattr(model, "token_embedding"):  # open_clip.CLIP
        holder, pool, eos = model, getattr(model, "text_pool_type", "argmax"), getattr(model, "text_eos_id", None)
    elif text is not None and hasattr(text, "token_embedding"):  # CustomTextCLIP with open_clip's TextTransformer
        if getattr(text, "cls_emb", None) is not None or getattr(text, "use_pad_mask", False):
            raise OptionError(f"the DreamDistribution soft prompts cannot pass through this text tower "
                              f"({type(text).__name__} with a class token or padding mask); use a CLIP "
                              "architecture such as ViT-B-32")
        holder, pool, eos = text, getattr(text, "pool_type", "argmax"), getattr(text, "eos_id", None)
    else:
        tower = type(text).__name__ if text is not None else "no open_clip text transformer"
        raise OptionError(f"the DreamDistribution soft prompts need open_clip's own text transformer; "
                          f"{type(model).__name__} has {tower} (e.g. a Hugging Face text model), which is not "
                          "supported; use a CLIP architecture such as ViT-B-32")
    if pool not in ("argmax", "eos", "first", "last"):
        raise OptionError(f"the text tower pools with {pool!r}, which the soft prompts do not support")
    return _Tower(holder.token_embedding, holder.positional_embedding, holder.transformer, holder.ln_final,
                  holder.text_projection, getattr(holder, "attn_mask", None), pool, eos)


class SoftPromptTower:
    """Encode batches of soft prompts (``(K, n, width)`` tensors) through a frozen open_clip text tower.

    ``encoder`` is a :class:`vecedit.losses.encoders.OpenClipEncoder` (it has ``.model`` and
    ``.tokenizer``); anything else raises :class:`OptionError`.
    """

    def __init__(self, encoder):
        model, tokenizer = getattr(encoder, "model", None), getattr(encoder, "tokenizer", None)
        if model is None or tokenizer is None:
            described = getattr(encoder, "description", type(encoder).__name__)
            raise OptionError(f"fitting a DreamDistribution needs an open_clip encoder (its text transformer), "
                              f"not {described}")
        self.tower = _find_tower(model)
        self.tokenizer = tokenizer
        self.width = int(self.tower.token_embedding.weight.shape[1])
        self.device = self.tower.token_embedding.weight.device
        self._templates: dict[tuple[int, str], tuple[torch.Tensor, torch.Tensor]] = {}

    def template(self, n_tokens: int, text: str = "") -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids of ``"X … X text"`` (cut after the end-of-text token where that is exact) and their embeddings."""
        key = (n_tokens, text)
        if key not in self._templates:
            words = " ".join([PLACEHOLDER] * n_tokens + ([text] if text else []))
            ids = self.tokenizer([words]).to(self.device)
            placeholder = self.tokenizer([PLACEHOLDER])[0, 1].item()
            if not bool((ids[0, 1 : 1 + n_tokens] == placeholder).all()):
                raise OptionError("this text tower's tokenizer does not start sequences with a start token "
                                  "followed by the words, which the soft prompts need; use a CLIP architecture")
            if self.tower.pool_type in ("argmax", "eos") and self.tower.attn_mask is not None:
                ids = ids[:, : int(self._pool_index(ids).max()) + 1]  # causal: later positions cannot matter
            with torch.no_grad():
                embedded = self.tower.token_embedding(ids)
            self._templates[key] = (ids, embedded)
        return self._templates[key]

    def _pool_index(self, ids: torch.Tensor) -> torch.Tensor:
        pool = self.tower.pool_type
        if pool == "argmax":  # the end-of-text token has the highest id
            return ids.argmax(dim=-1)
        if pool == "eos":
            return (ids == self.tower.eos_id).int().argmax(dim=-1)
        return torch.full((ids.shape[0],), 0 if pool == "first" else ids.shape[1] - 1, device=ids.device)

    def encode(self, soft_tokens: torch.Tensor, text: str = "") -> torch.Tensor:
        """``(K, n, width)`` soft tokens (+ ``text`` after them) → ``(K, D)`` text features, float32."""
        k, n, width = soft_tokens.shape
        if width != self.width:
            raise OptionError(f"soft tokens of width {width} do not fit this text tower (width {self.width})")
        ids, embedded = self.template(n, text)
        tower = self.tower
        get_cast_dtype = getattr(tower.transformer, "get_cast_dtype", None)
        cast = get_cast_dtype() if get_cast_dtype is not None else embedded.dtype
        length = ids.shape[1]
        prefix, suffix = embedded[:, :1].expand(k, -1, -1), embedded[:, 1 + n :].expand(k, -1, -1)
        x = torch.cat([prefix, soft_tokens.to(self.device), suffix], dim=1).to(cast)
        x = x + tower.positional_embedding[:length].to(cast)
        mask = tower.attn_mask[:length, :length] if tower.attn_mask is not None else None
        x = tower.transformer(x, attn_mask=mask)
        x = tower.ln_final(x)
        pooled = x[torch.arange(k, device=x.device), self._pool_index(ids).expand(k)]
        if isinstance(tower.text_projection, nn.Linear):
            pooled = tower.text_projection(pooled)
        elif tower.text_projection is not None:
            pooled = pooled @ tower.text_projection
        return pooled.float()

    def embed_words(self, text: str, n_tokens: int) -> torch.Tensor:
        """The word embeddings of the first ``n_tokens`` tokens of ``text``, ``(n_tokens, width)``.

        With the tokens of a real text as soft tokens, :meth:`encode` gives exactly
        ``model.encode_text`` of that text (what the tests check).
        """
        ids = self.tokenizer([text]).to(self.device)[0, 1 : 1 + n_tokens]
        with torch.no_grad():
            return self.tower.token_embedding(ids).float()

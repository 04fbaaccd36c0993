"""clipseg-tiny: the CLIPSeg architecture (Lüddecke & Ecker, CVPR 2022) at small width, trained from
scratch. Same op family as a real CLIPSeg export: strided-Conv patch embedding + class token + learned
positions, pre-LN ViT (LayerNormalization, MatMul attention with Softmax, Erf GELU), CLIP-style text
transformer, activations taken from several ViT layers, FiLM conditioning on the first decoder layer,
transformer decoder blocks and a transposed-conv head back to the input resolution.

Attention is written out (not nn.MultiheadAttention) so the exported graph is plain MatMul/Softmax.
The text transformer uses a key-padding bias instead of CLIP's causal mask + EOS pooling, and pools by
masked mean; both export to ops the engine's autodiff supports.
"""
from __future__ import annotations

import torch
from torch import nn

from .text import masked_mean


class Attention(nn.Module):
    def __init__(self, dim: int, heads: int):
        super().__init__()
        self.heads, self.scale = heads, (dim // heads) ** -0.5
        self.qkv = nn.Linear(dim, 3 * dim)
        self.out = nn.Linear(dim, dim)

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        B, N, D = x.shape
        q, k, v = self.qkv(x).reshape(B, N, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)
        att = (q * self.scale) @ k.transpose(-1, -2)
        if bias is not None:
            att = att + bias
        y = att.softmax(dim=-1) @ v
        return self.out(y.transpose(1, 2).reshape(B, N, D))


class Block(nn.Module):
    """Pre-LN transformer block (CLIP encoder layer)."""

    def __init__(self, dim: int, heads: int, mlp: int = 4):
        super().__init__()
        self.ln1, self.attn = nn.LayerNorm(dim), Attention(dim, heads)
        self.ln2 = nn.LayerNorm(dim)
        self.mlp = nn.Sequential(nn.Linear(dim, mlp * dim), nn.GELU(), nn.Linear(mlp * dim, dim))

    def forward(self, x: torch.Tensor, bias: torch.Tensor | None = None) -> torch.Tensor:
        x = x + self.attn(self.ln1(x), bias)
        return x + self.mlp(self.ln2(x))


class ClipSegTiny(nn.Module):
    def __init__(self, vocab_size: int, image_size: int = 160, patch: int = 10, width: int = 128, layers: int = 6,
                 heads: int = 4, extract=(1, 3, 5), text_width: int = 128, text_layers: int = 2, max_tokens: int = 64,
                 reduce_dim: int = 64, cond_dim: int = 128, head_kernels=(2, 5)):
        super().__init__()
        assert image_size % patch == 0 and head_kernels[0] * head_kernels[1] == patch
        self.grid, self.extract, self.reduce_dim = image_size // patch, tuple(extract), reduce_dim
        # vision
        self.patch = nn.Conv2d(3, width, patch, patch, bias=False)
        self.cls = nn.Parameter(torch.randn(1, 1, width) * 0.02)
        self.pos = nn.Parameter(torch.randn(1, self.grid * self.grid + 1, width) * 0.02)
        self.ln_pre = nn.LayerNorm(width)
        self.blocks = nn.ModuleList([Block(width, heads) for _ in range(layers)])
        # text
        self.tok = nn.Embedding(vocab_size, text_width)
        self.tpos = nn.Parameter(torch.randn(1, max_tokens, text_width) * 0.01)
        self.tblocks = nn.ModuleList([Block(text_width, heads) for _ in range(text_layers)])
        self.ln_text = nn.LayerNorm(text_width)
        self.text_proj = nn.Linear(text_width, cond_dim, bias=False)
        # decoder
        self.film_mul, self.film_add = nn.Linear(cond_dim, reduce_dim), nn.Linear(cond_dim, reduce_dim)
        self.reduces = nn.ModuleList([nn.Linear(width, reduce_dim) for _ in extract])
        self.dec = nn.ModuleList([Block(reduce_dim, heads) for _ in extract])
        k1, k2 = head_kernels
        self.head = nn.Sequential(
            nn.Conv2d(reduce_dim, reduce_dim, 3, padding=1), nn.ReLU(),
            nn.ConvTranspose2d(reduce_dim, reduce_dim // 2, k1, k1), nn.ReLU(),
            nn.ConvTranspose2d(reduce_dim // 2, 1, k2, k2))

    def encode_text(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        T = input_ids.shape[1]
        x = self.tok(input_ids) + self.tpos[:, :T]
        # additive key-padding bias [B,1,1,T]: 0 where attended, -1e4 on padding
        bias = ((1 - attention_mask.to(x.dtype)) * -1e4).unsqueeze(1).unsqueeze(1)
        for blk in self.tblocks:
            x = blk(x, bias)
        return self.text_proj(masked_mean(self.ln_text(x), attention_mask))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor, pixel_values: torch.Tensor) -> torch.Tensor:
        cond = self.encode_text(input_ids, attention_mask)
        x = self.patch(pixel_values).flatten(2).transpose(1, 2)  # [B,N,D]
        cls = self.cls + x[:, :1] * 0  # broadcast to the batch without Expand (keeps the graph plain)
        x = torch.cat([cls, x], dim=1) + self.pos
        x = self.ln_pre(x)
        acts = []
        for i, blk in enumerate(self.blocks):
            x = blk(x)
            if i in self.extract:
                acts.append(x)
        a = None
        for i, (act, reduce, blk) in enumerate(zip(acts[::-1], self.reduces, self.dec)):
            a = reduce(act) if a is None else a + reduce(act)
            if i == 0:  # CLIPSeg's conditional layer: FiLM with the text embedding
                a = self.film_mul(cond).unsqueeze(1) * a + self.film_add(cond).unsqueeze(1)
            a = blk(a)
        a = a[:, 1:].transpose(1, 2).reshape(a.shape[0], self.reduce_dim, self.grid, self.grid)
        return self.head(a)[:, 0]

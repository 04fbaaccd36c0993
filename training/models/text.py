"""Small text encoder for FiLM: embeddings, masked mean pooling, MLP. Exports to Gather/Mul/ReduceSum/
Div/Gemm/Relu only (ops the engine's autodiff knows)."""
from __future__ import annotations

import torch
from torch import nn


def masked_mean(x: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """x [B,T,D], mask int64 [B,T] -> [B,D]; mean over tokens with mask 1 (eps keeps T=0 finite)."""
    m = attention_mask.to(x.dtype).unsqueeze(-1)
    return (x * m).sum(dim=1) / (m.sum(dim=1) + 1e-6)


class BagTextEncoder(nn.Module):
    def __init__(self, vocab_size: int, dim: int = 64, out_dim: int = 128, pad_id: int = 0):
        super().__init__()
        self.embed = nn.Embedding(vocab_size, dim, padding_idx=pad_id)
        self.mlp = nn.Sequential(nn.Linear(dim, out_dim), nn.ReLU(inplace=True), nn.Linear(out_dim, out_dim),
                                 nn.ReLU(inplace=True))

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        return self.mlp(masked_mean(self.embed(input_ids), attention_mask))

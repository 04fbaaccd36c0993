"""Word-level tokenizer written as Hugging Face `tokenizer.json` by hand (no `tokenizers` package here).

Model WordLevel with [UNK]; normalizer Lowercase; pre-tokenizer Whitespace (regex \\w+|[^\\w\\s]+, so
punctuation is split off); post-processor TemplateProcessing "[BOS] $A [EOS]" so even the empty prompt
has tokens. [PAD] is id 0 (vlsm.json text.padTokenId). `encode` below is the same algorithm in Python;
tests/training checks it against @huggingface/tokenizers in Node.
"""
from __future__ import annotations

import json
import re
from pathlib import Path

PAD, UNK, BOS, EOS = "[PAD]", "[UNK]", "[BOS]", "[EOS]"
SPECIALS = [PAD, UNK, BOS, EOS]
_PRE = re.compile(r"\w+|[^\w\s]+")


def pre_tokenize(text: str) -> list[str]:
    return _PRE.findall(text.lower())


class WordTokenizer:
    def __init__(self, vocab: dict[str, int], max_tokens: int):
        self.vocab = vocab
        self.max_tokens = max_tokens
        self.pad_id = vocab[PAD]

    @classmethod
    def build(cls, texts, max_tokens: int) -> "WordTokenizer":
        words = sorted({w for t in texts for w in pre_tokenize(t)})
        vocab = {w: i for i, w in enumerate(SPECIALS + [w for w in words if w not in SPECIALS])}
        return cls(vocab, max_tokens)

    @classmethod
    def load(cls, path: Path, max_tokens: int) -> "WordTokenizer":
        return cls(json.loads(Path(path).read_text())["model"]["vocab"], max_tokens)

    def encode(self, text: str) -> list[int]:
        """Token ids with [BOS]/[EOS], truncated to max_tokens (the engine truncates the same way)."""
        unk = self.vocab[UNK]
        ids = [self.vocab[BOS]] + [self.vocab.get(w, unk) for w in pre_tokenize(text)] + [self.vocab[EOS]]
        return ids[: self.max_tokens]

    def batch(self, texts: list[str]):
        """(input_ids, attention_mask) int64 [B,T], padded to the longest with [PAD] and mask 0."""
        import torch

        seqs = [self.encode(t) for t in texts]
        T = max(len(s) for s in seqs)
        ids = torch.full((len(seqs), T), self.pad_id, dtype=torch.int64)
        mask = torch.zeros((len(seqs), T), dtype=torch.int64)
        for i, s in enumerate(seqs):
            ids[i, : len(s)] = torch.tensor(s, dtype=torch.int64)
            mask[i, : len(s)] = 1
        return ids, mask

    def to_json(self) -> dict:
        def special(tok: str) -> dict:
            return {"id": self.vocab[tok], "content": tok, "single_word": False, "lstrip": False, "rstrip": False,
                    "normalized": False, "special": True}

        return {
            "version": "1.0",
            "truncation": None,
            "padding": None,
            "added_tokens": [special(t) for t in SPECIALS],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": EOS, "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": BOS, "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"SpecialToken": {"id": EOS, "type_id": 0}}, {"Sequence": {"id": "B", "type_id": 1}},
                         {"SpecialToken": {"id": EOS, "type_id": 1}}],
                "special_tokens": {t: {"id": t, "ids": [self.vocab[t]], "tokens": [t]} for t in (BOS, EOS)},
            },
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": self.vocab, "unk_token": UNK},
        }

    def tokenizer_config(self) -> dict:
        """tokenizer_config.json: tokenizers.js takes unk/pad tokens from here for WordLevel vocabularies."""
        return {"tokenizer_class": "PreTrainedTokenizerFast", "unk_token": UNK, "pad_token": PAD,
                "bos_token": BOS, "eos_token": EOS, "model_max_length": self.max_tokens,
                "clean_up_tokenization_spaces": False}

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "tokenizer.json").write_text(json.dumps(self.to_json(), indent=1, ensure_ascii=False) + "\n")
        (folder / "tokenizer_config.json").write_text(json.dumps(self.tokenizer_config(), indent=1) + "\n")

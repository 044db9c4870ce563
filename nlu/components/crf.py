"""A linear-chain conditional random field over BIO tag scores."""

from __future__ import annotations

import torch
from torch import nn


class CRF(nn.Module):
    """Learns tag-to-tag transition scores; trained by negative log-likelihood, decoded by Viterbi.

    ``emissions`` are ``(batch, length, tags)``; ``mask`` is ``(batch, length)`` and true
    for real tokens, which must come first in each row.
    """

    def __init__(self, tags: int) -> None:
        super().__init__()
        self.transitions = nn.Parameter(torch.zeros(tags, tags))
        self.start = nn.Parameter(torch.zeros(tags))
        self.end = nn.Parameter(torch.zeros(tags))

    def nll(self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Mean negative log-likelihood of the gold ``tags`` over the rows that have tokens."""
        rows = mask[:, 0]
        if not bool(rows.any()):
            return emissions.sum() * 0.0
        emissions, tags, mask = emissions[rows], tags[rows], mask[rows]
        return (self._partition(emissions, mask) - self._score(emissions, tags, mask)).mean()

    def _score(
        self, emissions: torch.Tensor, tags: torch.Tensor, mask: torch.Tensor
    ) -> torch.Tensor:
        steps = mask.float()
        emitted = emissions.gather(2, tags.unsqueeze(2)).squeeze(2)
        score = self.start[tags[:, 0]] + (emitted * steps).sum(1)
        moves = self.transitions[tags[:, :-1], tags[:, 1:]] * steps[:, 1:]
        last = tags.gather(1, (mask.sum(1) - 1).unsqueeze(1)).squeeze(1)
        return score + moves.sum(1) + self.end[last]

    def _partition(self, emissions: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        alpha = self.start + emissions[:, 0]
        for t in range(1, emissions.shape[1]):
            step = torch.logsumexp(alpha.unsqueeze(2) + self.transitions, dim=1) + emissions[:, t]
            alpha = torch.where(mask[:, t : t + 1], step, alpha)
        return torch.logsumexp(alpha + self.end, dim=1)

    def decode(self, emissions: torch.Tensor, lengths: list[int]) -> list[list[int]]:
        """The best tag sequence of each row, ``lengths[i]`` tags long."""
        paths: list[list[int]] = []
        for row, length in zip(emissions, lengths, strict=True):
            if length == 0:
                paths.append([])
                continue
            score = self.start + row[0]
            back: list[torch.Tensor] = []
            for t in range(1, length):
                best, index = (score.unsqueeze(1) + self.transitions).max(0)
                score = best + row[t]
                back.append(index)
            tag = int((score + self.end).argmax())
            path = [tag]
            for index in reversed(back):
                tag = int(index[tag])
                path.append(tag)
            paths.append(path[::-1])
        return paths

"""LLM NLG speed: the generation queue and lean decoder against plain ``model.generate``.

Measured side by side in one process, on the bundled SmolLM2-135M-Instruct (or
``--model``), with real rephrasing prompts of the reference bot (~250 tokens) and a fixed reply
length (``--tokens``), so every figure decodes the same work. Every request has its
own prompt (the customer's last message names its own order and city), as in a real
deployment: only the persona and instructions are shared, so a prefix cache helps
with those and no more:

* load: a cold load (GGUF de-quantised, converted copy written to a fresh cache)
  and a cached load;
* baseline: ``model.generate`` in float32, greedy, one request at a time;
* ours: :class:`nlg.backends.local.TransformersGenerator`'s path (chat template,
  generation queue, lean decoder) per dtype, one conversation at a time, then
  8 and 32 concurrent conversations batched (dynamic batching) and unbatched
  (``max_batch=1``);
* time to first token (p50/p95), tokens/s, the ratios to the baseline, peak RSS
  and the core count. Prints one JSON object.

    python bench/llm_nlg.py [--tokens 32] [--requests 4] [--device cpu] [--model PATH]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from functools import partial
from pathlib import Path
from typing import Any

import torch

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlg.backends.batching import GenerationQueue, Job
from nlg.backends.local import build_decoder, pick_device, stop_ids
from nlg.backends.model_files import converted_gguf, load_causal_lm, resolve_model
from nlg.interfaces import ChatMessage, GenerationRequest
from nlg.prompts import DEFAULT_PERSONA, HistoryLine, rephrase_prompt

TEMPLATE = (
    "We ship within the US and Canada. Standard shipping takes 3-5 business days and costs "
    "$4.95 (free on orders over $50). Express shipping takes 1-2 business days and costs $12.95."
)
CITIES = ("Toronto", "Denver", "Montreal", "Austin", "Vancouver", "Boston", "Calgary", "Seattle")


def history(index: int) -> list[HistoryLine]:
    """A conversation of its own for request ``index``."""
    order, city = f"PO-{20000 + index * 37}", CITIES[index % len(CITIES)]
    return [
        HistoryLine("Customer", f"<customer>hi, I ordered hiking boots, order {order}</customer>"),
        HistoryLine("Assistant", "Hi! I can help with your orders, shipping, returns and hours."),
        HistoryLine("Customer", f"<customer>how long does shipping to {city} take?</customer>"),
    ]


class Prompts:
    """Distinct prompts, handed out one per request (thread-safe)."""

    def __init__(self, tokenizer: Any) -> None:
        self.tokenizer = tokenizer
        self.handed_out = 0
        self.lock = threading.Lock()

    def __call__(self) -> list[int]:
        with self.lock:
            self.handed_out += 1
            index = self.handed_out
        messages = rephrase_prompt(DEFAULT_PERSONA, TEMPLATE, history(index))
        return prompt_ids(self.tokenizer, messages)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q * (len(ordered) - 1)))]


def summary(ttfts: list[float], tokens: int, seconds: float) -> dict[str, float]:
    return {
        "ttft_p50_s": round(statistics.median(ttfts), 4),
        "ttft_p95_s": round(percentile(ttfts, 0.95), 4),
        "tokens_per_s": round(tokens / seconds, 2),
    }


def prompt_ids(tokenizer: Any, messages: tuple[ChatMessage, ...]) -> list[int]:
    chat = [{"role": m.role, "content": m.content} for m in messages]
    encoded = tokenizer.apply_chat_template(chat, add_generation_prompt=True, return_dict=True)
    return list(encoded["input_ids"])


def plain_generate(model: Any, prompts: Prompts, tokens: int, requests: int) -> dict[str, Any]:
    """The baseline: ``model.generate`` one request at a time (TTFT = 1-token generate)."""
    ttfts, total, started = [], 0, time.perf_counter()
    with torch.inference_mode():
        for _ in range(requests):
            ids = torch.tensor([prompts()], device=model.device)
            t = time.perf_counter()
            model.generate(ids, max_new_tokens=1, do_sample=False)
            ttfts.append(time.perf_counter() - t)
        batch = [torch.tensor([prompts()], device=model.device) for _ in range(requests)]
        started = time.perf_counter()
        for ids in batch:
            out = model.generate(ids, max_new_tokens=tokens, min_new_tokens=tokens, do_sample=False)
            total += out.shape[1] - ids.shape[1]
    return summary(ttfts, total, time.perf_counter() - started)


def run_queue(
    queue: GenerationQueue, prompts: Prompts, tokens: int, concurrency: int, rounds: int
) -> dict[str, Any]:
    """``concurrency`` conversations, each sending ``rounds`` requests one after another."""
    request = GenerationRequest((), max_new_tokens=tokens, min_new_tokens=tokens)
    ttfts: list[float] = []
    lock = threading.Lock()

    def conversation() -> None:
        for _ in range(rounds):
            done, first = threading.Event(), [0.0]
            prompt = prompts()
            started = time.perf_counter()

            def emit(
                item: Any, started: float = started, done: Any = done, first: Any = first
            ) -> None:
                if isinstance(item, str) and not first[0]:
                    first[0] = time.perf_counter() - started
                if item is None or isinstance(item, BaseException):
                    done.set()

            queue.submit(Job(prompt, request, emit))
            done.wait()
            with lock:
                ttfts.append(first[0])

    threads = [threading.Thread(target=conversation) for _ in range(concurrency)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summary(ttfts, tokens * concurrency * rounds, time.perf_counter() - started)


def number_format(name: str) -> torch.dtype | str:
    return name if name in ("int8", "int4") else getattr(torch, name)


def load_times(source: str | None, device: str) -> dict[str, float]:
    path = resolve_model(source)
    times: dict[str, float] = {}
    if path.suffix == ".gguf":
        with tempfile.TemporaryDirectory() as cache:
            t = time.perf_counter()
            converted_gguf(path, Path(cache))
            times["cold_convert_s"] = round(time.perf_counter() - t, 2)
    if path.suffix == ".gguf":
        converted_gguf(path)  # the real cache, so that the next load is a cached one
    t = time.perf_counter()
    load_causal_lm(source, device)
    times["cached_load_s"] = round(time.perf_counter() - t, 2)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--model", default=None)
    parser.add_argument("--device", default="auto")
    parser.add_argument("--tokens", type=int, default=32)
    parser.add_argument("--requests", type=int, default=4)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args()
    device = pick_device(args.device)
    report: dict[str, Any] = {"cores": os.cpu_count()}
    report["device"] = torch.cuda.get_device_name() if device.startswith("cuda") else "cpu"
    state: dict[str, Any] = {}

    def build() -> Any:
        # All torch work, the baseline's included, runs on the queue's one thread.
        if args.threads:
            torch.set_num_threads(args.threads)
        report["torch_threads"] = torch.get_num_threads()
        report["load"] = load_times(args.model, device)
        state["model"], state["tokenizer"] = load_causal_lm(args.model, device)
        decoder = build_decoder(state["model"], state["tokenizer"], torch.float32, "auto")
        return decoder, state["tokenizer"], stop_ids(state["model"], state["tokenizer"])

    queue = GenerationQueue(build)
    queue.ready()
    model, tokenizer = state["model"], state["tokenizer"]
    prompts = Prompts(tokenizer)
    lengths = [len(prompts()) for _ in range(8)]
    report.update(prompt_tokens=round(statistics.median(lengths)), new_tokens=args.tokens)
    plain = queue.call(lambda: plain_generate(model, prompts, args.tokens, args.requests))
    report["plain_generate_fp32"] = plain.result()
    base = report["plain_generate_fp32"]["tokens_per_s"]
    formats = ["float32", "bfloat16", "int8", "int4"] if device == "cpu" else ["bfloat16"]
    for name in formats:
        built = queue.call(partial(build_decoder, model, tokenizer, number_format(name), "auto"))
        queue.use(built.result())
        single = run_queue(queue, prompts, args.tokens, 1, args.requests)
        report[f"queue_{name}_1"] = {**single, "x_plain": round(single["tokens_per_s"] / base, 2)}
    best = max(formats, key=lambda n: report[f"queue_{n}_1"]["tokens_per_s"])
    report["best_format"] = best
    decoder = queue.call(lambda: build_decoder(model, tokenizer, number_format(best), "auto"))
    for batched, max_batch in (("batched", 32), ("unbatched", 1)):
        queue.use(decoder.result(), max_batch)
        for concurrency in (8, 32):
            rounds = 1 if batched == "unbatched" and concurrency == 32 else 2
            run = run_queue(queue, prompts, args.tokens, concurrency, rounds)
            run["x_plain"] = round(run["tokens_per_s"] / base, 2)
            report[f"{batched}_{concurrency}"] = run
    queue.close()
    report["peak_rss_mb"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
    print(json.dumps(report, indent=1))


if __name__ == "__main__":
    main()

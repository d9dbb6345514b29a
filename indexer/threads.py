"""One thread policy for every numeric library in the process.

On a small machine torch's intra-op pool, FAISS's OpenMP pool, OpenBLAS (numpy)
and ONNX Runtime each start one thread per core and spin after their work, so a
question that touches all of them waits for the others' idle threads: measured
on 2 cores, answers were 5× slower at 961 clauses and 16× at 4,002 than with
one OpenMP thread. The policy: the encoder (torch or ONNX Runtime, the one
compute-heavy step) gets the cores; FAISS, BLAS and an idle torch, whose
per-question work is small, run single-threaded; nobody spins. The CLI, the web server and the
evaluation call `apply_thread_policy()` once before loading anything.
"""
from __future__ import annotations

import os
from dataclasses import dataclass

THREADS_ENV_VAR = "POLICYQA_THREADS"


@dataclass(frozen=True)
class ThreadPolicy:
    """How many threads each library may use."""

    encoder: int  # ONNX Runtime intra-op, or torch's when torch encodes
    search: int  # OpenMP (FAISS, and torch when it does not encode)
    blas: int  # OpenBLAS / MKL under numpy


_applied: ThreadPolicy | None = None
_blas_limiter = None  # keeps the threadpoolctl limit alive for the process


def available_cores() -> int:
    """Cores this process may run on (the affinity mask, not the machine's count)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not Linux
        return max(1, os.cpu_count() or 1)


def thread_policy() -> ThreadPolicy:
    """The policy for this machine: $POLICYQA_THREADS encoder threads (default: all cores)."""
    configured = os.environ.get(THREADS_ENV_VAR, "").strip()
    encoder = int(configured) if configured.isdigit() and int(configured) > 0 else available_cores()
    return ThreadPolicy(encoder=encoder, search=1, blas=1)


def set_environment_defaults() -> None:
    """Environment settings that only take effect before torch/FAISS load their
    OpenMP runtimes: idle OpenMP threads sleep instead of spinning. Values the
    user set are kept."""
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    # A BLAS loaded after the policy (e.g. scipy's, pulled in by a model) reads these.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
    os.environ.setdefault("MKL_NUM_THREADS", "1")


def apply_thread_policy(policy: ThreadPolicy | None = None) -> ThreadPolicy:
    """Size FAISS's, torch's and BLAS's thread pools once for the process; later
    calls return the policy already applied. ONNX Runtime sessions read it
    through `current_policy()` when they are created, and a torch encoder
    takes its threads with `use_torch_encoder()`.

    torch and FAISS may end up sharing ONE OpenMP runtime (whichever libgomp
    loaded first answers both), so their counts cannot be set apart: OpenMP
    gets one thread here, and the cores go to the encoder that needs them."""
    global _applied, _blas_limiter
    if _applied is not None:
        return _applied
    policy = policy or thread_policy()
    set_environment_defaults()
    import faiss
    import torch
    from threadpoolctl import threadpool_limits

    faiss.omp_set_num_threads(policy.search)
    torch.set_num_threads(policy.search)
    try:
        # Inter-op parallelism buys nothing for one small encoder and adds a pool.
        torch.set_num_interop_threads(1)
    except RuntimeError:  # already fixed once torch ran parallel work; harmless
        pass
    _blas_limiter = threadpool_limits(limits=policy.blas, user_api="blas")
    _applied = policy
    return policy


def use_torch_encoder() -> None:
    """Give torch the encoder's threads: called when the torch backend loads
    (ONNX Runtime has its own pool and leaves torch idle)."""
    import torch

    torch.set_num_threads(current_policy().encoder)


def current_policy() -> ThreadPolicy:
    """The applied policy, or the one that would be applied."""
    return _applied or thread_policy()

"""`policyqa doctor`: what a person debugging a deployment needs, on one screen.

Every figure is measured here, on this CPU: each embedding backend's vectors
of the probe texts against torch's (indexer/parity.py) and its speed, and the
index's stored probe vectors against the backend that would query it. The
exit code is non-zero when something would give wrong answers: the default
backend or the index's vectors not reproduced here, or no index.
"""
from __future__ import annotations

import os
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

# The licence of the bundled model, from its model card (research use only).
BUNDLED_MODEL_LICENCE = "M3E 模型卡：训练数据含非商用数据集，仅供研究使用（商用请换用许可合适的模型，见 README“Embedding model”）"


@dataclass
class Diagnosis:
    """The report's lines, and the problems that would give wrong answers."""

    lines: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)

    def add(self, label: str, text: str) -> None:
        self.lines.append(f"{label}：{text}")

    def problem(self, text: str) -> None:
        self.problems.append(text)

    def render(self) -> str:
        verdict = "结论：正常" if not self.problems else "结论：有问题，可能给出错误答案：\n  - " + "\n  - ".join(self.problems)
        return "\n".join(["PolicyQA 诊断", *self.lines, verdict])


def diagnose(index_dir: Path, quick: bool = False) -> Diagnosis:
    """The report; `quick` leaves out measuring every backend against torch (the
    default backend is still used only if its recorded check on this CPU
    holds, and the index's probes are still re-embedded): a health check for a
    deployment's start, in a few seconds instead of a minute."""
    from indexer.adapted import ADAPTED_MODEL
    from indexer.embed import BASE_MODEL, chosen_model, configured_model, resolve_model_path
    from indexer.parity import cpu_features, has_vnni
    from indexer.threads import THREADS_ENV_VAR, apply_thread_policy

    report = Diagnosis()
    features = cpu_features()
    sets = ", ".join(features["instruction_sets"]) or "（未识别）"  # type: ignore[arg-type]
    vnni = "有（int8 点积不饱和）" if has_vnni(features) else "无（int8 用 7 位权重，避免 16 位累加饱和）"
    report.add("CPU", f"{features['model']}（{features['machine']}，{os.cpu_count()} 核）；指令集 {sets}；VNNI {vnni}")
    policy = apply_thread_policy()
    configured = os.environ.get(THREADS_ENV_VAR) or "未设置"
    report.add("线程", f"编码器 {policy.encoder}，检索（FAISS/OpenMP）{policy.search}，BLAS {policy.blas}（{THREADS_ENV_VAR}={configured}）")
    model_id = configured_model()
    try:
        path = resolve_model_path(model_id)
    except Exception as e:  # the model is what every other check needs
        report.add("嵌入模型", f"{model_id}：不可用（{e}）")
        report.problem(f"嵌入模型不可用：{e}")
        return report
    licence = BUNDLED_MODEL_LICENCE if model_id in (BASE_MODEL, ADAPTED_MODEL) else "见该模型自己的模型卡"
    report.add("嵌入模型", f"{model_id}（{path}）；许可：{licence}")

    if quick:
        default = _default_backend(report)
        report.add("嵌入后端", f"默认 {default}（快速检查：未逐一测量各后端，需要时去掉 --quick）")
    else:
        _backend_lines(report)
    # An index answers with the model it names unless one is chosen ($POLICYQA_MODEL).
    _index_lines(report, Path(index_dir), chosen_model())
    _optional_converters(report)
    _admin_secret(report)
    return report


def _backend_lines(report: Diagnosis) -> None:
    """Each backend's lowest and mean cosine to torch on the probe texts, and its speed here."""
    from indexer.embed import BACKENDS, DEFAULT_BACKEND
    from indexer.parity import PARITY_COSINE, probe_texts

    texts = list(probe_texts())
    embedders, failures = _embedders(BACKENDS)
    reference = embedders["torch"][1] if "torch" in embedders else None
    default = _default_backend(report)
    report.lines.append(f"嵌入后端（本机 {len(texts)} 条探针文本，与 torch 比较）：")
    for backend in BACKENDS:
        mark = "  ← 默认" if backend == default else ""
        if backend not in embedders:
            report.lines.append(f"  {backend:<10} 不可用：{failures[backend]}{mark}")
            continue
        _embedder, vectors, seconds = embedders[backend]
        speed = f"{len(texts) / seconds:6.1f} 条/秒"
        if backend == "torch" or reference is None:
            report.lines.append(f"  {backend:<10} 参照                        {speed}{mark}")
            continue
        values = np.sum(vectors * reference, axis=1)
        matches = values.min() >= PARITY_COSINE
        report.lines.append(
            f"  {backend:<10} 最低余弦 {values.min():.4f}  平均 {values.mean():.4f}  {speed}  {'✓' if matches else '✗'}{mark}"
        )
        if backend == default and not matches:
            report.problem(f"默认后端 {backend} 的向量与 torch 不一致（最低余弦 {values.min():.4f}）")
    if default != DEFAULT_BACKEND:
        report.lines.append(f"  默认后端 {DEFAULT_BACKEND} 在本机未使用，改用 {default}")


def _embedders(backends: tuple[str, ...]) -> tuple[dict[str, tuple[object, np.ndarray, float]], dict[str, str]]:
    """Each backend that loads here, with its vectors of the probe texts and the
    seconds they took; and why each other one does not load."""
    from indexer.embed import Embedder
    from indexer.errors import PolicyQAError
    from indexer.parity import probe_texts

    texts, loaded, failures = list(probe_texts()), {}, {}
    for backend in backends:
        try:
            embedder = Embedder(backend=backend)
        except PolicyQAError as e:
            failures[backend] = str(e)
            continue
        embedder.embed_batch(texts[:8])  # warm-up: the first run allocates
        started = time.perf_counter()
        vectors = embedder.embed_batch(texts)
        loaded[backend] = (embedder, vectors, time.perf_counter() - started)
    return loaded, failures


def _default_backend(report: Diagnosis) -> str:
    from indexer.embed import Embedder
    from indexer.errors import PolicyQAError

    try:
        embedder = Embedder()
    except PolicyQAError as e:
        report.problem(f"默认嵌入后端不可用：{e}")
        return "—"
    if embedder.fallback_reason:
        report.lines.append(f"  提示：{embedder.fallback_reason}")
    return embedder.backend


def _index_lines(report: Diagnosis, index_dir: Path, model_id: str) -> None:
    from indexer.embed import query_embedder
    from indexer.errors import PolicyQAError
    from indexer.parity import index_probe_cosine
    from indexer.store import check_model
    from indexer.versions import open_version

    try:
        version = open_version(index_dir, full=True)
        manifest = version.manifest
        model_id = model_id or manifest.get("model_id", "")
        check_model(manifest, model_id)
    except PolicyQAError as e:
        report.add("索引", f"{index_dir}：{e}")
        report.problem(f"索引不可用：{e}")
        return
    counts = manifest.get("counts", {})
    built = f"{version.folder.name}，建于 {manifest.get('built_at', '?')}，模型 {model_id}，后端 {manifest.get('embed_backend') or '?'}"
    report.add("索引", f"{index_dir}（{built}；文件 {counts.get('documents', '?')} 份，条款 {counts.get('chunks', '?')} 条）")
    if version.warning:
        report.problem(version.warning)
    try:
        embedder = query_embedder(manifest, model_id, folder=version.folder)
    except PolicyQAError as e:
        report.add("索引探针", str(e))
        report.problem(str(e))
        return
    cosine = index_probe_cosine(version.folder, manifest, embedder.embed_batch)
    if cosine is None:
        report.add("索引探针", "此索引建于探针校验之前，无法核对本机是否复现其向量；建议重建：policyqa index --rebuild")
        return
    report.add("索引探针", f"以 {embedder.backend} 重新嵌入 {len(manifest['probes']['texts'])} 条探针，最低余弦 {cosine:.4f} ✓")


def _optional_converters(report: Diagnosis) -> None:
    soffice = shutil.which("soffice") or shutil.which("libreoffice")
    antiword = shutil.which("antiword")
    found = lambda path: f"已安装（{path}）" if path else "未安装"  # noqa: E731
    report.add("可选转换器", f"LibreOffice（.doc/.wps）{found(soffice)}；antiword（.doc）{found(antiword)}")


def _admin_secret(report: Diagnosis) -> None:
    from ui.guard import ADMIN_PASSWORD_ENV

    if os.environ.get(ADMIN_PASSWORD_ENV, ""):
        report.add("管理口令", f"来自环境变量 {ADMIN_PASSWORD_ENV}")
    else:
        report.add("管理口令", f"未设置 {ADMIN_PASSWORD_ENV}：每次启动生成一次性令牌并打印在控制台")

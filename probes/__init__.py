"""Probes of a running PolicyQA server (`policyqa reliability`).

Beside the benchmarks, not in them: the probes serve the real app and read its
internals (the admin gate, the upload cache, the rates), so they sit with
`ui/` above every stage, while `eval/` runs the `qa` code path and never
imports `ui/`. Nothing that serves users imports this package; the CLI
imports it inside `policyqa reliability` only.
"""

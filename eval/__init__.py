"""Evaluation of PolicyQA: metrics, reports and run comparison."""

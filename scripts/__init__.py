"""Workflow steps: each paper's steps are CLIs run as ``python -m scripts.<id>.<step>``."""

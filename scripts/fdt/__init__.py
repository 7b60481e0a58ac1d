"""Feedback Decision Transformer (Giladi and Katz, ICDM 2023). Fidelity ledger: docs/fidelity/fdt.md."""

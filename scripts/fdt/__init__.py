"""Feedback Decision Transformer (Giladi and Katz, ICDM 2023). Facts: ../shared/papers/fdt.md."""

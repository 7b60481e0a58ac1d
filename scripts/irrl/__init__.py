"""IRRL: Internally Rewarded Reinforcement Learning (Li et al., ICML 2023).

Each rule of the authors' code, ours, and the deviations: docs/fidelity/irrl.md. Code here runs in the pinned env
(Python 3.8, PyTorch 1.10.1): no newer syntax or torch APIs.
"""

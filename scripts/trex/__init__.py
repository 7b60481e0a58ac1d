"""T-REX (Brown et al., ICML 2019): reward learning from ranked demonstrations.

Pure cores: ``masks`` (per-game score masks), ``pairs`` (snippet/window samplers,
ranking noise), ``nets`` (reward networks and the Bradley-Terry loss), ``rl``
(tianshou PPO builders, the learned-reward wrapper, resumable training loop),
``data`` (demo storage). One CLI module per workflow rule.
"""

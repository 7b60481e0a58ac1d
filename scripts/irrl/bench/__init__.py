"""Speed checks of this paper's steps, run by hand (not workflow rules); their results are in docs/."""

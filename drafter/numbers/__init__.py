"""Numbers: the one claim reader, the facts table and its derivations, the checks and the in-place patcher."""

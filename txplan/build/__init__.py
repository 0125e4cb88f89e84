"""Building outputs: the incremental, parallel pipeline (``pipeline``), its state (``state``), atomic private
writes (``writer``) and one build at a time per clinic (``lock``).

Nothing is imported here: the writer is used by the signature records, which the policy (and so the checker)
imports, and the pipeline imports the checker.
"""

__all__: list[str] = []

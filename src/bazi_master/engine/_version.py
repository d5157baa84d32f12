"""The version of the engine's results.

Raise it whenever a release can give a different chart for the same input (new term
tables, a changed rule or convention), so that charts saved by an earlier engine are
recomputed when read.
"""

from typing import Final

ENGINE_VERSION: Final = "1.0.0"

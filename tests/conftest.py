"""Settings for the whole test suite."""

from __future__ import annotations

import os
import tempfile

# Caches the code keeps between runs (the parsed fonts of the PDF writer) go to a folder of the
# test run, not the user's ~/.cache; subprocesses inherit it.
os.environ["PIPELINE_CACHE_DIR"] = tempfile.mkdtemp(prefix="pipeline-test-cache-")

"""Allow `python -m pipeline`."""

import sys

try:
    from pipeline.cli import main
except KeyboardInterrupt:  # Ctrl-C while the command line is still being imported
    sys.stderr.write("pipeline: interrupted\n")
    sys.exit(130)

sys.exit(main())

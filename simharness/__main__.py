import sys

from simharness.cli import main

sys.exit(main())

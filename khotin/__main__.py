import sys

from khotin.cli import main

sys.exit(main())

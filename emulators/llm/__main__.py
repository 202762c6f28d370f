import sys

from emulators.llm.server import main

sys.exit(main())

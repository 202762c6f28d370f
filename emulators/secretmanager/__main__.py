import sys

from emulators.secretmanager.server import main

sys.exit(main())

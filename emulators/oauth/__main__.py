import sys

from emulators.oauth.server import main

sys.exit(main())

import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "desk.settings")
application = get_wsgi_application()

# What is loaded by now (Django, the apps, their modules) lives as long as the worker: move it
# out of the garbage collector's reach, so that its occasional full passes scan only what the
# requests create. Without this, a full pass over the ~70,000 objects of a loaded Django takes
# tens of milliseconds, and it lands in whichever request happens to trigger it.
gc.freeze()

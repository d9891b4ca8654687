"""`python -m probe_main run`: the probe service and its downstream in one container runner."""
from ekinerja_platform.runner import service_main

raise SystemExit(service_main("probe", "probe_app:ProbeService,probe_app:DownstreamService", ""))

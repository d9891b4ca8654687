"""The client's address for the login throttle: the platform's rule (`ekinerja_platform/client_address.py`, standard
library only), shared with the gRPC stream limits so both read a forwarded header the same way."""
from ekinerja_platform.client_address import (  # noqa: F401
    UNKNOWN,
    Address,
    Network,
    client_address,
    parse_networks,
    source_of,
)

"""Command modules, one per service; each exposes `register(cli)`."""
from . import auth, des, identity, platform, recap, skp, snowman

REGISTERED = [auth.register, identity.register, skp.register, des.register, recap.register, snowman.register,
              platform.register]
